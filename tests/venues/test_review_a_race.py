"""One person books the same venue from several tabs at the same moment, each tab a different
hour, with one booking a month left: the venue's row lock answers them one after the other,
so one is made and the others hear ``monthly_limit``. The exclusion constraint cannot help
here (the hours do not overlap): only the lock keeps the limit.

Times are built from the real clock (tomorrow, 08:30 onwards local): threads and a frozen
clock do not mix, and the venue is open every day.
"""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.concurrency import run_together, without_lock
from tests.conftest import make_volunteer
from tests.venues.conftest import make_venue
from venues import services
from venues.models import Booking, Venue

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TABS = 6


def tabs(tree) -> tuple[list, Venue, object]:
    venue = make_venue(tree["S1"], bookings_per_month=1, advance_days=60)
    person = make_volunteer(tree["S1"], "多开")
    day = timezone.localdate() + datetime.timedelta(days=1)

    def body(n: int) -> dict:
        starts_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9 + n)))
        return {
            "venue": venue.pk,
            "starts_at": starts_at.isoformat(),
            "ends_at": (starts_at + datetime.timedelta(minutes=30)).isoformat(),
            "purpose": "排练",
        }

    def post(n: int):
        client = APIClient()
        client.force_authenticate(person.user)
        return client.post("/api/v1/venue-bookings/", body(n), format="json")

    return run_together([lambda n=n: post(n) for n in range(TABS)]), venue, person


def test_tabs_at_once_keep_to_the_monthly_limit(tree):
    responses, venue, person = tabs(tree)
    codes = sorted(getattr(response, "status_code", repr(response)) for response in responses)
    assert codes == [201] + [400] * (TABS - 1)
    assert {r.json()["code"] for r in responses if r.status_code == 400} == {"monthly_limit"}
    assert Booking.objects.filter(venue=venue, booker=person.user).holding().count() == 1


def test_control_without_the_lock_the_limit_is_overrun(tree, monkeypatch):
    without_lock(monkeypatch, services, "_lock_venue", lambda venue: Venue.objects.get(pk=venue.pk), parties=TABS)
    _, venue, person = tabs(tree)
    assert Booking.objects.filter(venue=venue, booker=person.user).holding().count() > 1
