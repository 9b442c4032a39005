"""The venue pages on a phone: the public list and a venue's page, booking, my bookings with
cancel, and the manager's page of bookings to approve or refuse.

The clock is frozen on Wednesday 2026-12-02, 09:00 Asia/Shanghai (tests/venues/conftest.py ``clock``).
"""

import pytest

from tests.conftest import make_volunteer
from tests.venues.clock import THURSDAY, on
from tests.venues.conftest import make_booking, make_venue
from venues.models import Booking, BookingStatus
from volunteers.models import Team

pytestmark = pytest.mark.django_db


def booking_form(start="10:00", end="12:00", **fields):
    return {"day": "2026-12-03", "start": start, "end": end, "purpose": "亲子读书会", "attendees": 12, **fields}


def test_anyone_sees_the_venue_list_and_a_venues_page_with_its_rules(reading_room, tree, client):
    make_venue(tree["S4"], name="远方球场", kind="court")
    listing = client.get("/venues/")
    assert listing.status_code == 200 and reading_room.name in listing.content.decode()
    only_i1 = client.get(f"/venues/?unit={tree['I1'].pk}").content.decode()
    assert reading_room.name in only_i1 and "远方球场" not in only_i1
    page = client.get(f"/venues/{reading_room.pk}/").content.decode()
    assert "08:30–21:00" in page and 'id="booking-form"' not in page and 'id="slots"' in page


def test_a_closed_venue_is_not_found_for_the_public(tree, clock, client):
    venue = make_venue(tree["S1"], is_active=False)
    assert client.get(f"/venues/{venue.pk}/").status_code == 404


def test_the_day_shows_taken_times_but_never_who_booked(reading_room, client, volunteer):
    make_booking(reading_room, volunteer.user, starts_at=on(THURSDAY, 10))
    page = client.get(f"/venues/{reading_room.pk}/?date=2026-12-03").content.decode()
    assert page.count('class="slot taken"') == 4
    assert volunteer.user.name not in page and volunteer.real_name not in page


@pytest.mark.parametrize("date", ["9999-12-31", "2026-02-30", "abc", "9" * 40])
def test_a_crafted_day_shows_today_not_an_error(reading_room, client, date):
    assert client.get(f"/venues/{reading_room.pk}/?date={date}").status_code == 200


@pytest.mark.parametrize("url", ["/venues/?unit=99999999999999999999999&kind=x&page=abc", "/venues/999999999999999/"])
def test_crafted_addresses_are_never_a_500(reading_room, client, url):
    assert client.get(url).status_code in (200, 404)


def test_a_volunteer_books_on_the_phone_and_finds_it_in_my_bookings(reading_room, client, volunteer):
    client.force_login(volunteer.user)
    response = client.post(f"/venues/{reading_room.pk}/", booking_form())
    assert response.status_code == 302 and response.url == "/venues/my-bookings/"
    booking = Booking.objects.get()
    assert (booking.starts_at, booking.ends_at, booking.status) == (
        on(THURSDAY, 10),
        on(THURSDAY, 12),
        BookingStatus.PENDING,
    )
    mine = client.get("/venues/my-bookings/").content.decode()
    assert f'id="booking-{booking.pk}"' in mine and f'id="cancel-{booking.pk}"' in mine


def test_a_second_overlapping_booking_on_the_page_is_refused_with_the_reason(reading_room, client, volunteer):
    make_booking(reading_room, make_volunteer(reading_room.unit, "孙八").user, starts_at=on(THURSDAY, 11))
    client.force_login(volunteer.user)
    response = client.post(f"/venues/{reading_room.pk}/", booking_form())
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert Booking.objects.count() == 1


@pytest.mark.parametrize(
    "changes",
    [{"attendees": "9" * 30}, {"day": "9999-12-31"}, {"start": "25:00"}, {"purpose": ""}, {"end": "00:00"}],
)
def test_crafted_booking_forms_are_shown_again_never_a_500(reading_room, client, volunteer, changes):
    client.force_login(volunteer.user)
    response = client.post(f"/venues/{reading_room.pk}/", booking_form(**changes))
    assert response.status_code == 200 and not Booking.objects.exists()


