"""Races that only a real database server shows: run on PostgreSQL (CI does)."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from events.checkin_codes import make_event_code
from events.models import ServiceRecord, Signup, SignupStatus
from tests.conftest import make_volunteer
from tests.events.conftest import make_event

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(calls) -> list:
    """Start every call at the same moment, each on its own connection; return their results."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call) -> None:
        barrier.wait()
        try:
            results[index] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_twelve_simultaneous_check_ins_make_one_record_and_no_500(tree):
    volunteer = make_volunteer(tree["S1"])
    now = timezone.now()
    event = make_event(tree["S1"], starts_at=now, ends_at=now + datetime.timedelta(hours=2))
    token = make_event_code(event.pk, "in", now)
    statuses = run_together(
        [lambda: client_of(volunteer.user).post("/api/v1/checkins/", {"token": token}, format="json").status_code] * 12
    )
    assert sorted(statuses) == [200] * 11 + [201]
    assert ServiceRecord.objects.count() == 1


def test_fifty_simultaneous_signups_fill_ten_places_exactly(tree):
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    event = make_event(tree["S1"], starts_at=tomorrow, ends_at=tomorrow + datetime.timedelta(hours=2), capacity=10)
    volunteers = [make_volunteer(tree["S1"]) for _ in range(50)]
    statuses = run_together(
        [lambda v=v: client_of(v.user).post(f"/api/v1/events/{event.pk}/signup/").status_code for v in volunteers]
    )
    assert statuses == [201] * 50
    assert Signup.objects.filter(event=event, status=SignupStatus.CONFIRMED).count() == 10
    assert Signup.objects.filter(event=event, status=SignupStatus.WAITLISTED).count() == 40
