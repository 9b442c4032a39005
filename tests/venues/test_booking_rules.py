"""Every rule of ``venues.services.book``, one at a time.

The clock is frozen on Wednesday 2026-12-02, 09:00 Asia/Shanghai (the ``clock`` fixture of
tests/venues/conftest.py); every booking is built from that week (tests/venues/clock.py).
"""

import datetime

import pytest

from tests.conftest import make_volunteer
from tests.venues.clock import NOW, SATURDAY, THURSDAY, on
from tests.venues.conftest import make_booking, make_venue
from venues import services
from venues.errors import VenueError
from venues.models import Booking, BookingStatus
from volunteers.models import Team

pytestmark = pytest.mark.django_db


def book(venue, user, starts_at, ends_at, **fields):
    return services.book(
        venue, user, starts_at=starts_at, ends_at=ends_at, purpose=fields.pop("purpose", "读书会"), at=NOW, **fields
    )


def refused_with(code: str, *args, **kwargs) -> None:
    with pytest.raises(VenueError) as caught:
        book(*args, **kwargs)
    assert caught.value.code == code


def test_a_booking_within_the_rules_waits_for_approval_and_holds_the_slot(reading_room, volunteer):
    booking = book(reading_room, volunteer.user, on(THURSDAY, 10), on(THURSDAY, 12))
    assert booking.status == BookingStatus.PENDING and booking.holds_slot
    assert booking.decided_at is None


def test_a_venue_without_approval_confirms_at_once(tree, clock, volunteer):
    venue = make_venue(tree["S1"], approval_required=False)
    booking = book(venue, volunteer.user, on(THURSDAY, 10), on(THURSDAY, 12))
    assert booking.status == BookingStatus.APPROVED and booking.decided_at == NOW


@pytest.mark.parametrize(
    ("start", "end"),
    [((8, 0), (9, 0)), ((8, 0), (8, 30)), ((20, 0), (21, 30)), ((21, 0), (22, 0))],
    ids=["starts-before-opening", "ends-at-opening", "ends-after-closing", "starts-at-closing"],
)
def test_outside_opening_hours_is_refused(reading_room, volunteer, start, end):
    refused_with("not_open_then", reading_room, volunteer.user, on(THURSDAY, *start), on(THURSDAY, *end))


def test_exactly_the_opening_hours_are_bookable(tree, clock, volunteer):
    venue = make_venue(tree["S1"], max_booking_minutes=750)
    booking = book(venue, volunteer.user, on(THURSDAY, 8, 30), on(THURSDAY, 21))
    assert booking.pk


def test_a_closed_weekday_is_refused_and_an_open_one_taken(tree, clock, volunteer):
    weekdays_only = make_venue(tree["S1"], open_weekdays="12345")
    refused_with("not_open_then", weekdays_only, volunteer.user, on(SATURDAY, 10), on(SATURDAY, 11))
    assert book(weekdays_only, volunteer.user, on(THURSDAY, 10), on(THURSDAY, 11)).pk


def test_a_booking_crossing_midnight_is_refused(tree, clock, volunteer):
    late = make_venue(
        tree["S1"], opens_at=datetime.time(0, 0), closes_at=datetime.time(23, 59), max_booking_minutes=1440
    )
    friday = THURSDAY + datetime.timedelta(days=1)
    refused_with("not_open_then", late, volunteer.user, on(THURSDAY, 22), on(friday, 1))


def test_further_ahead_than_the_venue_allows_is_refused(tree, clock, volunteer):
    venue = make_venue(tree["S1"], advance_days=7)
    last = NOW + datetime.timedelta(days=7)
    assert book(venue, volunteer.user, last, last + datetime.timedelta(hours=1)).pk
    later = last + datetime.timedelta(days=1)
    refused_with("too_far_ahead", venue, volunteer.user, later, later + datetime.timedelta(hours=1))


def test_longer_than_the_venue_allows_is_refused(reading_room, volunteer):
    refused_with("too_long", reading_room, volunteer.user, on(THURSDAY, 10), on(THURSDAY, 14, 1))
    assert book(reading_room, volunteer.user, on(THURSDAY, 10), on(THURSDAY, 14)).pk


def test_more_people_than_the_venue_holds_are_refused(reading_room, volunteer):
    refused_with("over_capacity", reading_room, volunteer.user, on(THURSDAY, 10), on(THURSDAY, 11), attendees=31)
    refused_with("over_capacity", reading_room, volunteer.user, on(THURSDAY, 10), on(THURSDAY, 11), attendees=10**9)
    assert book(reading_room, volunteer.user, on(THURSDAY, 10), on(THURSDAY, 11), attendees=30).pk


@pytest.mark.parametrize(
    ("starts_at", "ends_at"),
    [(NOW - datetime.timedelta(hours=1), NOW + datetime.timedelta(hours=1)), (NOW, NOW + datetime.timedelta(hours=1))],
    ids=["begun", "starting-now"],
)
def test_a_booking_in_the_past_is_refused(reading_room, volunteer, starts_at, ends_at):
    refused_with("in_the_past", reading_room, volunteer.user, starts_at, ends_at)


