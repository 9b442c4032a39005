"""Calendar feeds: a volunteer's and a unit's secret .ics URLs, and one public event's download.

The clock is frozen at 08:00 on DAY (2026-12-05, Shanghai) by the ``clock`` fixture.
"""

import datetime

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext

from events.models import EventStatus
from events.services import cancel_event, cancel_signup, sign_up
from notifications import calendars
from notifications.models import CalendarFeed
from tests.conftest import client_for, make_volunteer
from tests.events.conftest import DAY, SHANGHAI, at, make_event
from volunteers.models import Team

pytestmark = pytest.mark.usefixtures("clock")


def feed_path(feed: CalendarFeed) -> str:
    return f"/calendar/{feed.token}.ics"


def entries(response) -> list:
    assert response.status_code == 200, response.content[:200]
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    return [component for component in calendar.walk("VEVENT")]


def titles(response) -> set[str]:
    return {str(entry["SUMMARY"]) for entry in entries(response)}


@pytest.fixture
def my_feed(volunteer):
    return calendars.feed_of_user(volunteer.user)


def test_the_feed_holds_exactly_the_volunteers_confirmed_and_waitlisted_events(
    client, tree, volunteer, other_volunteer, my_feed
):
    mine = make_event(tree["S1"], title="清洁")
    full = make_event(tree["S1"], title="满员", capacity=1)
    given_back = make_event(tree["S1"], title="退出")
    not_mine = make_event(tree["S1"], title="别人的")
    sign_up(mine, volunteer, at=at(8))
    sign_up(full, other_volunteer, at=at(8))
    sign_up(full, volunteer, at=at(8))
    sign_up(given_back, volunteer, at=at(8))
    cancel_signup(given_back, volunteer, at=at(8))
    sign_up(not_mine, other_volunteer, at=at(8))

    found = {str(entry["SUMMARY"]): entry for entry in entries(client.get(feed_path(my_feed)))}

    waitlisted = gettext("Waitlisted: %(title)s") % {"title": "满员"}
    assert set(found) == {"清洁", waitlisted}
    assert str(found["清洁"]["STATUS"]) == "CONFIRMED"
    assert str(found[waitlisted]["STATUS"]) == "TENTATIVE"


