from decimal import Decimal

import pytest
from django.core.management import call_command

from events.models import Method, RecordChange, RecordStatus, ServiceRecord
from events.services import record_scan
from tests.conftest import client_for, make_manager
from tests.events.conftest import at, make_event


def checked_out(event, volunteer, start=None, end=None) -> ServiceRecord:
    record_scan(volunteer, event, "in", method=Method.EVENT_QR, at=start or at(9))
    record, _ = record_scan(volunteer, event, "out", method=Method.EVENT_QR, at=end or at(11))
    return record


@pytest.fixture(autouse=True)
def after_the_event(clock):
    """Managers review and correct once the event is over: typed times may not lie in the future."""
    clock.move_to(at(13))


@pytest.fixture
def pending(event, volunteer):
    return checked_out(event, volunteer)


def test_volunteers_see_only_their_own_records(volunteer, other_volunteer, tree, event):
    mine = checked_out(event, volunteer)
    checked_out(event, other_volunteer)
    ids = [r["id"] for r in client_for(volunteer.user).get("/api/v1/records/").json()["results"]]
    assert ids == [mine.pk]


def test_managers_see_their_subtree_and_get_404_elsewhere(other_station_manager, center_manager_client, pending):
    assert center_manager_client.get("/api/v1/records/").json()["count"] == 1
    other = client_for(other_station_manager)
    assert other.get("/api/v1/records/").json()["count"] == 0
    assert other.get(f"/api/v1/records/{pending.pk}/").status_code == 404
    assert other.post(f"/api/v1/records/{pending.pk}/approve/").status_code == 404


def test_volunteers_cannot_approve_their_own_records(volunteer_client, pending):
    assert volunteer_client.post(f"/api/v1/records/{pending.pk}/approve/").status_code == 403
    assert ServiceRecord.objects.get().status == RecordStatus.PENDING


def test_approve_then_reject_with_a_reason(station_manager_client, pending):
    approved = station_manager_client.post(f"/api/v1/records/{pending.pk}/approve/")
    assert approved.json()["status"] == "approved"
    assert station_manager_client.post(f"/api/v1/records/{pending.pk}/approve/").status_code == 409
    no_reason = station_manager_client.post(f"/api/v1/records/{pending.pk}/reject/", {}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    rejected = station_manager_client.post(f"/api/v1/records/{pending.pk}/reject/", {"reason": "代签"}, format="json")
    assert rejected.json()["status"] == "rejected" and rejected.json()["reject_reason"] == "代签"
    actions = [h["action"] for h in station_manager_client.get(f"/api/v1/records/{pending.pk}/history/").json()]
    assert actions == ["check_out", "approve", "reject"]


def test_an_open_record_cannot_be_approved(station_manager_client, event, volunteer):
    record, _ = record_scan(volunteer, event, "in", method=Method.EVENT_QR, at=at(9))
    response = station_manager_client.post(f"/api/v1/records/{record.pk}/approve/")
    assert response.status_code == 409 and response.json()["code"] == "invalid_state"


def test_bulk_approve_reports_what_it_skipped(station_manager_client, event, tree, volunteer, other_volunteer):
    good = checked_out(event, volunteer)
    open_record, _ = record_scan(other_volunteer, event, "in", method=Method.EVENT_QR, at=at(9))
    response = station_manager_client.post(
        "/api/v1/records/bulk-approve/", {"ids": [good.pk, open_record.pk, 999999]}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {
        "approved": [good.pk],
        "skipped": {"invalid_state": [open_record.pk], "not_found": [999999]},
    }


def test_correcting_times_needs_a_reason_and_recomputes_hours(station_manager_client, pending):
    url = f"/api/v1/records/{pending.pk}/"
    assert (
        station_manager_client.patch(url, {"checked_out_at": "2026-12-05T10:00:00+08:00"}, format="json").status_code
        == 400
    )
    response = station_manager_client.patch(
        url, {"checked_out_at": "2026-12-05T10:00:00+08:00", "reason": "提前离场"}, format="json"
    )
    assert response.status_code == 200 and response.json()["credited_hours"] == "1.00"
    last = RecordChange.objects.filter(record=pending).last()
    assert last.reason == "提前离场" and last.old["credited_hours"] == "2.00"


def test_check_out_before_check_in_is_refused_on_correction(station_manager_client, pending):
    response = station_manager_client.patch(
        f"/api/v1/records/{pending.pk}/",
        {"checked_out_at": "2026-12-05T08:00:00+08:00", "reason": "误操作"},
        format="json",
    )
    assert response.status_code == 400
    assert ServiceRecord.objects.get().checked_out_at == at(11)


def test_records_are_never_deleted(station_manager_client, admin_client_api, pending):
    assert station_manager_client.delete(f"/api/v1/records/{pending.pk}/").status_code == 405
    assert admin_client_api.delete(f"/api/v1/records/{pending.pk}/").status_code == 405


def manual(client, event, volunteer, **changes):
    body = {
        "event": event.pk,
        "volunteer": volunteer.pk,
        "checked_in_at": "2026-12-05T09:00:00+08:00",
        "checked_out_at": "2026-12-05T12:00:00+08:00",
        "reason": "手机没电，现场签到表为证",
    }
    return client.post("/api/v1/records/", {**body, **changes}, format="json")


def test_a_manual_record_is_capped_by_the_event_and_needs_a_second_person(
    station_manager, institute_manager, django_user_model, event, volunteer, tree
):
    entered = manual(client_for(station_manager), event, volunteer)
    assert entered.status_code == 201
    body = entered.json()
    assert body["method"] == "manual" and body["status"] == "pending" and body["credited_hours"] == "2.00"
    same = client_for(station_manager).post(f"/api/v1/records/{body['id']}/approve/")
    assert same.status_code == 403 and same.json()["code"] == "self_review"
    colleague = make_manager(django_user_model, tree["S1"], "同站管理员")
    assert client_for(colleague).post(f"/api/v1/records/{body['id']}/approve/").status_code == 200


def test_a_manual_record_can_be_approved_by_a_parent_units_manager(
    station_manager, institute_manager, event, volunteer
):
    record_id = manual(client_for(station_manager), event, volunteer).json()["id"]
    assert client_for(institute_manager).post(f"/api/v1/records/{record_id}/approve/").status_code == 200


def test_a_manual_record_can_not_be_approved_by_another_stations_manager(
    station_manager, other_station_manager, event, volunteer
):
    record_id = manual(client_for(station_manager), event, volunteer).json()["id"]
    assert client_for(other_station_manager).post(f"/api/v1/records/{record_id}/approve/").status_code == 404


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"reason": ""}, "reason"), ({"checked_out_at": "2026-12-05T08:00:00+08:00"}, "checked_out_at")],
)
def test_a_manual_record_needs_a_reason_and_sane_times(station_manager_client, event, volunteer, changes, field):
    response = manual(station_manager_client, event, volunteer, **changes)
    assert response.status_code == 400 and field in response.json()
    assert not ServiceRecord.objects.exists()


