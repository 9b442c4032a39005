"""/calendar/<unit code>.ics: a unit subtree's public events and public approved bookings, a month back and
three months ahead, as a valid iCalendar file. The clock stands on 2026-03-04, 10:00 (conftest ``clock``).
"""

import icalendar
import pytest

from events import venue_booking
from notifications import calendars
from tests.activity_calendar.conftest import event_on, on
from venues.models import Booking
from volunteers.models import Team

pytestmark = pytest.mark.django_db


def entries(response) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(entry["summary"]): entry for entry in calendar.walk("VEVENT")}


def test_the_feed_holds_the_subtrees_public_events_and_open_bookings(client, tree, march):
    response = client.get("/calendar/C.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "public" in response["Cache-Control"]
    found = entries(response)
    assert {"学雷锋清洁行动", "植树护绿", "理论宣讲进社区", "四月活动", "亲子读书会"} <= set(found)
    assert not {"草稿活动", "别的中心的活动", "私人会议", "待批读书会"} & set(found)
    # A cancelled event stays, marked, so subscribed calendars strike it out.
    assert str(found["取消的活动"]["status"]) == "CANCELLED"
    reading = found["亲子读书会"]
    assert "东门农家书屋" in str(reading["location"])
    assert reading.decoded("dtstart") == on(3, 10, 14)
    assert str(reading["uid"]).startswith(f"booking-{march['reading'].pk}@")


def test_the_feed_names_no_booker(client, tree, march, booker):
    body = client.get("/calendar/S1.ics").content.decode()
    assert "亲子读书会" in body
    assert booker.name not in body and booker.phone not in body


def test_a_station_feed_holds_only_its_subtree(client, tree, march):
    found = entries(client.get("/calendar/S1.ics"))
    assert "学雷锋清洁行动" in found and "亲子读书会" in found
    assert "植树护绿" not in found and "理论宣讲进社区" not in found


def test_the_feed_spans_a_month_back_and_three_months_ahead(client, tree, clock):
    for title, start in (
        ("太早", on(1, 25)),
        ("上月", on(2, 10)),
        ("五月底", on(5, 30)),
        ("太远", on(6, 10)),
    ):
        event_on(tree["S1"], start, title=title)
    found = entries(client.get("/calendar/C.ics"))
    assert "上月" in found and "五月底" in found
    assert "太早" not in found and "太远" not in found


def test_a_teams_own_event_is_not_in_the_feed(client, tree, clock):
    team = Team.objects.create(name="东门队", unit=tree["S1"])
    event_on(tree["S1"], on(3, 16), title="入户探访", team=team)
    assert "入户探访" not in client.get("/calendar/C.ics").content.decode()


def test_an_unknown_or_inactive_unit_has_no_feed(client, tree):
    assert client.get("/calendar/NOPE.ics").status_code == 404
    tree["S3"].is_active = False
    tree["S3"].save(update_fields=["is_active"])
    assert client.get("/calendar/S3.ics").status_code == 404


def test_a_secret_feed_still_answers_at_the_same_address(client, tree, march):
    feed = calendars.feed_of_unit(tree["S1"])
    response = client.get(f"/calendar/{feed.token}.ics")
    assert response.status_code == 200 and "private" in response["Cache-Control"]
    # The secret unit feed has no bookings: it is the notifications issue's, unchanged.
    assert "学雷锋清洁行动" in entries(response) and "亲子读书会" not in entries(response)


def test_the_feed_takes_two_queries_and_the_unit(client, tree, march, django_assert_max_num_queries):
    # The secret lookup, the unit, the events, the bookings.
    with django_assert_max_num_queries(4):
        assert client.get("/calendar/C.ics").status_code == 200


def test_a_deactivated_unit_s_secret_feed_answers_404_like_its_public_one(client, tree, march):
    feed = calendars.feed_of_unit(tree["S1"])
    assert client.get(f"/calendar/{feed.token}.ics").status_code == 200
    tree["S1"].is_active = False
    tree["S1"].save(update_fields=["is_active"])
    assert client.get(f"/calendar/{feed.token}.ics").status_code == 404


def test_a_team_s_own_event_at_a_venue_is_not_in_the_feed_by_its_booking_either(
    client, tree, clock, reading_room, station_manager
):
    team = Team.objects.create(name="东门队", unit=tree["S1"])
    visit = event_on(
        tree["S1"], on(3, 16), title="入户探访张大爷", team=team, venue=reading_room, created_by=station_manager
    )
    lecture = event_on(tree["S1"], on(3, 17), title="公开讲座", venue=reading_room, created_by=station_manager)
    for event in (visit, lecture):
        venue_booking.sync_booking(event, by=station_manager)
    assert Booking.objects.filter(venue=reading_room, is_public=True).count() == 2

    calendar = icalendar.Calendar.from_ical(client.get("/calendar/S1.ics").content)
    summaries = [str(entry["summary"]) for entry in calendar.walk("VEVENT")]

    assert "入户探访张大爷" not in summaries
    assert summaries.count("公开讲座") == 1  # the event itself, not again as its booking
