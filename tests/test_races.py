"""Races that only a real database server shows, on PostgreSQL (CI runs them).

Each race has a control: the same burst with the workflow's row lock replaced by a
plain read and a short pause, which must show the race (so the test can provoke
it), while the real code must not.
"""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from events import services
from events.checkin_codes import make_event_code
from events.models import Event, Method, RecordChange, ServiceRecord, Signup, SignupStatus
from tests.concurrency import run_together, without_lock
from tests.conftest import make_manager, make_volunteer
from tests.events.conftest import make_event

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def sign_up_fifty_for_ten(tree) -> int:
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    event = make_event(tree["S1"], starts_at=tomorrow, ends_at=tomorrow + datetime.timedelta(hours=2), capacity=10)
    volunteers = [make_volunteer(tree["S1"]) for _ in range(50)]
    statuses = run_together(
        [lambda v=v: client_of(v.user).post(f"/api/v1/events/{event.pk}/signup/").status_code for v in volunteers]
    )
    assert statuses == [201] * 50
    return Signup.objects.filter(event=event, status=SignupStatus.CONFIRMED).count()


def test_fifty_simultaneous_signups_fill_ten_places_exactly(tree):
    assert sign_up_fifty_for_ten(tree) == 10


def test_control_without_the_event_lock_signups_overfill(tree, monkeypatch):
    without_lock(monkeypatch, services, "_lock_event", lambda event: Event.objects.get(pk=event.pk), parties=50)
    assert sign_up_fifty_for_ten(tree) > 10


def twelve_check_ins(tree, monkeypatch) -> tuple[list[int], int]:
    volunteer = make_volunteer(tree["S1"])
    now = timezone.now()
    event = make_event(tree["S1"], starts_at=now, ends_at=now + datetime.timedelta(hours=2))
    token = make_event_code(event.pk, "in", now)
    inserts = []
    create = ServiceRecord.objects.create

    def counted_create(**fields):
        inserts.append(1)
        return create(**fields)

    monkeypatch.setattr(ServiceRecord.objects, "create", counted_create)
    statuses = run_together(
        [lambda: client_of(volunteer.user).post("/api/v1/checkins/", {"token": token}, format="json").status_code] * 12
    )
    assert ServiceRecord.objects.count() == 1
    return statuses, len(inserts)


def test_twelve_simultaneous_check_ins_make_one_record_and_no_500(tree, monkeypatch):
    statuses, inserts = twelve_check_ins(tree, monkeypatch)
    assert sorted(statuses) == [200] * 11 + [201]
    assert inserts == 1


def test_control_without_the_volunteer_lock_check_ins_race_to_insert(tree, monkeypatch):
    from volunteers.models import Volunteer

    without_lock(
        monkeypatch, services, "_lock_volunteer", lambda volunteer: Volunteer.objects.get(pk=volunteer.pk), parties=12
    )
    statuses, inserts = twelve_check_ins(tree, monkeypatch)
    # The race happens (several inserts), and the unique constraint still keeps one record.
    assert inserts > 1 and 500 not in statuses


def two_managers_review(tree, django_user_model, volunteer) -> list[int]:
    event = make_event(tree["S1"])
    services.record_scan(volunteer, event, "in", method=Method.EVENT_QR, at=event.starts_at)
    record, _ = services.record_scan(volunteer, event, "out", method=Method.EVENT_QR, at=event.ends_at)
    first = make_manager(django_user_model, tree["S1"], "甲")
    second = make_manager(django_user_model, tree["I1"], "乙")
    return run_together(
        [
            lambda: client_of(first).post(f"/api/v1/records/{record.pk}/approve/").status_code,
            lambda: client_of(second).post(f"/api/v1/records/{record.pk}/approve/").status_code,
        ]
    )


def test_two_managers_approving_one_record_one_wins_the_other_gets_409(tree, django_user_model, volunteer):
    statuses = two_managers_review(tree, django_user_model, volunteer)
    assert sorted(statuses) == [200, 409]
    assert RecordChange.objects.filter(action="approve").count() == 1


def test_control_without_the_record_lock_both_approvals_pass(tree, django_user_model, volunteer, monkeypatch):
    # Without the volunteer's and the record's locks the second approval would also race the first
    # one's points settling after its commit (which takes those locks) into a deadlock: the control
    # shows the approvals' race only, so the points stay due here.
    monkeypatch.setattr("points.earning.settle_after_commit", lambda record_ids: None)
    without_lock(
        monkeypatch,
        services,
        "_locked",
        lambda record: ServiceRecord.objects.select_related("event").get(pk=record.pk),
        parties=2,
    )
    statuses = two_managers_review(tree, django_user_model, volunteer)
    assert statuses == [200, 200]
    assert RecordChange.objects.filter(action="approve").count() == 2