def test_a_second_record_for_the_same_event_is_a_conflict(station_manager_client, pending, event, volunteer):
    assert manual(station_manager_client, event, volunteer).status_code == 409


def test_managers_cannot_enter_records_for_unknown_volunteers(station_manager_client, event, far_volunteer):
    response = manual(station_manager_client, event, far_volunteer)
    assert response.status_code == 400 and "volunteer" in response.json()


def test_managers_cannot_enter_records_for_other_stations_events(other_station_manager, event, volunteer):
    response = manual(client_for(other_station_manager), event, volunteer)
    assert response.status_code == 400 and "event" in response.json()


def test_volunteers_cannot_enter_records(volunteer_client, event, volunteer):
    assert manual(volunteer_client, event, volunteer).status_code == 403


def test_stale_open_records_are_closed_by_the_command(
    clock, station_manager_client, institute_manager, event, volunteer, capsys
):
    record, _ = record_scan(volunteer, event, "in", method=Method.EVENT_QR, at=at(9))
    clock.move_to(at(11, 59))
    call_command("close_stale_records")
    assert ServiceRecord.objects.get().status == RecordStatus.OPEN
    clock.move_to(at(12, 1))
    call_command("close_stale_records", "--dry-run")
    assert ServiceRecord.objects.get().status == RecordStatus.OPEN
    call_command("close_stale_records")
    call_command("close_stale_records")
    record.refresh_from_db()
    event.refresh_from_db()
    assert (record.status, record.flag, record.credited_hours) == ("pending", "missing_checkout", Decimal("0.00"))
    assert event.status == "finished"
    assert "Closed 0 open records" in capsys.readouterr().out
    refused = station_manager_client.post(f"/api/v1/records/{record.pk}/approve/")
    assert refused.status_code == 409 and refused.json()["code"] == "missing_checkout"
    fixed = station_manager_client.patch(
        f"/api/v1/records/{record.pk}/",
        {"checked_out_at": "2026-12-05T10:30:00+08:00", "reason": "据签到表补签退"},
        format="json",
    )
    assert fixed.json()["credited_hours"] == "1.50" and fixed.json()["flag"] == ""
    assert station_manager_client.post(f"/api/v1/records/{record.pk}/approve/").json()["code"] == "self_review"
    assert client_for(institute_manager).post(f"/api/v1/records/{record.pk}/approve/").status_code == 200


@pytest.mark.parametrize(("query", "count"), [("status=pending", 1), ("status=approved", 0), ("flagged=true", 0)])
def test_records_filter(station_manager_client, pending, query, count):
    assert station_manager_client.get(f"/api/v1/records/?{query}").json()["count"] == count


def test_only_approved_hours_count_and_set_the_star_level(center_manager_client, tree, volunteer, settings):
    settings.STAR_THRESHOLDS_HOURS = [2, 4, 6, 8, 10]
    first = make_event(tree["S1"])
    second = make_event(tree["S2"], starts_at=at(13), ends_at=at(15))
    third = make_event(tree["S3"], starts_at=at(16), ends_at=at(17))
    for event in (first, second):
        checked_out(event, volunteer, event.starts_at, event.ends_at)
    checked_out(third, volunteer, third.starts_at, third.ends_at)
    ServiceRecord.objects.exclude(event=third).update(status=RecordStatus.APPROVED)
    row = center_manager_client.get(f"/api/v1/volunteers/{volunteer.pk}/").json()
    assert (row["approved_hours"], row["star_level"]) == ("4.00", 2)
    assert center_manager_client.get("/api/v1/volunteers/?min_hours=4").json()["count"] == 1
    assert center_manager_client.get("/api/v1/volunteers/?min_hours=4.5").json()["count"] == 0
    assert center_manager_client.get("/api/v1/volunteers/?star=2").json()["count"] == 1
    assert center_manager_client.get("/api/v1/volunteers/?star=1").json()["count"] == 0
