"""Reminders before each event: once per sign-up and start time, caught up after a pause, never late.

The clock is frozen by tests/events/conftest.py's ``clock`` (DAY 08:00 Shanghai) and moved from there;
reminders go out 24 hours ahead (NOTIFY_REMINDER_LEAD_HOURS), quiet hours are 21:00-08:00.
"""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.models import Signup
from events.services import cancel_signup, sign_up
from notifications import reminders
from notifications.delivery import deliver_due
from notifications.kinds import Channel
from notifications.models import JobRun, Message, MessageStatus, Preference
from notifications.reminders import QUIET_UNTIL_START, SUPERSEDED, send_reminders
from tests.conftest import make_volunteer
from tests.events.conftest import at, make_event

pytestmark = pytest.mark.django_db

NEXT_DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def day_ahead(settings):
    settings.NOTIFY_REMINDER_LEAD_HOURS = 24
    settings.NOTIFY_QUIET_START_HOUR, settings.NOTIFY_QUIET_END_HOUR = 21, 8


def reminders_of(volunteer) -> list[Message]:
    return list(Message.objects.filter(recipient=volunteer.user, kind="reminder").order_by("channel", "id"))


def test_each_sign_up_is_reminded_once_however_often_the_job_runs(event, signed_up, other_volunteer, sent):
    sign_up(event, other_volunteer, at=at(8))
    first = send_reminders(now=at(8))
    again = send_reminders(now=at(8, 5))
    assert first == {"signups": 2, "messages": 4, "batches": 1}
    assert again == {"signups": 0, "messages": 0, "batches": 1}
    rows = reminders_of(signed_up)
    assert [(row.channel, row.status) for row in rows] == [
        (Channel.INBOX, MessageStatus.SENT),
        (Channel.WECHAT, MessageStatus.PENDING),
    ]
    signup = Signup.objects.get(event=event, volunteer=signed_up)
    assert rows[0].key == f"reminder:{signup.pk}:20261205T0900"
    assert rows[0].expires_at == event.starts_at and rows[0].about == signup
    assert rows[0].link == f"/signups/{signup.pk}/confirm/"
    assert "社区环境清洁" in rows[0].title and f"/signups/{signup.pk}/confirm/" in rows[0].body
    assert rows[1].params == {"title": "社区环境清洁", "time": "2026-12-05 09:00", "place": "东门社区广场"}
    assert JobRun.objects.get(name="send_reminders").finished_at == at(8, 5)


def test_only_what_starts_within_the_lead_time_is_reminded(tree, clock, volunteer):
    inside = make_event(tree["S1"], title="明早", starts_at=at(8) + NEXT_DAY, ends_at=at(10) + NEXT_DAY)
    beyond = make_event(tree["S1"], title="后天", starts_at=at(8, 1) + NEXT_DAY, ends_at=at(10) + NEXT_DAY)
    for event in (inside, beyond):
        sign_up(event, volunteer, at=at(8))
    send_reminders(now=at(8))
    assert {row.about.event.title for row in reminders_of(volunteer)} == {"明早"}


def test_waitlisted_cancelled_and_cancelled_events_get_no_reminder(tree, clock):
    full = make_event(tree["S1"], capacity=1)
    called_off = make_event(tree["S1"], title="取消的活动")
    placed, waiting, quitter = (make_volunteer(tree["S1"]) for _ in range(3))
    sign_up(full, placed, at=at(7))
    sign_up(full, waiting, at=at(7, 1))
    sign_up(called_off, quitter, at=at(7))
    sign_up(called_off, placed, at=at(7))
    called_off.status = "cancelled"
    called_off.save()
    cancel_signup(full, placed, at=at(7, 30))  # the waiting volunteer takes the place
    cancel_signup(full, waiting, at=at(7, 40))
    assert send_reminders(now=at(8))["signups"] == 0
    assert not Message.objects.filter(kind="reminder").exists()


