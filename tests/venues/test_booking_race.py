"""Twenty people book the same hour of the same venue at the same moment.

On PostgreSQL (CI runs these) the venue's row lock answers them one after the other: one
booking holds the slot, nineteen hear ``overlaps`` (409), none a 500. Two controls: with the
lock replaced by a plain read (tests/concurrency.py ``without_lock``) every racer checks
before any writes, and the exclusion constraint still keeps one booking; with the constraint
also dropped, the overlap happens, so the burst does provoke the race the two guards stop.

Times are built from the real clock (tomorrow 10:00–12:00 local): threads and a frozen clock
do not mix, and the venue is open every day.
"""

import datetime
import importlib

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from tests.concurrency import run_together, without_lock
from tests.conftest import make_volunteer
from tests.venues.conftest import make_venue
from venues import services
from venues.models import Booking, Venue

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RACERS = 20
# The migration that adds the exclusion constraint, for its SQL (a module name starting with a digit).
NO_OVERLAP = importlib.import_module("venues.migrations.0002_no_overlapping_bookings")


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def burst(tree) -> tuple[list, Venue]:
    venue = make_venue(tree["S1"], bookings_per_month=100)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    starts_at = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time(10)))
    body = {
        "venue": venue.pk,
        "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + datetime.timedelta(hours=2)).isoformat(),
        "purpose": "排练",
    }
    people = [make_volunteer(tree["S1"], f"抢{n}").user for n in range(RACERS)]
    responses = run_together(
        [lambda user=user: client_of(user).post("/api/v1/venue-bookings/", body, format="json") for user in people]
    )
    return responses, venue


def statuses(responses) -> list:
    return sorted(getattr(response, "status_code", repr(response)) for response in responses)


def test_twenty_simultaneous_bookings_of_one_slot_leave_one_and_nineteen_clean_refusals(tree):
    responses, venue = burst(tree)
    assert statuses(responses) == [201] + [409] * (RACERS - 1)
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"overlaps"}
    assert Booking.objects.filter(venue=venue).holding().count() == 1


def unlocked(monkeypatch) -> None:
    without_lock(monkeypatch, services, "_lock_venue", lambda venue: Venue.objects.get(pk=venue.pk), parties=RACERS)


def test_control_without_the_lock_the_exclusion_constraint_still_refuses(tree, monkeypatch):
    unlocked(monkeypatch)
    responses, venue = burst(tree)
    assert statuses(responses) == [201] + [409] * (RACERS - 1)
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"overlaps"}
    assert Booking.objects.filter(venue=venue).holding().count() == 1


def test_control_without_the_lock_and_the_constraint_the_slot_is_overbooked(tree, monkeypatch):
    unlocked(monkeypatch)
    with connection.cursor() as cursor:
        cursor.execute(NO_OVERLAP.DROP)
    try:
        responses, venue = burst(tree)
        assert 500 not in statuses(responses)
        assert Booking.objects.filter(venue=venue).holding().count() > 1
    finally:
        # The test database is flushed, not rebuilt, between transactional tests: put the guard back.
        Booking.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(NO_OVERLAP.ADD)
