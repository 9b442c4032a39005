"""Four eyes in the admin, told up front: the corrector is not offered 审核通过 and is told who approves;
the approval page shows the times and hours being approved."""

import re

import pytest

from events.models import RecordStatus
from events.services import correct_record_times
from tests.admin.conftest import page, pending_record
from tests.conftest import make_manager
from tests.events.conftest import at


@pytest.fixture
def second_manager(django_user_model, tree):
    return make_manager(django_user_model, tree["S1"], "周敏")


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def corrected(event, volunteer, by):
    record = pending_record(event, volunteer)
    return correct_record_times(record, by=by, reason="忘记签退", checked_out_at=at(10, 30))


def test_the_corrector_sees_approval_disabled_and_who_approves(
    client, station_manager, second_manager, event, volunteer
):
    record = corrected(event, volunteer, station_manager)
    client.force_login(station_manager)
    html = page(client.get(f"/admin/events/servicerecord/{record.pk}/change/"))
    assert f'href="/admin/events/servicerecord/{record.pk}/approve/"' not in html
    assert 'class="workflow-disabled"' in html
    assert "您更正过这条记录的时间，不能审核。此记录将由S1 单位的其他管理员审核：周敏。" in text(html)
    approve_page = page(client.get(f"/admin/events/servicerecord/{record.pk}/approve/"))
    assert "此记录将由S1 单位的其他管理员审核：周敏" in approve_page
    assert re.search(r'<input type="submit"[^>]*disabled', approve_page)
    # The service refuses it anyway, in words.
    refused = client.post(f"/admin/events/servicerecord/{record.pk}/approve/")
    assert refused.status_code == 200 and 'class="errornote"' in page(refused)
    record.refresh_from_db()
    assert record.status == RecordStatus.PENDING


def test_the_other_manager_approves_seeing_the_local_times_and_hours(
    client, station_manager, second_manager, event, volunteer
):
    record = corrected(event, volunteer, station_manager)
    client.force_login(second_manager)
    change = page(client.get(f"/admin/events/servicerecord/{record.pk}/change/"))
    assert f'href="/admin/events/servicerecord/{record.pk}/approve/"' in change and 'id="workflow-notice"' not in change
    html = text(page(client.get(f"/admin/events/servicerecord/{record.pk}/approve/")))
    assert "签到时间 2026-12-05 09:00" in html and "签退时间 2026-12-05 10:30" in html
    assert "1.50 小时" in html and "站管理员" in html and "忘记签退" in html
    response = client.post(f"/admin/events/servicerecord/{record.pk}/approve/")
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == RecordStatus.APPROVED and record.reviewed_by == second_manager


def test_a_one_manager_stations_correction_is_approved_by_its_institute_and_the_page_says_so(
    client, station_manager, institute_manager, event, volunteer
):
    record = corrected(event, volunteer, station_manager)
    client.force_login(station_manager)
    html = text(page(client.get(f"/admin/events/servicerecord/{record.pk}/change/")))
    assert "本站只有您一位管理员，此记录将由上级实践所（I1 单位）审核：所管理员。" in html
    client.force_login(institute_manager)
    approve_page = text(page(client.get(f"/admin/events/servicerecord/{record.pk}/approve/")))
    assert "S1 单位没有其他可以审核的管理员，因此由您审核。" in approve_page
    assert client.post(f"/admin/events/servicerecord/{record.pk}/approve/").status_code == 302
    record.refresh_from_db()
    assert record.status == RecordStatus.APPROVED and record.reviewed_by == institute_manager


def test_a_manager_of_another_station_cannot_open_the_approval_page(
    client, station_manager, other_station_manager, event, volunteer
):
    record = corrected(event, volunteer, station_manager)
    client.force_login(other_station_manager)
    assert client.get(f"/admin/events/servicerecord/{record.pk}/approve/").status_code in (302, 404)
    assert client.post(f"/admin/events/servicerecord/{record.pk}/approve/").status_code in (302, 404)
    record.refresh_from_db()
    assert record.status == RecordStatus.PENDING


def test_approving_from_the_list_names_who_approves_what_the_manager_corrected(
    client, station_manager, second_manager, event, volunteer
):
    record = corrected(event, volunteer, station_manager)
    client.force_login(station_manager)
    response = client.post(
        "/admin/events/servicerecord/", {"action": "approve_selected", "_selected_action": [record.pk]}, follow=True
    )
    assert "此记录将由S1 单位的其他管理员审核：周敏" in text(page(response))
    record.refresh_from_db()
    assert record.status == RecordStatus.PENDING
