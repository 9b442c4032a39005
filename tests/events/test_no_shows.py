"""No-shows: marked when the event ends, cleared by a later record, counted in rates, never in hours.

The clock starts at 08:00 on DAY (2026-12-05, Shanghai) by the ``clock`` fixture; the event runs 09:00-11:00.
"""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.models import EventStatus, Method, Signup
from events.no_shows import CATCH_UP_DAYS, absence_rates, mark_no_shows
from events.services import approve_record, cancel_event, cancel_signup, create_manual_record, record_scan, sign_up
from tests.conftest import client_for, make_volunteer
from tests.events.conftest import at, make_event
from volunteers.models import Volunteer


@pytest.fixture
def ended(clock):
    """Move the clock past the event's end."""

    def move(hour: int = 12) -> None:
        clock.move_to(at(hour))

    return move


def absent(event, volunteer) -> bool:
    return Signup.objects.get(event=event, volunteer=volunteer).absent


def test_a_confirmed_volunteer_without_a_record_is_absent_once_the_event_ended(event, signed_up, ended):
    assert mark_no_shows().marked == 0
    assert not absent(event, signed_up)

    ended()
    run = mark_no_shows()

    assert run.marked == 1 and absent(event, signed_up)


def test_marking_twice_changes_nothing_more(event, signed_up, ended):
    ended()
    mark_no_shows()

    again = mark_no_shows()

    assert (again.marked, again.cleared) == (0, 0)
    assert absent(event, signed_up)


def test_a_place_given_back_before_the_start_is_no_absence(event, signed_up, ended, clock):
    cancel_signup(event, signed_up, at=at(8, 30))
    ended()

    assert mark_no_shows().marked == 0
    assert not absent(event, signed_up)


def test_a_checked_in_volunteer_and_a_walk_in_are_not_absent(event, signed_up, other_volunteer, ended, clock):
    clock.move_to(at(9))
    record_scan(signed_up, event, "in", method=Method.EVENT_QR, at=at(9))
    record_scan(other_volunteer, event, "in", method=Method.EVENT_QR, at=at(9))
    ended()

    assert mark_no_shows().marked == 0
    assert not absent(event, signed_up)
    assert not Signup.objects.filter(absent=True).exists()


def test_a_record_entered_later_clears_the_absence(event, signed_up, station_manager, ended):
    ended()
    mark_no_shows()
    create_manual_record(
        event, signed_up, checked_in_at=at(9), checked_out_at=at(11), reason="忘记扫码", by=station_manager
    )

    run = mark_no_shows()

    assert run.cleared == 1 and not absent(event, signed_up)


def test_a_cancelled_event_marks_nobody(event, signed_up, ended):
    cancel_event(event)
    ended()

    assert mark_no_shows().marked == 0


def test_a_job_down_for_days_catches_up_within_the_window(event, signed_up, clock):
    clock.move_to(at(12) + datetime.timedelta(days=CATCH_UP_DAYS - 1))

    assert mark_no_shows().marked == 1


def test_events_older_than_the_window_are_left_alone(event, signed_up, clock):
    clock.move_to(at(12) + datetime.timedelta(days=CATCH_UP_DAYS + 1))

    assert mark_no_shows().marked == 0


def test_an_absence_changes_no_hours(tree, volunteer, station_manager, center_manager, clock, ended):
    served = make_event(tree["S1"], title="上午", signup_required=True)
    missed = make_event(tree["S1"], title="也在上午", signup_required=True)
    sign_up(served, volunteer, at=at(8))
    sign_up(missed, volunteer, at=at(8))
    clock.move_to(at(9))
    record_scan(volunteer, served, "in", method=Method.EVENT_QR, at=at(9))
    clock.move_to(at(11))
    record, _ = record_scan(volunteer, served, "out", method=Method.EVENT_QR, at=at(11))
    approve_record(record, by=center_manager)
    hours_before = Volunteer.objects.with_hours().get(pk=volunteer.pk).approved_hours
    ended()

    assert mark_no_shows().marked == 1

    assert absent(missed, volunteer)
    assert Volunteer.objects.with_hours().get(pk=volunteer.pk).approved_hours == hours_before > 0
    record.refresh_from_db()
    assert record.credited_hours == hours_before


def test_the_command_marks_and_reports(event, signed_up, ended, capsys):
    ended()

    call_command("mark_no_shows")

    assert "Marked 1 absences" in capsys.readouterr().out
    assert absent(event, signed_up)


@pytest.fixture
def two_events(tree, volunteer, other_volunteer, clock):
    """Two S1 events: the volunteer misses the first and attends the second; the other volunteer misses both."""
    first = make_event(tree["S1"], title="第一场")
    second = make_event(tree["S1"], title="第二场")
    for event in (first, second):
        for person in (volunteer, other_volunteer):
            sign_up(event, person, at=at(8))
    clock.move_to(at(9))
    record_scan(volunteer, second, "in", method=Method.EVENT_QR, at=at(9))
    clock.move_to(at(12))
    mark_no_shows()
    return first, second


