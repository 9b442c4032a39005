"""Service records in the admin: correct, approve and reject through the services; history in words.

The clock is frozen at noon of 2026-12-05, the tests' event day, by tests/admin/conftest.py's autouse
``after_the_event``: the fixed dates below are that day's and its year's.
"""

import datetime

from django.utils import translation

from events.choices import RecordFlag
from events.models import RecordStatus, ServiceRecord
from events.services import RecordError, create_manual_record
from tests.admin.conftest import page, pending_record
from tests.events.conftest import at, make_event


def zh(message) -> str:
    with translation.override("zh-hans"):
        return str(message)


def test_correcting_times_needs_a_reason_and_the_history_reads_before_and_after_in_local_time(
    client, station_manager, event, volunteer
):
    record = pending_record(event, volunteer)
    client.force_login(station_manager)
    url = f"/admin/events/servicerecord/{record.pk}/correct/"
    assert "更正时间" in page(client.get(f"/admin/events/servicerecord/{record.pk}/change/"))
    refused = client.post(url, {"checked_in_at": "2026-12-05T09:00", "checked_out_at": "2026-12-05T11:00"})
    assert refused.status_code == 200 and "该字段是必填项" in page(refused)
    response = client.post(
        url, {"checked_in_at": "2026-12-05T09:00", "checked_out_at": "2026-12-05T11:00", "reason": "忘记签退"}
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.checked_out_at == at(11) and record.credited_hours == 2
    history = page(client.get(f"/admin/events/servicerecord/{record.pk}/change/"))
    assert "更正时间" in history and "忘记签退" in history
    # Local times (Asia/Shanghai), before → after; no raw JSON or UTC.
    assert "2026-12-05 10:00 → 2026-12-05 11:00" in history
    assert "correct_times" not in history and "+00:00" not in history


def test_approving_and_rejecting_with_a_reason(client, station_manager, tree, volunteer, other_volunteer):
    event = make_event(tree["S1"])
    first, second = pending_record(event, volunteer), pending_record(event, other_volunteer)
    client.force_login(station_manager)
    assert client.post(f"/admin/events/servicerecord/{first.pk}/approve/").status_code == 302
    ask = client.post("/admin/events/servicerecord/", {"action": "reject_selected", "_selected_action": [second.pk]})
    assert 'name="reason"' in page(ask)
    client.post(
        "/admin/events/servicerecord/",
        {"action": "reject_selected", "_selected_action": [second.pk], "apply": "1", "reason": "未到岗"},
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == RecordStatus.APPROVED and first.reviewed_by == station_manager
    assert second.status == RecordStatus.REJECTED and second.reject_reason == "未到岗"


def test_a_refusal_of_the_service_is_shown_in_chinese(client, station_manager, event, volunteer):
    record = create_manual_record(
        event, volunteer, checked_in_at=at(9), checked_out_at=at(10), reason="补录", by=station_manager
    )
    client.force_login(station_manager)
    response = client.post(f"/admin/events/servicerecord/{record.pk}/approve/")
    assert response.status_code == 200
    messages = [zh(RecordError(code).detail) for code in ("same_person", "self_review") if code in RecordError.messages]
    assert any(message in page(response) for message in messages)
    record.refresh_from_db()
    assert record.status == RecordStatus.PENDING


def test_a_manual_record_is_entered_through_the_service(client, station_manager, event, volunteer):
    client.force_login(station_manager)
    response = client.post(
        "/admin/events/servicerecord/add/",
        {
            "event": event.pk,
            "volunteer": volunteer.pk,
            "checked_in_at": "2026-12-05T09:00",
            "checked_out_at": "2026-12-05T10:30",
            "reason": "扫码失败",
        },
    )
    record = ServiceRecord.objects.get()
    assert response.status_code == 302
    assert record.method == "manual" and record.created_by == station_manager and record.reason == "扫码失败"


def test_flags_are_words_and_records_can_be_filtered_by_flag_and_by_working_days_waiting(
    client, station_manager, tree, volunteer, other_volunteer
):
    recent = pending_record(make_event(tree["S1"], title="今天的活动"), volunteer)
    old_event = make_event(
        tree["S1"],
        title="上月的活动",
        starts_at=at(9) - datetime.timedelta(days=30),
        ends_at=at(11) - datetime.timedelta(days=30),
    )
    old = ServiceRecord.objects.create(
        event=old_event,
        volunteer=other_volunteer,
        checked_in_at=old_event.starts_at,
        method="event_qr",
        status=RecordStatus.PENDING,
        flag=RecordFlag.MISSING_CHECKOUT,
    )
    ServiceRecord.objects.filter(pk=old.pk).update(created_at=old_event.ends_at)
    client.force_login(station_manager)
    listing = page(client.get("/admin/events/servicerecord/"))
    assert "未签退" in listing and ">missing_checkout<" not in listing
    flagged = page(client.get("/admin/events/servicerecord/?flagged=missing_checkout"))
    assert "上月的活动" in flagged and "今天的活动" not in flagged
    waiting = page(client.get("/admin/events/servicerecord/?waiting=5"))
    assert "上月的活动" in waiting and "今天的活动" not in waiting
    assert recent.pk


def test_an_outsider_cannot_correct_or_approve(client, other_station_manager, event, volunteer):
    record = pending_record(event, volunteer)
    client.force_login(other_station_manager)
    assert client.post(f"/admin/events/servicerecord/{record.pk}/approve/").status_code == 404
    response = client.post(
        f"/admin/events/servicerecord/{record.pk}/correct/",
        {"checked_in_at": "2026-12-05T09:00", "checked_out_at": "2026-12-05T11:00", "reason": "x"},
    )
    assert response.status_code == 404
    record.refresh_from_db()
    assert record.status == RecordStatus.PENDING and record.checked_out_at == at(10)


def test_the_correction_form_answers_times_out_of_range_with_a_message(client, station_manager, event, volunteer):
    record = pending_record(event, volunteer)
    checked_out_at = record.checked_out_at
    client.force_login(station_manager)
    response = client.post(
        f"/admin/events/servicerecord/{record.pk}/correct/",
        {"checked_in_at": "9999-12-31T09:00", "checked_out_at": "9999-12-31T11:00", "reason": "改到遥远的将来"},
    )
    assert response.status_code == 200 and "1900-01-01" in page(response)
    record.refresh_from_db()
    assert record.checked_out_at == checked_out_at