def test_reminders_off_means_none_and_sms_chosen_means_sms_too(event, signed_up, other_volunteer):
    sign_up(event, other_volunteer, at=at(8))
    for channel in (Channel.INBOX, Channel.WECHAT):
        Preference.objects.create(user=signed_up.user, kind="reminder", channel=channel, enabled=False)
    Preference.objects.create(user=other_volunteer.user, kind="reminder", channel=Channel.SMS, enabled=True)
    assert send_reminders(now=at(8)) == {"signups": 1, "messages": 3, "batches": 1}
    assert reminders_of(signed_up) == []
    assert [row.channel for row in reminders_of(other_volunteer)] == [Channel.INBOX, Channel.SMS, Channel.WECHAT]


def test_a_moved_event_gets_a_new_reminder_and_the_old_waiting_one_is_dropped(event, signed_up, clock):
    clock.move_to(at(7))
    send_reminders(now=at(7))  # in quiet hours: WeChat waits for 08:00
    event.starts_at, event.ends_at = at(10), at(12)
    event.save()
    assert send_reminders(now=at(7, 5))["signups"] == 1
    rows = reminders_of(signed_up)
    assert [(row.channel, row.key[-13:], row.status, row.reason) for row in rows] == [
        (Channel.INBOX, "20261205T0900", MessageStatus.SENT, ""),
        (Channel.INBOX, "20261205T1000", MessageStatus.SENT, ""),
        (Channel.WECHAT, "20261205T0900", MessageStatus.SKIPPED, SUPERSEDED),
        (Channel.WECHAT, "20261205T1000", MessageStatus.PENDING, ""),
    ]
    assert send_reminders(now=at(7, 10))["signups"] == 0


def test_a_job_down_for_two_hours_catches_up_and_skips_what_started(tree, clock, volunteer, other_volunteer):
    """The job runs at 06:00, then not until 08:00; sign-ups and the lead time move on meanwhile."""
    clock.move_to(at(5))
    half_past_seven = make_event(tree["S1"], title="七点半", starts_at=at(7, 30), ends_at=at(9))
    half_past_eight = make_event(tree["S1"], title="八点半", starts_at=at(8, 30), ends_at=at(10))
    seven_tomorrow = make_event(tree["S1"], title="明早七点", starts_at=at(7) + NEXT_DAY, ends_at=at(9) + NEXT_DAY)
    nine_tomorrow = make_event(tree["S1"], title="明早九点", starts_at=at(9) + NEXT_DAY, ends_at=at(11) + NEXT_DAY)
    for event in (half_past_seven, seven_tomorrow, nine_tomorrow):
        sign_up(event, volunteer, at=at(5))
    send_reminders(now=at(6))
    assert {row.about.event.title for row in reminders_of(volunteer)} == {"七点半"}

    clock.move_to(at(7))  # the job is down; someone signs up for two events of the morning
    sign_up(half_past_seven, other_volunteer, at=at(7))
    sign_up(half_past_eight, other_volunteer, at=at(7))
    clock.move_to(at(8))
    assert send_reminders(now=at(8)) == {"signups": 2, "messages": 4, "batches": 1}
    assert {row.about.event.title for row in reminders_of(volunteer)} == {"七点半", "明早七点"}
    assert {row.about.event.title for row in reminders_of(other_volunteer)} == {"八点半"}
    clock.move_to(at(9))
    send_reminders(now=at(9))
    assert {row.about.event.title for row in reminders_of(volunteer)} == {"七点半", "明早七点", "明早九点"}


def test_a_reminder_whose_event_started_before_it_could_go_is_skipped_not_sent_late(event, signed_up, sent, clock):
    send_reminders(now=at(8))
    clock.move_to(at(9, 1))
    deliver_due(now=at(9, 1))
    wechat = Message.objects.get(recipient=signed_up.user, kind="reminder", channel=Channel.WECHAT)
    assert (wechat.status, wechat.reason) == (MessageStatus.SKIPPED, "expired")
    assert sent == []


# Quiet hours ----------------------------------------------------------------------------------------


def test_a_reminder_falling_in_quiet_hours_waits_for_the_morning_before_the_start(tree, clock, volunteer):
    """An event at 07:00: its reminder falls at 07:00 the day before, in quiet hours, and goes out at 08:00."""
    clock.move_to(at(7))
    event = make_event(tree["S1"], starts_at=at(7) + NEXT_DAY, ends_at=at(9) + NEXT_DAY)
    sign_up(event, volunteer, at=at(6))
    send_reminders(now=at(7))
    inbox, wechat = reminders_of(volunteer)
    assert inbox.status == MessageStatus.SENT and inbox.sent_at == at(7)
    assert (wechat.status, wechat.not_before) == (MessageStatus.PENDING, at(8))