def test_a_booking_ending_before_it_starts_is_refused(reading_room, volunteer):
    refused_with("ends_before_start", reading_room, volunteer.user, on(THURSDAY, 12), on(THURSDAY, 10))


def test_a_closed_venue_takes_no_bookings(tree, clock, volunteer):
    venue = make_venue(tree["S1"], is_active=False)
    refused_with("venue_closed", venue, volunteer.user, on(THURSDAY, 10), on(THURSDAY, 11))


def test_the_monthly_limit_per_person_counts_holding_bookings_of_that_month(tree, clock, volunteer, other_volunteer):
    venue = make_venue(tree["S1"], bookings_per_month=2, advance_days=60)
    book(venue, volunteer.user, on(THURSDAY, 10), on(THURSDAY, 11))
    book(venue, volunteer.user, on(THURSDAY, 12), on(THURSDAY, 13))
    refused_with("monthly_limit", venue, volunteer.user, on(THURSDAY, 14), on(THURSDAY, 15))
    # Someone else still may; and the same person in January.
    assert book(venue, other_volunteer.user, on(THURSDAY, 14), on(THURSDAY, 15)).pk
    january = datetime.date(2027, 1, 1)
    assert book(venue, volunteer.user, on(january, 10), on(january, 11)).pk


def test_a_refused_or_cancelled_booking_does_not_count_against_the_month(tree, clock, volunteer):
    venue = make_venue(tree["S1"], bookings_per_month=1)
    make_booking(venue, volunteer.user, starts_at=on(THURSDAY, 10), status=BookingStatus.REFUSED)
    make_booking(venue, volunteer.user, starts_at=on(THURSDAY, 13), status=BookingStatus.CANCELLED)
    assert book(venue, volunteer.user, on(THURSDAY, 16), on(THURSDAY, 17)).pk


def test_the_monthly_limit_per_team_counts_every_members_bookings_for_the_team(tree, clock, volunteer):
    venue = make_venue(tree["S1"], bookings_per_month=1)
    second = make_volunteer(tree["S1"], "钱七")
    team = Team.objects.create(name="东门读书队", unit=tree["S1"], leader=volunteer)
    team.members.add(second)
    book(venue, volunteer.user, on(THURSDAY, 10), on(THURSDAY, 11), team=team)
    refused_with("monthly_limit", venue, second.user, on(THURSDAY, 12), on(THURSDAY, 13), team=team)
    # The team's booking is not the member's own: each may still book for themselves.
    assert book(venue, second.user, on(THURSDAY, 12), on(THURSDAY, 13)).pk
    assert book(venue, volunteer.user, on(THURSDAY, 14), on(THURSDAY, 15)).pk


@pytest.mark.parametrize("status", [BookingStatus.PENDING, BookingStatus.APPROVED])
@pytest.mark.parametrize(
    ("start", "end"),
    [((10, 0), (12, 0)), ((9, 0), (10, 30)), ((11, 30), (13, 0)), ((10, 30), (11, 0)), ((9, 0), (13, 0))],
    ids=["same", "overlaps-start", "overlaps-end", "inside", "around"],
)
def test_an_overlap_with_a_holding_booking_is_refused(reading_room, volunteer, other_volunteer, status, start, end):
    make_booking(reading_room, other_volunteer.user, starts_at=on(THURSDAY, 10), status=status)
    refused_with("overlaps", reading_room, volunteer.user, on(THURSDAY, *start), on(THURSDAY, *end))


def test_back_to_back_bookings_do_not_overlap(reading_room, volunteer, other_volunteer):
    make_booking(reading_room, other_volunteer.user, starts_at=on(THURSDAY, 10))
    assert book(reading_room, volunteer.user, on(THURSDAY, 12), on(THURSDAY, 13)).pk
    assert book(reading_room, volunteer.user, on(THURSDAY, 9), on(THURSDAY, 10)).pk


def test_another_venue_of_the_same_unit_is_free_then(reading_room, tree, volunteer, other_volunteer):
    make_booking(reading_room, other_volunteer.user, starts_at=on(THURSDAY, 10))
    hall = make_venue(tree["S1"], name="多功能厅", kind="hall")
    assert book(hall, volunteer.user, on(THURSDAY, 10), on(THURSDAY, 12)).pk


@pytest.mark.parametrize("status", [BookingStatus.REFUSED, BookingStatus.CANCELLED])
def test_a_refused_or_cancelled_booking_frees_the_slot(reading_room, volunteer, other_volunteer, status):
    make_booking(reading_room, other_volunteer.user, starts_at=on(THURSDAY, 10), status=status)
    assert book(reading_room, volunteer.user, on(THURSDAY, 10), on(THURSDAY, 12)).status == BookingStatus.PENDING


def test_the_check_runs_under_the_write_lock_two_bookings_in_turn_the_second_refused(reading_room, volunteer):
    other = make_volunteer(reading_room.unit, "孙八")
    book(reading_room, volunteer.user, on(THURSDAY, 10), on(THURSDAY, 12))
    refused_with("overlaps", reading_room, other.user, on(THURSDAY, 11), on(THURSDAY, 13))
    assert Booking.objects.filter(venue=reading_room).holding().count() == 1
