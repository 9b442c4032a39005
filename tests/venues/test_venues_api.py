"""The venues API: a public list (anyone, also anonymous) with rules, hours and photos; a day's
availability with times only; managers add and change their subtree's venues.

The clock is frozen on Wednesday 2026-12-02, 09:00 Asia/Shanghai (tests/venues/conftest.py ``clock``).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import client_for
from tests.venues.clock import THURSDAY, on
from tests.venues.conftest import make_booking, make_venue
from venues.models import BookingStatus, Venue, VenuePhoto

pytestmark = pytest.mark.django_db

URL = "/api/v1/venues/"


@pytest.fixture
def venues(tree, clock):
    return {
        "S1": make_venue(tree["S1"], name="东门农家书屋", facilities="投影仪"),
        "S2": make_venue(tree["S2"], name="西门多功能厅", kind="hall"),
        "S4": make_venue(tree["S4"], name="远方球场", kind="court"),
        "closed": make_venue(tree["S1"], name="停用教室", kind="classroom", is_active=False),
    }


def names(client, query="") -> set[str]:
    response = client.get(URL + query)
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


def test_anyone_lists_the_venues_taking_bookings_with_rules_and_hours(venues, anon_client):
    assert names(anon_client) == {"东门农家书屋", "西门多功能厅", "远方球场"}
    row = next(r for r in anon_client.get(URL).json()["results"] if r["name"] == "东门农家书屋")
    assert row["opens_at"] == "08:30:00" and row["closes_at"] == "21:00:00"
    assert row["max_booking_minutes"] == 240 and row["bookings_per_month"] == 4 and row["photos"] == []


def test_a_manager_also_sees_their_subtrees_closed_venue(venues, station_manager, other_station_manager):
    assert "停用教室" in names(client_for(station_manager))
    assert "停用教室" not in names(client_for(other_station_manager))


def test_the_list_filters_by_unit_subtree_kind_and_search(venues, tree, anon_client):
    assert names(anon_client, f"?unit={tree['I1'].pk}") == {"东门农家书屋", "西门多功能厅"}
    assert names(anon_client, "?kind=court") == {"远方球场"}
    assert names(anon_client, "?q=投影") == {"东门农家书屋"}


@pytest.mark.parametrize("query", ["?unit=99999999999999999999999", "?unit=abc", "?kind=palace"])
def test_crafted_filters_are_a_400(venues, anon_client, query):
    assert anon_client.get(URL + query).status_code == 400


def test_the_list_costs_the_same_queries_for_more_venues_with_photos(venues, tree, anon_client):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert anon_client.get(URL).status_code == 200
        return len(queries)

    before = count()
    for n in range(5):
        venue = make_venue(tree["S3"], name=f"新阵地{n}")
        VenuePhoto.objects.create(venue=venue, image=f"venues/{venue.pk}/a.jpg")
    assert count() == before


def test_a_photo_is_listed_by_its_url(venues, anon_client):
    VenuePhoto.objects.create(venue=venues["S1"], image="venues/1/room.jpg", caption="阅览区")
    row = anon_client.get(f"{URL}{venues['S1'].pk}/").json()
    assert row["photos"][0]["image"].endswith("venues/1/room.jpg") and row["photos"][0]["caption"] == "阅览区"


# Availability ----------------------------------------------------------------------------


def test_availability_shows_holding_bookings_times_only(venues, anon_client, volunteer, other_volunteer):
    room = venues["S1"]
    make_booking(room, volunteer.user, starts_at=on(THURSDAY, 10), status=BookingStatus.PENDING)
    make_booking(room, other_volunteer.user, starts_at=on(THURSDAY, 14))
    make_booking(room, other_volunteer.user, starts_at=on(THURSDAY, 17), status=BookingStatus.REFUSED)
    response = anon_client.get(f"{URL}{room.pk}/availability/?date=2026-12-03")
    assert response.status_code == 200
    data = response.json()
    assert data["open"] is True and data["date"] == "2026-12-03"
    assert [(slot["starts_at"][11:16], slot["status"]) for slot in data["taken"]] == [
        ("10:00", "pending"),
        ("14:00", "approved"),
    ]
    assert set(data["taken"][0]) == {"starts_at", "ends_at", "status"}
    assert volunteer.user.name not in response.content.decode()


def test_availability_of_a_closed_weekday_says_closed(tree, clock, anon_client):
    venue = make_venue(tree["S1"], open_weekdays="12345")
    assert anon_client.get(f"{URL}{venue.pk}/availability/?date=2026-12-05").json()["open"] is False


@pytest.mark.parametrize("date", ["2026-02-30", "9999-12-31", "0001-01-01", "yesterday", "2026-12-03T10:00", "9" * 30])
def test_a_malformed_date_is_a_400(venues, anon_client, date):
    assert anon_client.get(f"{URL}{venues['S1'].pk}/availability/?date={date}").status_code == 400


def test_availability_of_a_closed_venue_is_not_found_for_the_public(venues, anon_client):
    assert anon_client.get(f"{URL}{venues['closed'].pk}/availability/").status_code == 404


# Managers write ---------------------------------------------------------------------------


def new_venue(unit, **fields):
    return {"unit": unit.pk, "name": "新书屋", "kind": "reading_room", "capacity": 20, **fields}


def test_a_station_manager_adds_a_venue_to_their_station(tree, station_manager):
    response = client_for(station_manager).post(URL, new_venue(tree["S1"], open_weekdays="531"), format="json")
    assert response.status_code == 201, response.content
    assert Venue.objects.get(name="新书屋").open_weekdays == "135"


def test_a_manager_cannot_add_a_venue_outside_their_subtree(tree, station_manager):
    response = client_for(station_manager).post(URL, new_venue(tree["S2"]), format="json")
    assert response.status_code == 400 and "unit" in response.json()


def test_a_volunteer_or_visitor_cannot_add_a_venue(tree, volunteer, anon_client):
    assert client_for(volunteer.user).post(URL, new_venue(tree["S1"]), format="json").status_code == 403
    assert anon_client.post(URL, new_venue(tree["S1"]), format="json").status_code == 401


@pytest.mark.parametrize(
    "changes",
    [
        {"capacity": 10**12},
        {"capacity": 0},
        {"open_weekdays": "89"},
        {"open_weekdays": ""},
        {"opens_at": "22:00", "closes_at": "08:00"},
        {"max_booking_minutes": 10**9},
        {"advance_days": 9999},
        {"opens_at": "25:00"},
    ],
)
def test_crafted_venue_values_are_a_400(tree, station_manager, changes):
    response = client_for(station_manager).post(URL, new_venue(tree["S1"], **changes), format="json")
    assert response.status_code == 400, response.content


def test_a_manager_changes_their_venue_and_another_gets_404(venues, station_manager, other_station_manager):
    room = venues["S1"]
    ours = client_for(station_manager).patch(f"{URL}{room.pk}/", {"capacity": 40}, format="json")
    assert ours.status_code == 200 and ours.json()["capacity"] == 40
    theirs = client_for(other_station_manager).patch(f"{URL}{room.pk}/", {"capacity": 1}, format="json")
    assert theirs.status_code == 404


def test_venues_are_not_deleted_through_the_api(venues, admin_user):
    assert client_for(admin_user).delete(f"{URL}{venues['S1'].pk}/").status_code == 405
