"""What people are told about bookings: a booking waiting for approval → the venue unit's
managers; a manager's approval, refusal or cancellation → the booker; one's own steps → nobody.

The clock is frozen on Wednesday 2026-12-02, 09:00 Asia/Shanghai (tests/venues/conftest.py ``clock``).
"""

import pytest
from django.db import transaction

from notifications.kinds import Channel
from notifications.models import Message
from tests.conftest import make_manager
from tests.venues.clock import NOW, THURSDAY, on
from tests.venues.conftest import make_venue
from venues import services

pytestmark = pytest.mark.django_db


def inbox(user) -> list[Message]:
    return list(Message.objects.filter(recipient=user, channel=Channel.INBOX).order_by("pk"))


def book(venue, user, start=10):
    return services.book(
        venue, user, starts_at=on(THURSDAY, start), ends_at=on(THURSDAY, start + 2), purpose="读书会", at=NOW
    )


def test_a_pending_booking_tells_the_stations_managers_not_those_above_or_beside(
    reading_room, volunteer, station_manager, center_manager, other_station_manager
):
    book(reading_room, volunteer.user)
    [message] = inbox(station_manager)
    assert message.kind == "venue_booking_requested" and reading_room.name in message.title
    assert "2026-12-03 10:00" in message.body and message.link == "/venues/bookings/"
    assert inbox(center_manager) == [] and inbox(other_station_manager) == []
    assert inbox(volunteer.user) == []


def test_a_station_without_managers_has_its_booking_told_to_the_nearest_unit_above(
    tree, clock, volunteer, institute_manager, center_manager
):
    venue = make_venue(tree["S2"])
    book(venue, volunteer.user)
    assert [m.kind for m in inbox(institute_manager)] == ["venue_booking_requested"]
    assert inbox(center_manager) == []


def test_a_booking_confirmed_at_once_tells_no_manager(tree, clock, volunteer, station_manager):
    venue = make_venue(tree["S1"], approval_required=False)
    book(venue, volunteer.user)
    assert inbox(station_manager) == []


def test_approval_and_refusal_tell_the_booker(reading_room, volunteer, station_manager):
    first, second = book(reading_room, volunteer.user, 10), book(reading_room, volunteer.user, 14)
    services.decide(first, by=station_manager, approve=True, at=NOW)
    services.decide(second, by=station_manager, approve=False, reason="当天消防检查", at=NOW)
    approved, refused = inbox(volunteer.user)
    assert approved.kind == refused.kind == "venue_booking_answered"
    assert approved.title != refused.title and reading_room.name in approved.title
    assert "当天消防检查" in refused.body and approved.link == "/venues/my-bookings/"


def test_a_managers_cancellation_tells_the_booker_the_bookers_own_tells_nobody(
    reading_room, volunteer, station_manager
):
    mine, theirs = book(reading_room, volunteer.user, 10), book(reading_room, volunteer.user, 14)
    services.cancel(mine, by=volunteer.user, at=NOW)
    assert inbox(volunteer.user) == []
    services.cancel(theirs, by=station_manager, at=NOW)
    assert [m.kind for m in inbox(volunteer.user)] == ["venue_booking_answered"]


def test_a_refused_booking_leaves_no_notice(tree, clock, volunteer, station_manager):
    venue = make_venue(tree["S1"], capacity=5)
    with pytest.raises(services.VenueError):
        services.book(
            venue,
            volunteer.user,
            starts_at=on(THURSDAY, 10),
            ends_at=on(THURSDAY, 11),
            purpose="x",
            attendees=6,
            at=NOW,
        )
    assert inbox(station_manager) == []


@pytest.mark.django_db(transaction=True)
def test_a_notice_exists_only_if_the_booking_was_saved(tree, volunteer, django_user_model):
    import time_machine

    manager = make_manager(django_user_model, tree["S1"], "站长")
    with time_machine.travel(NOW, tick=False):
        venue = make_venue(tree["S1"])
        with pytest.raises(RuntimeError), transaction.atomic():
            book(venue, volunteer.user)
            raise RuntimeError("the request failed later")
    assert inbox(manager) == []