def test_rates_per_volunteer_and_per_event(two_events, volunteer, other_volunteer, station_manager):
    first, second = two_events

    by_volunteer = {row["volunteer"]: row for row in absence_rates(station_manager, by="volunteer", now=at(12))}
    by_event = {row["event"]: row for row in absence_rates(station_manager, by="event", now=at(12))}

    assert (by_volunteer[volunteer.pk]["absences"], by_volunteer[volunteer.pk]["places"]) == (1, 2)
    assert by_volunteer[volunteer.pk]["rate"] == 0.5
    assert by_volunteer[other_volunteer.pk]["rate"] == 1.0
    assert (by_event[first.pk]["absences"], by_event[first.pk]["rate"]) == (2, 1.0)
    assert (by_event[second.pk]["absences"], by_event[second.pk]["rate"]) == (1, 0.5)


def test_the_api_sorts_by_rate_and_filters_by_period(two_events, volunteer, other_volunteer, station_manager):
    api = client_for(station_manager)

    rows = api.get("/api/v1/absences/volunteers/").json()["results"]
    ascending = api.get("/api/v1/absences/volunteers/?ordering=rate").json()["results"]
    day = at(9).date()
    later = api.get(f"/api/v1/absences/events/?start={day + datetime.timedelta(days=1)}").json()["results"]
    that_day = api.get(f"/api/v1/absences/events/?start={day}&end={day}").json()["results"]

    assert [row["volunteer"] for row in rows] == [other_volunteer.pk, volunteer.pk]
    assert rows[0] == {
        "volunteer": other_volunteer.pk,
        "number": other_volunteer.number,
        "name": other_volunteer.real_name,
        "places": 2,
        "absences": 2,
        "rate": 1.0,
    }
    assert [row["volunteer"] for row in ascending] == [volunteer.pk, other_volunteer.pk]
    assert later == [] and len(that_day) == 2


@pytest.mark.parametrize("query", ["start=gestern", "end=2026-13-01", "start=2026-12-05&end=2026-12-01"])
def test_a_bad_period_is_a_400_with_field_messages(station_manager, query, db):
    response = client_for(station_manager).get(f"/api/v1/absences/events/?{query}")

    assert response.status_code == 400
    assert set(response.json()) <= {"start", "end"}


def test_another_units_manager_sees_nothing(two_events, other_station_manager):
    api = client_for(other_station_manager)

    assert api.get("/api/v1/absences/volunteers/").json()["results"] == []
    assert api.get("/api/v1/absences/events/").json()["results"] == []


def test_volunteers_and_strangers_get_no_rates(two_events, volunteer, stranger):
    for user, status in ((volunteer.user, 403), (stranger, 403), (None, 401)):
        assert client_for(user).get("/api/v1/absences/volunteers/").status_code == status
        assert client_for(user).get("/api/v1/absences/events/").status_code == status


def test_a_volunteer_sees_their_own_absences(two_events, volunteer, station_manager):
    first, _second = two_events

    mine = client_for(volunteer.user).get("/api/v1/me/absences/")

    assert mine.status_code == 200
    body = mine.json()
    assert (body["places"], body["absences"], body["rate"]) == (2, 1, 0.5)
    assert [event["id"] for event in body["events"]] == [first.pk]
    assert client_for(station_manager).get("/api/v1/me/absences/").status_code == 403


def test_a_place_cancelled_after_the_event_keeps_its_absence(event, signed_up, ended, admin_user):
    ended()
    mark_no_shows()
    cancel_signup(event, signed_up, at=at(12))

    mark_no_shows()

    rows = list(absence_rates(admin_user, by="volunteer", now=at(12)))
    assert [(row["places"], row["absences"]) for row in rows] == [(1, 1)]


def test_drafts_never_count(tree, volunteer, clock):
    draft = make_event(tree["S1"], status=EventStatus.DRAFT)
    Signup.objects.create(event=draft, volunteer=volunteer, status="confirmed", queued_at=at(8))
    clock.move_to(at(12))

    assert mark_no_shows().marked == 0
    assert not Signup.objects.filter(absent=True).exists()


def test_marking_goes_in_batches(tree, clock, monkeypatch):
    from events import no_shows

    monkeypatch.setattr(no_shows, "BATCH_SIZE", 2)
    event = make_event(tree["S1"])
    people = [make_volunteer(tree["S1"], f"志愿者{n}") for n in range(5)]
    for person in people:
        sign_up(event, person, at=at(8))
    clock.move_to(at(12))

    assert mark_no_shows().marked == 5
    assert Signup.objects.filter(event=event, absent=True).count() == 5


def test_the_rates_take_the_same_queries_for_two_volunteers_or_twenty(tree, station_manager, clock):
    api = client_for(station_manager)
    event = make_event(tree["S1"])

    def queries(count: int) -> int:
        for n in range(count):
            sign_up(event, make_volunteer(tree["S1"], f"志愿者{count}-{n}"), at=at(8))
        clock.move_to(at(12))
        mark_no_shows()
        api.get("/api/v1/absences/events/")  # the manager's units are read once and kept
        with CaptureQueriesContext(connection) as captured:
            for path in ("/api/v1/absences/volunteers/", "/api/v1/absences/events/"):
                assert api.get(path).status_code == 200
        clock.move_to(at(8))
        return len(captured)

    assert queries(2) == queries(18)
