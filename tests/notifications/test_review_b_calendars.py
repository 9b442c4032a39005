"""Review b: feeds stay bounded (a year ahead, a fixed number of entries, the soonest kept), titles cannot
inject iCalendar lines, and a reset really revokes the old URL.

The clock is frozen at 08:00 on DAY (2026-12-05, Shanghai) by the ``clock`` fixture (tests/events/conftest.py).
"""

import datetime

import icalendar
import pytest

from events.services import sign_up
from notifications import calendars
from tests.conftest import client_for
from tests.events.conftest import at, make_event

pytestmark = pytest.mark.usefixtures("clock")


def summaries(response) -> list[str]:
    assert response.status_code == 200
    return [str(entry["SUMMARY"]) for entry in icalendar.Calendar.from_ical(response.content).walk("VEVENT")]


def later(days: int) -> dict:
    return {"starts_at": at(9) + datetime.timedelta(days=days), "ends_at": at(11) + datetime.timedelta(days=days)}


@pytest.mark.parametrize("kind", ["volunteer", "unit"])
def test_a_feed_holds_a_year_ahead_and_at_most_so_many_entries_the_soonest_first(
    client, tree, volunteer, monkeypatch, kind
):
    monkeypatch.setattr(calendars, "FEED_MAX_EVENTS", 3)
    for days in (4, 1, 3, 2, 400):
        event = make_event(tree["S1"], title=f"第{days}天", **later(days))
        sign_up(event, volunteer, at=at(8))
    feed = calendars.feed_of_user(volunteer.user) if kind == "volunteer" else calendars.feed_of_unit(tree["S1"])

    assert summaries(client.get(f"/calendar/{feed.token}.ics")) == ["第1天", "第2天", "第3天"]


def test_titles_and_addresses_cannot_inject_calendar_lines(client, tree):
    event = make_event(tree["S1"], title="义诊\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:假;活动,", address="a;b\nc")
    body = client.get(f"/events/{event.pk}/calendar.ics").content.decode()

    assert body.count("\r\nBEGIN:VEVENT\r\n") == 1 and "\nSUMMARY:假" not in body
    assert summaries(client.get(f"/events/{event.pk}/calendar.ics")) == [event.title.replace("\r\n", "\n")]


def test_a_reset_revokes_the_old_url_at_once(client, volunteer):
    api = client_for(volunteer.user)
    old = api.get("/api/v1/me/calendar-feed/").json()["url"].rsplit("/", 1)[1]
    assert client.get(f"/calendar/{old}").status_code == 200
    new = api.post("/api/v1/me/calendar-feed/reset/").json()["url"].rsplit("/", 1)[1]

    assert new != old
    assert client.get(f"/calendar/{old}").status_code == 404
    assert client.get(f"/calendar/{new}").status_code == 200


@pytest.mark.parametrize("token", ["x" * 5000, "%00", "..%2F..%2Fetc", "' OR 1=1 --"])
def test_any_guessed_token_is_refused(client, db, token):
    assert client.get(f"/calendar/{token}.ics").status_code in (400, 404)


def test_a_deactivated_or_closed_accounts_feed_answers_404_and_unit_feeds_still_answer(client, tree, volunteer):
    from accounts.services import deactivate_user

    mine = calendars.feed_of_user(volunteer.user)
    unit = calendars.feed_of_unit(tree["S1"])
    assert client.get(f"/calendar/{mine.token}.ics").status_code == 200
    deactivate_user(volunteer.user)

    assert client.get(f"/calendar/{mine.token}.ics").status_code == 404
    assert client.get(f"/calendar/{unit.token}.ics").status_code == 200
