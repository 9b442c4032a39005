from events.models import Method, RecordStatus, ServiceRecord
from events.services import record_scan
from tests.events.conftest import at, make_event


def pending_record(event, volunteer) -> ServiceRecord:
    record_scan(volunteer, event, "in", method=Method.EVENT_QR, at=at(9))
    return record_scan(volunteer, event, "out", method=Method.EVENT_QR, at=at(10))[0]


def test_a_manager_approves_records_in_the_admin(client, station_manager, event, volunteer):
    record = pending_record(event, volunteer)
    client.force_login(station_manager)
    response = client.post(
        "/admin/events/servicerecord/",
        {"action": "approve_selected", "_selected_action": [record.pk]},
        follow=True,
    )
    assert "已审核通过 1 条记录" in response.content.decode()
    record.refresh_from_db()
    assert record.status == RecordStatus.APPROVED


def test_the_admin_shows_only_the_managers_records_and_history_read_only(
    client, station_manager, tree, volunteer, other_volunteer
):
    mine = pending_record(make_event(tree["S1"], title="本站活动"), volunteer)
    pending_record(make_event(tree["S2"], title="别站活动"), other_volunteer)
    client.force_login(station_manager)
    html = client.get("/admin/events/servicerecord/").content.decode()
    assert "本站活动" in html and "别站活动" not in html
    detail = client.get(f"/admin/events/servicerecord/{mine.pk}/change/").content.decode()
    # The history reads in words (issue 11): the check-out, not its code name.
    assert "已签退" in detail and "check_out" not in detail and 'name="_save"' not in detail


def test_records_cannot_be_deleted_in_the_admin(client, admin_user, event, volunteer):
    record = pending_record(event, volunteer)
    client.force_login(admin_user)
    assert client.get(f"/admin/events/servicerecord/{record.pk}/delete/").status_code == 403