@pytest.mark.parametrize("team", ["9" * 30, "abc", "theirs"])
def test_only_a_team_of_ones_own_can_be_booked_for(reading_room, tree, client, volunteer, team):
    Team.objects.create(name="东门读书队", unit=tree["S1"], leader=volunteer)
    theirs = Team.objects.create(name="西门队", unit=tree["S2"])
    client.force_login(volunteer.user)
    response = client.post(f"/venues/{reading_room.pk}/", booking_form(team=theirs.pk if team == "theirs" else team))
    assert response.status_code == 200 and not Booking.objects.exists()


def test_a_leader_books_for_the_team_on_the_page(reading_room, tree, client, volunteer):
    team = Team.objects.create(name="东门读书队", unit=tree["S1"], leader=volunteer)
    client.force_login(volunteer.user)
    assert "东门读书队" in client.get(f"/venues/{reading_room.pk}/").content.decode()
    assert client.post(f"/venues/{reading_room.pk}/", booking_form(team=team.pk)).status_code == 302
    assert Booking.objects.get().team == team


def test_an_anonymous_post_goes_to_the_login(reading_room, client):
    response = client.post(f"/venues/{reading_room.pk}/", booking_form())
    assert response.status_code == 302 and response.url.startswith("/login/")
    assert not Booking.objects.exists()


def test_the_booker_cancels_on_my_bookings(reading_room, client, volunteer):
    booking = make_booking(reading_room, volunteer.user, starts_at=on(THURSDAY, 10), status=BookingStatus.PENDING)
    client.force_login(volunteer.user)
    response = client.post(f"/venues/bookings/{booking.pk}/cancel/")
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_someone_else_cannot_cancel_my_booking(reading_room, client, volunteer, other_volunteer):
    booking = make_booking(reading_room, volunteer.user, starts_at=on(THURSDAY, 10))
    client.force_login(other_volunteer.user)
    assert client.post(f"/venues/bookings/{booking.pk}/cancel/").status_code == 404
    booking.refresh_from_db()
    assert booking.status == BookingStatus.APPROVED


def test_the_manager_sees_pending_bookings_and_approves_one_refuses_another(
    reading_room, client, volunteer, station_manager
):
    first = make_booking(reading_room, volunteer.user, starts_at=on(THURSDAY, 10), status=BookingStatus.PENDING)
    second = make_booking(reading_room, volunteer.user, starts_at=on(THURSDAY, 14), status=BookingStatus.PENDING)
    client.force_login(station_manager)
    page = client.get("/venues/bookings/").content.decode()
    assert f'id="approve-{first.pk}"' in page and f'id="refuse-{second.pk}"' in page
    client.post(f"/venues/bookings/{first.pk}/approve/")
    client.post(f"/venues/bookings/{second.pk}/refuse/", {"reason": ""})
    second.refresh_from_db()
    assert second.status == BookingStatus.PENDING  # a refusal needs its reason
    client.post(f"/venues/bookings/{second.pk}/refuse/", {"reason": "当天消防检查"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status, second.refuse_reason) == (
        BookingStatus.APPROVED,
        BookingStatus.REFUSED,
        "当天消防检查",
    )
    assert 'id="none-pending"' in client.get("/venues/bookings/").content.decode()


def test_a_manager_of_another_station_neither_sees_nor_decides(reading_room, client, volunteer, other_station_manager):
    booking = make_booking(reading_room, volunteer.user, starts_at=on(THURSDAY, 10), status=BookingStatus.PENDING)
    client.force_login(other_station_manager)
    assert f'id="booking-{booking.pk}"' not in client.get("/venues/bookings/").content.decode()
    assert client.post(f"/venues/bookings/{booking.pk}/approve/").status_code == 404
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING


def test_a_volunteer_has_no_manager_page(client, volunteer):
    client.force_login(volunteer.user)
    assert client.get("/venues/bookings/").status_code == 404
    assert client.post("/venues/bookings/1/approve/").status_code == 404
