"""Hours that cannot be inflated: no double credit, four eyes on every hour, bounded events."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction

from events.checkin_codes import make_event_code
from events.models import Method, RecordStatus, ServiceRecord
from events.services import CheckInError, RecordError, correct_record_times, create_manual_record, record_scan
from tests.conftest import client_for, make_manager
from tests.events.conftest import at, make_event

URL = "/api/v1/checkins/"


def scan(client, event, action: str, moment: datetime.datetime):
    with time_machine.travel(moment, tick=False):
        return client.post(URL, {"token": make_event_code(event.pk, action, moment)}, format="json")


@pytest.fixture
def two_events(tree):
    """Two events at the same morning at two stations; nobody serves at both."""
    return make_event(tree["S1"], title="A"), make_event(tree["S1"], title="B", address="广场西")


# 1. No double credit ---------------------------------------------------------------


def test_a_late_check_out_cannot_stretch_a_record_over_another_one(volunteer, two_events):
    a, b = two_events
    client = client_for(volunteer.user)
    assert scan(client, a, "in", at(9)).status_code == 201
    assert scan(client, a, "out", at(9, 30)).status_code == 200
    assert scan(client, b, "in", at(9, 31)).status_code == 201
    assert scan(client, b, "out", at(10, 30)).status_code == 200
    # Checking out of A again would count 09:31-10:30 twice.
    again = scan(client, a, "out", at(10, 59))
    assert again.status_code == 409 and again.json()["code"] == "overlapping"
    hours = sorted(ServiceRecord.objects.values_list("credited_hours", flat=True))
    assert hours == [Decimal("0.50"), Decimal("0.98")]


def test_check_in_elsewhere_while_still_checked_in_is_refused(volunteer, two_events):
    a, b = two_events
    client = client_for(volunteer.user)
    scan(client, a, "in", at(9))
    refused = scan(client, b, "in", at(9, 10))
    assert refused.status_code == 409 and refused.json()["code"] == "overlapping"
    assert ServiceRecord.objects.count() == 1


def test_the_managers_scan_refuses_overlaps_too(station_manager, volunteer, two_events):
    a, b = two_events
    record_scan(volunteer, a, "in", method=Method.EVENT_QR, at=at(9))
    record_scan(volunteer, a, "out", method=Method.EVENT_QR, at=at(11))
    with pytest.raises(CheckInError) as refused:
        record_scan(volunteer, b, "in", method=Method.VOLUNTEER_QR, at=at(10), by=station_manager)
    assert refused.value.code == "overlapping"


def test_manual_records_and_corrections_cannot_overlap(station_manager, volunteer, two_events, tree):
    a, b = two_events
    record_scan(volunteer, a, "in", method=Method.EVENT_QR, at=at(9))
    record, _ = record_scan(volunteer, a, "out", method=Method.EVENT_QR, at=at(10))
    with time_machine.travel(at(13), tick=False):
        with pytest.raises(RecordError) as manual:
            create_manual_record(
                b, volunteer, checked_in_at=at(9, 30), checked_out_at=at(11), reason="补录", by=station_manager
            )
        assert manual.value.code == "overlapping"
        other = create_manual_record(
            b, volunteer, checked_in_at=at(10), checked_out_at=at(11), reason="补录", by=station_manager
        )
        with pytest.raises(RecordError) as corrected:
            correct_record_times(record, checked_out_at=at(10, 45), reason="晚走", by=station_manager)
        assert corrected.value.code == "overlapping"
    assert other.credited_hours == Decimal("1.00")


def test_a_rejected_record_does_not_block_the_correct_one(station_manager, institute_manager, volunteer, two_events):
    a, b = two_events
    record_scan(volunteer, a, "in", method=Method.EVENT_QR, at=at(9))
    record, _ = record_scan(volunteer, a, "out", method=Method.EVENT_QR, at=at(11))
    client_for(institute_manager).post(f"/api/v1/records/{record.pk}/reject/", {"reason": "签错活动"}, format="json")
    with time_machine.travel(at(13), tick=False):
        create_manual_record(
            b, volunteer, checked_in_at=at(9), checked_out_at=at(11), reason="实际参加B", by=station_manager
        )


@pytest.mark.postgres
def test_postgres_exclusion_constraint_is_in_place(volunteer, two_events):
    a, b = two_events
    ServiceRecord.objects.create(
        event=a, volunteer=volunteer, checked_in_at=at(9), checked_out_at=at(10), method=Method.MANUAL
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceRecord.objects.create(
            event=b, volunteer=volunteer, checked_in_at=at(9, 30), checked_out_at=at(11), method=Method.MANUAL
        )
    # Back to back is fine, and so is a rejected record over the same time.
    ServiceRecord.objects.create(
        event=b, volunteer=volunteer, checked_in_at=at(10), checked_out_at=at(11), method=Method.MANUAL
    )
    ServiceRecord.objects.filter(event=a).update(status=RecordStatus.REJECTED)
    ServiceRecord.objects.filter(event=b).update(checked_in_at=at(9))


# 2. Four eyes on every hour -----------------------------------------------------------


@pytest.fixture
def colleague(django_user_model, tree):
    return make_manager(django_user_model, tree["S1"], "同站管理员")


def test_a_time_correction_sends_an_approved_record_back_to_review(
    station_manager, colleague, institute_manager, tree, volunteer
):
    event = make_event(tree["S1"])
    with time_machine.travel(at(13), tick=False):
        entered = (
            client_for(station_manager)
            .post(
                "/api/v1/records/",
                {
                    "event": event.pk,
                    "volunteer": volunteer.pk,
                    "checked_in_at": at(10).isoformat(),
                    "checked_out_at": at(11).isoformat(),
                    "reason": "手机没电",
                },
                format="json",
            )
            .json()
        )
        assert client_for(colleague).post(f"/api/v1/records/{entered['id']}/approve/").status_code == 200
        # The one who entered it now stretches it: it goes back to review, under nobody's name.
        patched = (
            client_for(station_manager)
            .patch(
                f"/api/v1/records/{entered['id']}/",
                {"checked_in_at": at(9).isoformat(), "reason": "其实九点就到了"},
                format="json",
            )
            .json()
        )
        again = client_for(station_manager).post(f"/api/v1/records/{entered['id']}/approve/")
        assert again.status_code == 403 and again.json()["code"] == "self_review"
        assert client_for(institute_manager).post(f"/api/v1/records/{entered['id']}/approve/").status_code == 200
    assert (patched["status"], patched["credited_hours"], patched["reviewed_by"]) == ("pending", "2.00", None)
    history = client_for(colleague).get(f"/api/v1/records/{entered['id']}/history/").json()
    assert [h["action"] for h in history] == ["manual_create", "approve", "correct_times", "approve"]
    assert history[2]["old"]["status"] == "approved" and history[2]["new"]["status"] == "pending"


def test_whoever_corrected_a_scanned_record_cannot_approve_it(station_manager, colleague, event, volunteer):
    record_scan(volunteer, event, "in", method=Method.EVENT_QR, at=at(9))
    record, _ = record_scan(volunteer, event, "out", method=Method.EVENT_QR, at=at(10))
    with time_machine.travel(at(13), tick=False):
        correct_record_times(record, checked_out_at=at(11), reason="据签到表", by=station_manager)
    refused = client_for(station_manager).post(f"/api/v1/records/{record.pk}/approve/")
    assert refused.status_code == 403 and refused.json()["code"] == "self_review"
    assert client_for(colleague).post(f"/api/v1/records/{record.pk}/approve/").status_code == 200


def test_a_manager_cannot_approve_their_own_service(django_user_model, tree, event, colleague):
    from tests.conftest import make_volunteer

    serving_manager = make_volunteer(tree["S1"], "王站长")
    make_manager_for = serving_manager.user
    from stations.models import UnitManager

    UnitManager.objects.create(unit=tree["S1"], user=make_manager_for)
    record_scan(serving_manager, event, "in", method=Method.EVENT_QR, at=at(9))
    record, _ = record_scan(serving_manager, event, "out", method=Method.EVENT_QR, at=at(11))
    refused = client_for(make_manager_for).post(f"/api/v1/records/{record.pk}/approve/")
    assert refused.status_code == 403 and refused.json()["code"] == "self_review"
    assert client_for(colleague).post(f"/api/v1/records/{record.pk}/approve/").status_code == 200


@pytest.mark.parametrize("field", ["checked_in_at", "checked_out_at"])
def test_times_in_the_future_are_refused(station_manager_client, event, volunteer, field):
    body = {
        "event": event.pk,
        "volunteer": volunteer.pk,
        "checked_in_at": at(9).isoformat(),
        "checked_out_at": at(10).isoformat(),
        "reason": "补录",
    }
    with time_machine.travel(at(9, 30), tick=False):
        response = station_manager_client.post("/api/v1/records/", body, format="json")
    assert response.status_code == 400 and response.json()["code"] == "future_time"
    assert not ServiceRecord.objects.exists()


@pytest.mark.parametrize("approval_required", [True, False])
def test_a_scan_after_a_managers_correction_does_not_overwrite_it(station_manager, tree, volunteer, approval_required):
    event = make_event(tree["S1"], approval_required=approval_required)
    client = client_for(volunteer.user)
    scan(client, event, "in", at(9))
    scan(client, event, "out", at(10))
    record = ServiceRecord.objects.get()
    with time_machine.travel(at(10, 30), tick=False):
        correct_record_times(record, checked_out_at=at(10, 15), reason="提前离场", by=station_manager)
    late = scan(client, event, "out", at(11, 50))
    assert late.status_code == 409 and late.json()["code"] == "already_reviewed"
    record.refresh_from_db()
    assert record.checked_out_at == at(10, 15) and record.credited_hours == Decimal("1.25")


# 4. Bounds on events and records ------------------------------------------------------


def event_body(tree, **changes) -> dict:
    body = {
        "unit": tree["S1"].pk,
        "title": "长期活动",
        "category": "other",
        "address": "东门社区",
        "starts_at": at(9).isoformat(),
        "ends_at": at(11).isoformat(),
    }
    return {**body, **changes}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_at": (at(9) + datetime.timedelta(days=3 * 365)).isoformat()}, "ends_at"),
        ({"ends_at": (at(9) + datetime.timedelta(days=7, minutes=1)).isoformat()}, "ends_at"),
        ({"checkin_opens_minutes": 2_147_483_647}, "checkin_opens_minutes"),
        ({"checkout_closes_minutes": 24 * 60 + 1}, "checkout_closes_minutes"),
        ({"min_age": 101}, "min_age"),
    ],
)
def test_events_are_bounded(station_manager_client, tree, changes, field):
    response = station_manager_client.post("/api/v1/events/", event_body(tree, **changes), format="json")
    assert response.status_code == 400 and field in response.json()


def test_a_week_long_camp_is_allowed_and_its_hours_stay_within_it(station_manager_client, tree):
    ends = at(9) + datetime.timedelta(days=7)
    response = station_manager_client.post("/api/v1/events/", event_body(tree, ends_at=ends.isoformat()), format="json")
    assert response.status_code == 201


def test_the_database_refuses_more_hours_than_an_event_can_credit(event, volunteer):
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceRecord.objects.create(
            event=event,
            volunteer=volunteer,
            checked_in_at=at(9),
            checked_out_at=at(11),
            credited_hours=Decimal("168.01"),
            method=Method.MANUAL,
        )


def test_manual_times_far_from_the_event_are_refused(station_manager_client, event, volunteer):
    body = {
        "event": event.pk,
        "volunteer": volunteer.pk,
        "checked_in_at": "1900-01-01T09:00:00+08:00",
        "checked_out_at": at(10).isoformat(),
        "reason": "补录",
    }
    with time_machine.travel(at(13), tick=False):
        response = station_manager_client.post("/api/v1/records/", body, format="json")
    assert response.status_code == 400 and response.json()["code"] == "outside_event"
