"""What a volunteer may ask to correct (办法 art. 13): events they signed up for or attended, times the
event's scan windows allowed, nothing in the future (issue 20)."""

import datetime

import pytest

from events.models import CorrectionRequest, Signup, SignupStatus
from tests.conftest import client_for
from tests.events.conftest import make_event
from tests.records_law.conftest import SHANGHAI, attended, past_event

DAY = datetime.date(2026, 11, 20)
CORRECTIONS = "/api/v1/correction-requests/"


def ask_to_add(volunteer, event, start, end):
    body = {"event": event.pk, "checked_in_at": start.isoformat(), "checked_out_at": end.isoformat(), "reason": "补录"}
    return client_for(volunteer.user).post(CORRECTIONS, body, format="json")


def signed_up(event, volunteer, status=SignupStatus.CONFIRMED):
    Signup.objects.create(event=event, volunteer=volunteer, status=status, queued_at=event.starts_at)
    return event


def test_an_event_never_signed_up_for_is_refused_on_the_event_field(tree, volunteer, on_day):
    event = past_event(tree["S1"], DAY)
    with on_day(DAY + datetime.timedelta(days=1)):
        response = ask_to_add(volunteer, event, event.starts_at, event.ends_at)
    assert response.status_code == 400 and list(response.json()) == ["event"]
    assert not CorrectionRequest.objects.exists()


@pytest.mark.parametrize("status", [SignupStatus.WAITLISTED, SignupStatus.CANCELLED])
def test_a_place_never_held_is_no_sign_up(tree, volunteer, on_day, status):
    event = signed_up(past_event(tree["S1"], DAY), volunteer, status)
    with on_day(DAY + datetime.timedelta(days=1)):
        assert ask_to_add(volunteer, event, event.starts_at, event.ends_at).status_code == 400


def test_a_signed_up_volunteer_may_ask_within_the_scan_windows(tree, volunteer, on_day):
    event = signed_up(past_event(tree["S1"], DAY), volunteer)  # 09:00-11:00, opens 08:30, closes 12:00
    opens = event.starts_at - datetime.timedelta(minutes=30)
    closes = event.ends_at + datetime.timedelta(minutes=60)
    with on_day(DAY + datetime.timedelta(days=1)):
        assert ask_to_add(volunteer, event, opens, closes).status_code == 201


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (datetime.datetime(1900, 1, 1, 9, tzinfo=SHANGHAI), None, "checked_in_at"),
        (None, datetime.datetime(2100, 1, 1, 9, tzinfo=SHANGHAI), "checked_out_at"),
        (datetime.timedelta(minutes=-31), None, "checked_in_at"),
        (datetime.timedelta(hours=2, minutes=1), None, "checked_in_at"),  # check-in closes at the end
        (None, datetime.timedelta(hours=3, minutes=1), "checked_out_at"),
    ],
    ids=["1900", "2100", "before-check-in-opens", "in-after-the-end", "out-after-check-out-closes"],
)
def test_times_outside_the_events_windows_are_refused_on_their_field(tree, volunteer, on_day, start, end, field):
    event = signed_up(past_event(tree["S1"], DAY), volunteer)

    def moment(value, default):
        if value is None:
            return default
        return event.starts_at + value if isinstance(value, datetime.timedelta) else value

    with on_day(DAY + datetime.timedelta(days=1)):
        response = ask_to_add(volunteer, event, moment(start, event.starts_at), moment(end, event.ends_at))
    assert response.status_code == 400 and field in response.json(), response.json()


def test_times_in_the_future_are_refused(tree, volunteer, on_day):
    start = datetime.datetime.combine(DAY, datetime.time(9), tzinfo=SHANGHAI)
    event = make_event(tree["S1"], starts_at=start, ends_at=start + datetime.timedelta(hours=2))
    signed_up(event, volunteer)
    with on_day(DAY):  # noon of the day: a check-out at 11:59 is past, in the window
        response = ask_to_add(volunteer, event, event.starts_at, event.ends_at + datetime.timedelta(minutes=59))
    assert response.status_code == 201
    CorrectionRequest.objects.all().delete()
    with on_day(DAY - datetime.timedelta(days=1)):
        response = ask_to_add(volunteer, event, event.starts_at, event.ends_at)
    assert response.status_code == 400 and set(response.json()) == {"checked_in_at", "checked_out_at"}


def test_a_correction_of_an_attended_event_keeps_to_its_window_too(tree, volunteer, on_day):
    record = attended(past_event(tree["S1"], DAY), volunteer, out=False)
    body = {"record": record.pk, "reason": "忘记签退"}
    with on_day(DAY + datetime.timedelta(days=1)):
        late = {**body, "checked_out_at": (record.event.ends_at + datetime.timedelta(hours=5)).isoformat()}
        before_in = {**body, "checked_out_at": (record.event.starts_at - datetime.timedelta(minutes=10)).isoformat()}
        good = {**body, "checked_out_at": record.event.ends_at.isoformat()}
        client = client_for(volunteer.user)
        assert list(client.post(CORRECTIONS, late, format="json").json()) == ["checked_out_at"]
        # Before the recorded check-in (09:00), though within the window.
        assert list(client.post(CORRECTIONS, before_in, format="json").json()) == ["checked_out_at"]
        assert client.post(CORRECTIONS, good, format="json").status_code == 201
