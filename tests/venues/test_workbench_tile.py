"""The workbench counts the venue bookings its manager can still approve and links to them.

Times are built from now: one booking tomorrow, one that began an hour ago, one of another subtree.
"""

import datetime
import re

import pytest
from django.utils import timezone

from tests.conftest import make_volunteer
from tests.venues.conftest import make_booking, make_venue
from venues.models import BookingStatus

pytestmark = pytest.mark.django_db


def tile_count(html: str) -> int:
    match = re.search(r'id="count-bookings" href="/venues/bookings/"><strong>(\d+)</strong>', html)
    assert match, "no bookings tile linking to the bookings page"
    return int(match.group(1))


def test_the_tile_counts_the_subtrees_bookings_that_can_still_be_approved(client, tree, station_manager):
    booker = make_volunteer(tree["S1"], "赵预约").user
    now = timezone.now()
    room = make_venue(tree["S1"])
    make_booking(room, booker, starts_at=now + datetime.timedelta(days=1), status=BookingStatus.PENDING)
    make_booking(room, booker, starts_at=now - datetime.timedelta(hours=1), status=BookingStatus.PENDING)
    make_booking(room, booker, starts_at=now + datetime.timedelta(days=2))
    elsewhere = make_venue(tree["S4"])
    make_booking(elsewhere, booker, starts_at=now + datetime.timedelta(days=1), status=BookingStatus.PENDING)
    client.force_login(station_manager)
    assert tile_count(client.get("/workbench/").content.decode()) == 1