def test_a_reminder_queued_at_night_waits_if_the_morning_is_before_the_start(tree, clock, volunteer):
    clock.move_to(at(22))
    event = make_event(tree["S1"], starts_at=at(9) + NEXT_DAY, ends_at=at(11) + NEXT_DAY)
    sign_up(event, volunteer, at=at(22))
    send_reminders(now=at(22))
    wechat = reminders_of(volunteer)[1]
    assert (wechat.status, wechat.not_before) == (MessageStatus.PENDING, at(8) + NEXT_DAY)


def test_a_reminder_queued_at_night_for_an_event_before_the_morning_stays_in_the_inbox(tree, clock, volunteer, sent):
    """Signed up at 22:00 for 07:00: the end of quiet hours (08:00) would be late, so only the inbox has it."""
    clock.move_to(at(22))
    event = make_event(tree["S1"], starts_at=at(7) + NEXT_DAY, ends_at=at(9) + NEXT_DAY)
    sign_up(event, volunteer, at=at(22))
    send_reminders(now=at(22))
    inbox, wechat = reminders_of(volunteer)
    assert inbox.status == MessageStatus.SENT
    assert (wechat.status, wechat.reason) == (MessageStatus.SKIPPED, QUIET_UNTIL_START)
    deliver_due(now=at(22, 1))
    assert sent == []


# A job stopped midway, batches and queries -----------------------------------------------------------


@pytest.fixture
def crowd(tree, clock):
    """Twelve volunteers with a place at the event of DAY 09:00."""
    event = make_event(tree["S1"])
    for n in range(12):
        sign_up(event, make_volunteer(tree["S1"], f"志愿者{n}"), at=at(7))


@pytest.mark.usefixtures("crowd")
def test_a_job_stopped_midway_keeps_whole_batches_and_the_next_run_does_the_rest(monkeypatch):
    write = reminders.notify_many
    calls = []

    def crash_on_the_third_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("the server went down")
        return write(*args, **kwargs)

    monkeypatch.setattr(reminders, "notify_many", crash_on_the_third_batch)
    with pytest.raises(RuntimeError):
        send_reminders(now=at(8), batch_size=5)
    assert Message.objects.filter(kind="reminder", channel=Channel.INBOX).count() == 10
    monkeypatch.setattr(reminders, "notify_many", write)
    assert send_reminders(now=at(8, 5), batch_size=5) == {"signups": 2, "messages": 4, "batches": 3}
    assert Message.objects.filter(kind="reminder", channel=Channel.INBOX).count() == 12
    assert Message.objects.filter(kind="reminder").count() == 24


def test_the_queries_of_a_batch_do_not_grow_with_its_sign_ups(tree, clock):
    def queries_for(count: int, day: int) -> tuple[int, int]:
        start = at(9) + datetime.timedelta(days=day)
        event = make_event(tree["S1"], starts_at=start, ends_at=start + datetime.timedelta(hours=2))
        for n in range(count):
            sign_up(event, make_volunteer(tree["S1"], f"人{day}{n}"), at=at(7))
        with CaptureQueriesContext(connection) as queries:
            outcome = send_reminders(now=start - datetime.timedelta(hours=1), batch_size=10)
        return len(queries), outcome["batches"]

    queries_for(1, 10)  # the job's first run records it in JobRun
    one, two, three = queries_for(5, 20), queries_for(15, 30), queries_for(30, 40)
    assert [batches for _, batches in (one, two, three)] == [1, 2, 3]
    assert three[0] - two[0] == two[0] - one[0] <= 10


def test_the_command_queues_and_says_how_many(event, signed_up, capsys, clock):
    call_command("send_reminders", "--dry-run")
    assert not Message.objects.filter(kind="reminder").exists()
    call_command("send_reminders")
    assert capsys.readouterr().out.splitlines() == [
        "1 sign-ups due for a reminder (dry run).",
        "Reminded 1 sign-ups: 2 messages in 1 batches.",
    ]
