"""The venue-bookings API: booking as oneself or for one's team, who sees which bookings,
deciding and cancelling, and crafted input answered 400, never 500.

The clock is frozen on Wednesday 2026-12-02, 09:00 Asia/Shanghai (tests/venues/conftest.py ``clock``).
"""

import pytest

from tests.conftest import client_for, make_volunteer
from tests.venues.clock import THURSDAY, on
from tests.venues.conftest import make_booking, make_venue
from venues.models import Booking, BookingStatus
from volunteers.models import Team

pytestmark = pytest.mark.django_db

URL = "/api/v1/venue-bookings/"


def body(venue, start=10, end=12, **fields):
    return {
        "venue": venue.pk,
        "starts_at": on(THURSDAY, start).isoformat(),
        "ends_at": on(THURSDAY, end).isoformat(),
        "purpose": "读书会",
        "attendees": 12,
        **fields,
    }


def test_a_volunteer_books_and_sees_the_booking_waiting(reading_room, volunteer):
    response = client_for(volunteer.user).post(URL, body(reading_room), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "pending" and response.json()["venue_name"] == reading_room.name
    assert Booking.objects.get().booker == volunteer.user


def test_an_anonymous_visitor_cannot_book(reading_room, anon_client):
    assert anon_client.post(URL, body(reading_room), format="json").status_code == 401


def test_a_second_overlapping_booking_answers_409(reading_room, volunteer, other_volunteer):
    client_for(volunteer.user).post(URL, body(reading_room), format="json")
    response = client_for(other_volunteer.user).post(URL, body(reading_room, 11, 13), format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "overlaps" and response.json()["detail"]
    assert Booking.objects.count() == 1


def test_a_rule_broken_answers_400_with_its_code(reading_room, volunteer):
    response = client_for(volunteer.user).post(URL, body(reading_room, 7, 9), format="json")
    assert response.status_code == 400 and response.json()["code"] == "not_open_then"


def test_a_leader_or_member_books_for_their_team_an_outsider_cannot(tree, reading_room, volunteer, other_volunteer):
    team = Team.objects.create(name="东门读书队", unit=tree["S1"], leader=volunteer)
    member = make_volunteer(tree["S1"], "钱七")
    team.members.add(member)
    leader_says = client_for(volunteer.user).post(URL, body(reading_room, team=team.pk), format="json")
    assert leader_says.status_code == 201 and leader_says.json()["team_name"] == "东门读书队"
    member_says = client_for(member.user).post(URL, body(reading_room, 13, 14, team=team.pk), format="json")
    assert member_says.status_code == 201
    outsider = client_for(other_volunteer.user).post(URL, body(reading_room, 15, 16, team=team.pk), format="json")
    assert outsider.status_code == 400 and "team" in outsider.json()


@pytest.mark.parametrize(
    "changes",
    [
        {"attendees": 10**12},
        {"attendees": 0},
        {"attendees": -1},
        {"starts_at": "9999-12-31T10:00:00+08:00", "ends_at": "9999-12-31T11:00:00+08:00"},
        {"starts_at": "0001-01-01T00:00:00", "ends_at": "0001-01-01T01:00:00"},
        {"starts_at": "tomorrow"},
        {"starts_at": "2026-13-45T10:00"},
        {"venue": 10**25},
        {"venue": "abc"},
        {"team": 10**25},
        {"purpose": "x" * 101},
        {"purpose": ""},
        {"is_public": "maybe"},
    ],
)
def test_crafted_input_is_a_400_never_a_500(reading_room, volunteer, changes):
    response = client_for(volunteer.user).post(URL, {**body(reading_room), **changes}, format="json")
    assert response.status_code == 400, response.content
    assert not Booking.objects.exists()


def test_ends_before_start_is_a_field_message(reading_room, volunteer):
    response = client_for(volunteer.user).post(URL, body(reading_room, 12, 10), format="json")
    assert response.status_code == 400 and "ends_at" in response.json()


def test_a_year_9999_booking_is_too_far_ahead_not_a_crash(tree, clock, volunteer):
    venue = make_venue(tree["S1"], advance_days=366)
    response = client_for(volunteer.user).post(
        URL,
        {**body(venue), "starts_at": "2100-12-30T10:00:00+08:00", "ends_at": "2100-12-30T11:00:00+08:00"},
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "too_far_ahead"


# Who sees what ---------------------------------------------------------------------------


@pytest.fixture
def bookings(tree, reading_room, volunteer, other_volunteer, far_volunteer):
    far_room = make_venue(tree["S4"])
    return {
        "own": make_booking(reading_room, volunteer.user, starts_at=on(THURSDAY, 10), status=BookingStatus.PENDING),
        "neighbour": make_booking(reading_room, other_volunteer.user, starts_at=on(THURSDAY, 14)),
        "far": make_booking(far_room, far_volunteer.user, starts_at=on(THURSDAY, 10)),
    }


def listed(user, query="") -> set[int]:
    response = client_for(user).get(URL + query)
    assert response.status_code == 200
    return {row["id"] for row in response.json()["results"]}


def test_a_volunteer_lists_only_their_own_bookings(bookings, volunteer):
    assert listed(volunteer.user) == {bookings["own"].pk}


def test_a_manager_lists_their_subtrees_bookings(bookings, station_manager, center_manager, admin_user):
    s1 = {bookings["own"].pk, bookings["neighbour"].pk}
    assert listed(station_manager) == s1
    assert listed(center_manager) == s1
    assert listed(admin_user) == s1 | {bookings["far"].pk}


def test_the_list_filters_by_status_venue_and_dates(bookings, station_manager, reading_room):
    assert listed(station_manager, "?status=pending") == {bookings["own"].pk}
    assert listed(station_manager, f"?venue={reading_room.pk}&date_from=2026-12-03&date_to=2026-12-03") == {
        bookings["own"].pk,
        bookings["neighbour"].pk,
    }
    assert listed(station_manager, "?date_from=2026-12-04") == set()


@pytest.mark.parametrize(
    "query", ["?date_from=9999-99-99", "?date_from=0001-01-01", "?date_to=20261203", "?venue=99999999999999999999999"]
)
def test_crafted_filters_are_a_400(bookings, station_manager, query):
    assert client_for(station_manager).get(URL + query).status_code == 400


def test_a_manager_of_another_subtree_gets_404_for_a_booking(bookings, other_station_manager):
    booking = bookings["own"]
    client = client_for(other_station_manager)
    assert client.get(f"{URL}{booking.pk}/").status_code == 404
    assert client.post(f"{URL}{booking.pk}/approve/").status_code == 404
    assert client.post(f"{URL}{booking.pk}/refuse/", {"reason": "不行"}, format="json").status_code == 404
    assert client.post(f"{URL}{booking.pk}/cancel/").status_code == 404
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING


# Deciding and cancelling -----------------------------------------------------------------


def test_the_station_manager_approves(bookings, station_manager):
    response = client_for(station_manager).post(f"{URL}{bookings['own'].pk}/approve/")
    assert response.status_code == 200 and response.json()["status"] == "approved"


def test_refusing_needs_a_reason(bookings, station_manager):
    client = client_for(station_manager)
    assert client.post(f"{URL}{bookings['own'].pk}/refuse/", {"reason": ""}, format="json").status_code == 400
    assert client.post(f"{URL}{bookings['own'].pk}/refuse/", {"reason": "  "}, format="json").status_code == 400
    response = client.post(f"{URL}{bookings['own'].pk}/refuse/", {"reason": "当天消防检查"}, format="json")
    assert response.status_code == 200 and response.json()["refuse_reason"] == "当天消防检查"


def test_the_booker_cannot_approve_their_own_booking(bookings, volunteer):
    assert client_for(volunteer.user).post(f"{URL}{bookings['own'].pk}/approve/").status_code == 404


def test_an_approved_booking_cannot_be_approved_again(bookings, station_manager):
    response = client_for(station_manager).post(f"{URL}{bookings['neighbour'].pk}/approve/")
    assert response.status_code == 400 and response.json()["code"] == "not_pending"


def test_the_booker_cancels_and_the_slot_is_free(bookings, volunteer, other_volunteer, reading_room):
    response = client_for(volunteer.user).post(f"{URL}{bookings['own'].pk}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    again = client_for(other_volunteer.user).post(URL, body(reading_room), format="json")
    assert again.status_code == 201


def test_a_cancelled_booking_cannot_be_cancelled_again(bookings, volunteer):
    client = client_for(volunteer.user)
    client.post(f"{URL}{bookings['own'].pk}/cancel/")
    response = client.post(f"{URL}{bookings['own'].pk}/cancel/")
    assert response.status_code == 400 and response.json()["code"] == "not_cancellable"


def test_a_begun_booking_cannot_be_cancelled(bookings, volunteer, clock):
    clock.move_to(on(THURSDAY, 10, 30))
    response = client_for(volunteer.user).post(f"{URL}{bookings['own'].pk}/cancel/")
    assert response.status_code == 400 and response.json()["code"] == "not_cancellable"


def test_a_manager_cancels_a_booking_of_their_subtree(bookings, station_manager):
    response = client_for(station_manager).post(f"{URL}{bookings['neighbour'].pk}/cancel/")
    assert response.status_code == 200


def test_another_volunteer_cannot_see_or_cancel_my_booking(bookings, other_volunteer):
    client = client_for(other_volunteer.user)
    assert client.get(f"{URL}{bookings['own'].pk}/").status_code == 404
    assert client.post(f"{URL}{bookings['own'].pk}/cancel/").status_code == 404


def test_the_list_costs_the_same_queries_for_more_bookings(bookings, station_manager, reading_room, tree):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(station_manager)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    count()  # the manager's appointments are read once per user object, on the first request
    before = count()
    team = Team.objects.create(name="东门读书队", unit=tree["S1"])
    for hour in (16, 18, 20):
        make_booking(
            reading_room, make_volunteer(tree["S1"], f"新{hour}").user, starts_at=on(THURSDAY, hour), team=team
        )
    assert count() == before


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/venue-bookings/99999999999999999999999/",
        "/api/v1/venue-bookings/99999999999999999999999/cancel/",
        "/api/v1/venues/99999999999999999999999/",
        "/api/v1/venues/99999999999999999999999/availability/",
    ],
)
def test_huge_ids_are_not_found_never_a_500(bookings, admin_user, url):
    client = client_for(admin_user)
    response = client.post(url) if url.endswith("cancel/") else client.get(url)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "url", ["/venues/99999999999999999999999/", "/venues/bookings/99999999999999999999999/cancel/"]
)
def test_huge_ids_on_the_pages_are_not_found(bookings, client, volunteer, url):
    client.force_login(volunteer.user)
    response = client.post(url) if url.endswith("cancel/") else client.get(url)
    assert response.status_code == 404