def test_times_are_shanghai_local_time_and_the_uid_is_stable(client, tree, volunteer, my_feed, settings):
    settings.SITE_URL = "https://zhiyuan.example.cn"
    event = make_event(tree["S1"])
    sign_up(event, volunteer, at=at(8))

    [entry] = entries(client.get(feed_path(my_feed)))
    again = entries(client.get(feed_path(my_feed)))[0]

    start, end = entry.decoded("DTSTART"), entry.decoded("DTEND")
    assert start == at(9) and end == at(11)
    assert (start.astimezone(SHANGHAI).hour, start.astimezone(SHANGHAI).date()) == (9, DAY)
    assert entry["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert str(entry["UID"]) == f"event-{event.pk}@zhiyuan.example.cn" == str(again["UID"])
    assert str(entry["LOCATION"]) == event.address
    assert f"https://zhiyuan.example.cn/events/{event.pk}/" in str(entry["DESCRIPTION"])
    assert entry.decoded("LAST-MODIFIED") == event.updated_at


def test_moving_an_event_raises_its_sequence(client, tree, volunteer, my_feed, clock):
    event = make_event(tree["S1"])
    sign_up(event, volunteer, at=at(8))
    before = int(entries(client.get(feed_path(my_feed)))[0]["SEQUENCE"])
    clock.shift(datetime.timedelta(minutes=5))
    event.starts_at, event.ends_at = at(14), at(16)
    event.save()

    [entry] = entries(client.get(feed_path(my_feed)))

    assert int(entry["SEQUENCE"]) > before
    assert entry.decoded("DTSTART") == at(14)


def test_a_cancelled_event_stays_in_the_feed_marked_cancelled(client, tree, volunteer, my_feed):
    event = make_event(tree["S1"])
    sign_up(event, volunteer, at=at(8))
    cancel_event(event)

    [entry] = entries(client.get(feed_path(my_feed)))

    assert str(entry["STATUS"]) == "CANCELLED"


def test_the_feed_keeps_the_last_thirty_days_only(client, tree, volunteer, my_feed):
    old, recent = make_event(tree["S1"], title="很久以前"), make_event(tree["S1"], title="上周")
    for event, days in ((old, 40), (recent, 7)):
        sign_up(event, volunteer, at=at(8))
        # Moved into the past after the sign-up, as if the volunteer had signed up back then.
        event.starts_at, event.ends_at = at(9) - datetime.timedelta(days=days), at(11) - datetime.timedelta(days=days)
        event.save()

    assert titles(client.get(feed_path(my_feed))) == {"上周"}


def test_an_unknown_secret_is_404(client, db):
    assert client.get("/calendar/not-a-secret.ics").status_code == 404


def test_a_reset_link_answers_404_at_the_old_url(client, volunteer, my_feed):
    old_path = feed_path(my_feed)
    api = client_for(volunteer.user)

    response = api.post("/api/v1/me/calendar-feed/reset/")

    assert response.status_code == 200
    new_url = response.json()["url"]
    assert new_url.endswith(".ics") and my_feed.token not in new_url
    assert client.get(old_path).status_code == 404
    assert client.get(new_url.removeprefix("http://127.0.0.1:8000")).status_code == 200


def test_the_api_makes_the_feed_on_first_use_and_keeps_it(volunteer, settings):
    settings.SITE_URL = "https://zhiyuan.example.cn"
    api = client_for(volunteer.user)

    first = api.get("/api/v1/me/calendar-feed/")
    second = api.get("/api/v1/me/calendar-feed/")

    assert first.status_code == 200 and first.json()["url"] == second.json()["url"]
    feed = CalendarFeed.objects.get(user=volunteer.user)
    assert first.json()["url"] == f"https://zhiyuan.example.cn/calendar/{feed.token}.ics"
    assert "no-store" in first["Cache-Control"]
    assert len(feed.token) >= 32


def test_the_secret_is_not_guessable(volunteer, other_volunteer):
    tokens = {calendars.feed_of_user(person.user).token for person in (volunteer, other_volunteer)}
    assert len(tokens) == 2 and all(len(token) >= 32 for token in tokens)


def test_a_feed_is_private_and_briefly_cached(client, my_feed):
    response = client.get(feed_path(my_feed))

    assert "private" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
    assert response["X-Robots-Tag"].startswith("noindex")


def test_the_unit_feed_shows_the_subtrees_public_events_only(client, tree, station_manager):
    for code in ("I1", "S1", "S2", "S3", "S4"):
        make_event(tree[code], title=f"{code} 活动")
    make_event(tree["S1"], title="草稿", status=EventStatus.DRAFT)
    team = Team.objects.create(name="东门队", unit=tree["S1"])
    make_event(tree["S1"], title="上门服务", team=team)
    feed = calendars.feed_of_unit(tree["I1"])

    assert titles(client.get(feed_path(feed))) == {"I1 活动", "S1 活动", "S2 活动"}


def test_managers_get_and_reset_the_feeds_of_their_units_only(tree, center_manager, other_station_manager, volunteer):
    url = f"/api/v1/units/{tree['S1'].pk}/calendar-feed/"
    manager = client_for(center_manager)

    first = manager.get(url)
    reset = manager.post(url + "reset/")

    assert first.status_code == 200 and reset.status_code == 200
    assert first.json()["url"] != reset.json()["url"]
    assert CalendarFeed.objects.get(unit=tree["S1"]).token in reset.json()["url"]
    for outsider in (other_station_manager, volunteer.user):
        assert client_for(outsider).get(url).status_code == 404
        assert client_for(outsider).post(url + "reset/").status_code == 404
    assert client_for(None).get(url).status_code == 401


def test_no_feed_names_other_people(client, tree, volunteer, other_volunteer, my_feed):
    event = make_event(tree["S1"], lead_name="领队周", recorder_name="记录员吴", signup_required=True)
    sign_up(event, volunteer, at=at(8))
    sign_up(event, other_volunteer, at=at(8))
    unit_feed = calendars.feed_of_unit(tree["S1"])
    other_feed = calendars.feed_of_user(other_volunteer.user)

    for feed in (my_feed, unit_feed, other_feed):
        text = client.get(feed_path(feed)).content.decode()
        for private in ("领队周", "记录员吴", volunteer.real_name, other_volunteer.real_name):
            assert private not in text
        for person in (volunteer, other_volunteer):
            assert person.user.phone not in text


def test_a_teams_own_event_shows_no_address_or_text(client, tree, volunteer, my_feed):
    team = Team.objects.create(name="东门队", unit=tree["S1"])
    team.members.add(volunteer)
    visit = make_event(tree["S1"], title="助老上门", team=team, address="幸福小区3号楼201", description="为陈*阿姨打扫")
    sign_up(visit, volunteer, at=at(8))

    [entry] = entries(client.get(feed_path(my_feed)))

    assert "LOCATION" not in entry
    assert "幸福小区" not in client.get(feed_path(my_feed)).content.decode()
    assert "陈" not in str(entry["DESCRIPTION"]) and f"/events/{visit.pk}/" in str(entry["DESCRIPTION"])


@pytest.mark.parametrize("kind", ["volunteer", "unit"])
def test_a_feed_takes_the_same_queries_for_five_events_or_fifty(client, tree, kind):
    person = make_volunteer(tree["S1"], "钱八")
    feed = calendars.feed_of_user(person.user) if kind == "volunteer" else calendars.feed_of_unit(tree["S1"])

    def queries_for(count: int) -> int:
        for _ in range(count):
            sign_up(make_event(tree["S1"]), person, at=at(8))
        with CaptureQueriesContext(connection) as captured:
            assert len(entries(client.get(feed_path(feed)))) == CalendarEventCount.seen(feed)
        return len(captured)

    assert queries_for(5) == queries_for(45)


class CalendarEventCount:
    @staticmethod
    def seen(feed: CalendarFeed) -> int:
        return len(calendars.events_of_feed(feed, now=at(8))[0])


def test_a_public_event_downloads_as_ics(client, tree):
    event = make_event(tree["S1"], title="义诊")

    response = client.get(f"/events/{event.pk}/calendar.ics")

    [entry] = entries(response)
    assert str(entry["SUMMARY"]) == "义诊" and entry.decoded("DTSTART") == at(9)
    assert "attachment" in response["Content-Disposition"]


def test_drafts_and_team_events_have_no_download(client, tree, station_manager):
    draft = make_event(tree["S1"], status=EventStatus.DRAFT)
    team = Team.objects.create(name="东门队", unit=tree["S1"])
    visit = make_event(tree["S1"], team=team)
    client.force_login(station_manager)

    for event in (draft, visit):
        assert client.get(f"/events/{event.pk}/calendar.ics").status_code == 404
    assert client.get("/events/999999/calendar.ics").status_code == 404
