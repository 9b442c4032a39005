"""Delivery of the outbox: once, with back-off, caps, quiet hours and expiry.

The clock is frozen on DAY (2026-12-05, Shanghai) by the ``clock`` fixture; quiet hours 21:00-08:00.
"""

import datetime

import pytest
from django.core.management import call_command
from django_tasks import default_task_backend

from notifications import backends, delivery, tasks
from notifications.backends.base import BaseBackend, DeliveryError, Skip
from notifications.kinds import Channel
from notifications.models import Message, MessageStatus, Preference
from notifications.services import notify
from tests.concurrency import run_together, without_lock
from tests.events.conftest import at

pytestmark = pytest.mark.django_db
MINUTE = datetime.timedelta(minutes=1)

# What the scripted backend does with each send, in order: an exception to raise, or None to send.
script: list[Exception | None] = []


class ScriptedBackend(BaseBackend):
    def send(self, message) -> str:
        outcome = script.pop(0) if script else None
        if outcome is not None:
            raise outcome
        return f"scripted-{message.pk}"


@pytest.fixture
def scripted(settings):
    settings.NOTIFY_BACKENDS = {**settings.NOTIFY_BACKENDS, "sms": f"{__name__}.ScriptedBackend"}
    backends.reset()
    script.clear()
    yield script
    script.clear()


def queue(user, *, when=None, channel=Channel.SMS, key="k", **fields) -> Message:
    when = when or at(10)
    values = {
        "kind": "signup_confirmed",
        "title": "报名成功",
        "body": "正文",
        "not_before": when,
        "next_attempt_at": when,
    }
    return Message.objects.create(recipient=user, channel=channel, key=key, **(values | fields))


def test_a_due_message_is_sent_once_and_recorded(volunteer, clock, sent):
    message = queue(volunteer.user)
    assert delivery.deliver_due(now=at(10)) == {"sent": 1}
    assert delivery.deliver_due(now=at(10, 5)) == {}
    message.refresh_from_db()
    assert (message.status, message.attempts, message.sent_at) == (MessageStatus.SENT, 1, at(10))
    assert message.provider_id == "locmem-1"
    assert [row.pk for row in sent] == [message.pk]


def test_a_message_not_yet_due_waits(volunteer, clock, sent):
    queue(volunteer.user, when=at(10, 30))
    assert delivery.deliver_due(now=at(10)) == {}
    assert sent == []


def test_a_temporary_failure_is_retried_with_back_off_and_then_gives_up_with_the_reason(
    volunteer, clock, scripted, settings
):
    settings.NOTIFY_RETRY_MINUTES = [1, 5, 30]
    message = queue(volunteer.user)
    scripted.extend(DeliveryError(f"isp.SYSTEM_ERROR: busy {n}") for n in range(4))
    now = at(10)
    for attempt, delay in enumerate([1, 5, 30], start=1):
        assert delivery.deliver_due(now=now) == {"deferred": 1}
        message.refresh_from_db()
        assert (message.status, message.attempts) == (MessageStatus.PENDING, attempt)
        assert message.next_attempt_at == now + delay * MINUTE
        assert message.reason == f"isp.SYSTEM_ERROR: busy {attempt - 1}"
        assert delivery.deliver_due(now=now + delay * MINUTE - datetime.timedelta(seconds=1)) == {}
        now += delay * MINUTE
    assert delivery.deliver_due(now=now) == {"failed": 1}
    message.refresh_from_db()
    assert (message.status, message.attempts, message.reason) == (MessageStatus.FAILED, 4, "isp.SYSTEM_ERROR: busy 3")


def test_a_retry_after_a_failure_is_sent(volunteer, clock, scripted):
    message = queue(volunteer.user)
    scripted.append(DeliveryError("timeout"))
    delivery.deliver_due(now=at(10))
    assert delivery.deliver_due(now=at(10, 1)) == {"sent": 1}
    message.refresh_from_db()
    assert (message.status, message.attempts, message.reason) == (MessageStatus.SENT, 2, "")


def test_a_permanent_failure_is_not_retried(volunteer, clock, scripted):
    message = queue(volunteer.user)
    scripted.append(DeliveryError("isv.MOBILE_NUMBER_ILLEGAL: 非法手机号", permanent=True))
    assert delivery.deliver_due(now=at(10)) == {"failed": 1}
    message.refresh_from_db()
    assert (message.status, message.reason) == (MessageStatus.FAILED, "isv.MOBILE_NUMBER_ILLEGAL: 非法手机号")


def test_a_skip_is_kept_with_why(volunteer, clock, scripted):
    message = queue(volunteer.user)
    scripted.append(Skip("no consent"))
    assert delivery.deliver_due(now=at(10)) == {"skipped": 1}
    message.refresh_from_db()
    assert (message.status, message.reason) == (MessageStatus.SKIPPED, "no consent")


def test_a_backend_that_breaks_leaves_the_message_to_retry_not_stuck_in_sending(volunteer, clock, scripted):
    message = queue(volunteer.user)
    scripted.append(KeyError("params"))
    assert delivery.deliver_due(now=at(10)) == {"deferred": 1}
    message.refresh_from_db()
    assert (message.status, message.reason) == (MessageStatus.PENDING, "KeyError: 'params'")


def test_a_message_left_sending_by_a_crash_is_sent_again_once_stale(volunteer, clock, sent, settings):
    settings.NOTIFY_SENDING_STALE_SECONDS = 600
    message = queue(volunteer.user, status=MessageStatus.SENDING, claimed_at=at(10), attempts=1)
    assert delivery.deliver_due(now=at(10, 9)) == {}
    assert delivery.deliver_due(now=at(10, 10, 1)) == {"sent": 1}
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 2)
    assert len(sent) == 1


def test_the_daily_cap_skips_what_exceeds_it_but_urgent_messages_pass(volunteer, clock, sent, settings):
    settings.NOTIFY_DAILY_CAP = 2
    yesterday = queue(volunteer.user, key="y", status=MessageStatus.SENT, sent_at=at(10) - datetime.timedelta(days=1))
    for n in range(3):
        queue(volunteer.user, key=f"n{n}", when=at(10) + n * MINUTE)
    urgent = queue(volunteer.user, key="u", urgent=True, when=at(10, 5))
    other_channel = queue(volunteer.user, key="e", channel=Channel.EMAIL, when=at(10, 6))
    assert delivery.deliver_due(now=at(10, 10)) == {"sent": 4, "skipped": 1}
    third = Message.objects.get(key="n2")
    assert (third.status, third.reason) == (MessageStatus.SKIPPED, "daily cap")
    assert {row.pk for row in sent} >= {urgent.pk, other_channel.pk}
    assert yesterday.pk not in {row.pk for row in sent}


def test_a_message_queued_at_night_waits_for_the_morning_and_an_urgent_one_does_not(volunteer, clock, sent, event):
    Preference.objects.create(user=volunteer.user, kind="signup_confirmed", channel=Channel.SMS, enabled=True)
    night = at(22) - datetime.timedelta(days=1)
    notify(volunteer.user, "signup_confirmed", key="calm", context={"event": event}, at=night)
    urgent = queue(volunteer.user, key="urgent", urgent=True, when=night)
    assert delivery.deliver_due(now=night) == {"sent": 1}
    assert [row.pk for row in sent] == [urgent.pk]
    assert delivery.deliver_due(now=at(7, 59)) == {}
    assert delivery.deliver_due(now=at(8)) == {"sent": 1}
    assert len(sent) == 2


def test_delivery_catching_up_at_night_holds_the_calm_messages_until_morning(volunteer, clock, sent):
    # Queued at 20:00, but delivery was down until 23:00: the message waits, and that is no attempt.
    evening = at(20)
    message = queue(volunteer.user, when=evening)
    assert delivery.deliver_due(now=at(23)) == {"deferred": 1}
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 0)
    assert message.next_attempt_at == at(8) + datetime.timedelta(days=1)
    assert sent == []


def test_a_retry_that_would_fall_in_the_quiet_hours_waits_for_the_morning(volunteer, clock, scripted, settings):
    settings.NOTIFY_RETRY_MINUTES = [30]
    message = queue(volunteer.user, when=at(20, 45))
    scripted.append(DeliveryError("busy"))
    delivery.deliver_due(now=at(20, 45))
    message.refresh_from_db()
    assert message.next_attempt_at == at(8) + datetime.timedelta(days=1)


def test_an_expired_message_is_skipped_not_sent_late(volunteer, clock, sent):
    message = queue(volunteer.user, expires_at=at(9))
    assert delivery.deliver_due(now=at(10)) == {"skipped": 1}
    message.refresh_from_db()
    assert (message.status, message.reason) == (MessageStatus.SKIPPED, "expired")
    assert sent == []


def test_a_message_to_an_inactive_person_is_skipped(volunteer, clock, sent):
    message = queue(volunteer.user)
    volunteer.user.is_active = False
    volunteer.user.save(update_fields=["is_active"])
    assert delivery.deliver_due(now=at(10)) == {"skipped": 1}
    message.refresh_from_db()
    assert message.reason == "recipient inactive"


def test_rows_are_claimed_a_batch_at_a_time(volunteer, clock, sent):
    for n in range(7):
        queue(volunteer.user, key=f"k{n}", urgent=True)
    assert delivery.deliver_due(now=at(10), batch=3) == {"sent": 7}
    assert len(sent) == 7


def test_after_commit_delivery_is_a_task_not_part_of_the_request(
    volunteer, event, sent, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    Preference.objects.create(user=volunteer.user, kind="signup_confirmed", channel=Channel.SMS, enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        notify(volunteer.user, "signup_confirmed", key="k", context={"event": event})
    assert sent == []
    assert [result.task.name for result in default_task_backend.results] == ["deliver_notifications"]


def test_a_queue_that_refuses_the_task_does_not_fail_the_request(volunteer, event, monkeypatch, caplog):
    class Unreachable:
        def enqueue(self):
            raise ConnectionError("redis down")

    monkeypatch.setattr(tasks, "deliver_notifications", Unreachable())
    delivery.deliver_soon()
    assert "delivery task not queued" in caplog.text


def test_with_the_immediate_task_backend_the_message_goes_out_after_commit(
    volunteer, event, sent, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    Preference.objects.create(user=volunteer.user, kind="signup_confirmed", channel=Channel.SMS, enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        notify(volunteer.user, "signup_confirmed", key="k", context={"event": event})
        assert sent == []
    assert [row.channel for row in sent] == [Channel.SMS]


def test_the_command_sends_what_is_due(volunteer, clock, sent, capsys):
    clock.move_to(at(10))
    queue(volunteer.user)
    call_command("deliver_notifications")
    assert "sent 1" in capsys.readouterr().out
    assert len(sent) == 1


# Two deliveries at once on PostgreSQL ------------------------------------------------------


def _due_ids_unlocked(now, limit):
    return list(
        Message.objects.filter(status=MessageStatus.PENDING, not_before__lte=now, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_deliveries_at_once_send_each_message_once(volunteer, sent):
    for n in range(20):
        queue(volunteer.user, key=f"k{n}", urgent=True)
    results = run_together([lambda: delivery.deliver_due(now=at(10), batch=5) for _ in range(2)])
    assert sum(result.get("sent", 0) for result in results) == 20
    assert sorted(row.pk for row in sent) == sorted(Message.objects.values_list("pk", flat=True))
    assert Message.objects.filter(status=MessageStatus.SENT).count() == 20
    assert Message.objects.filter(attempts=1).count() == 20  # each claimed once


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_control_without_the_lock_two_deliveries_send_messages_twice(volunteer, sent, monkeypatch):
    for n in range(20):
        queue(volunteer.user, key=f"k{n}", urgent=True)
    without_lock(monkeypatch, delivery, "_due_ids", _due_ids_unlocked, parties=2)
    run_together([lambda: delivery.deliver_due(now=at(10), batch=50) for _ in range(2)])
    # Both claimed every row (what the lock prevents). Each delivery checks that a row is still its own
    # just before sending it, which catches most of these double claims too, but not one whose check
    # comes before the other's claim: only the lock makes it certain.
    assert Message.objects.filter(attempts=2).count() == 20
    assert len(sent) >= 20


def _used_today_unlocked(message, midnight):
    return (
        Message.objects.filter(
            recipient_id=message.recipient_id,
            channel=message.channel,
            status__in=[MessageStatus.SENT, MessageStatus.SENDING],
            sent_at__gte=midnight,
        )
        .exclude(pk=message.pk)
        .count()
    )


def _two_messages_one_left_in_the_cap(user, settings) -> None:
    settings.NOTIFY_DAILY_CAP = 1
    queue(user, key="a")
    queue(user, key="b")
    run_together([lambda: delivery.deliver_due(now=at(10), batch=1) for _ in range(2)])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_deliveries_at_once_keep_the_daily_cap(volunteer, sent, settings):
    _two_messages_one_left_in_the_cap(volunteer.user, settings)
    assert len(sent) == 1
    assert sorted(Message.objects.values_list("status", "reason")) == [
        (MessageStatus.SENT, ""),
        (MessageStatus.SKIPPED, "daily cap"),
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_control_without_the_persons_lock_two_deliveries_exceed_the_cap(volunteer, sent, settings, monkeypatch):
    without_lock(monkeypatch, delivery, "_used_today", _used_today_unlocked, parties=2)
    _two_messages_one_left_in_the_cap(volunteer.user, settings)
    assert len(sent) == 2


def test_the_command_in_a_loop_runs_again_until_stopped(volunteer, clock, sent, monkeypatch, capsys):
    from notifications.management.commands import deliver_notifications

    clock.move_to(at(10))
    naps = []

    def nap(seconds):
        naps.append(seconds)
        if len(naps) == 1:
            queue(volunteer.user)
            return
        raise KeyboardInterrupt

    monkeypatch.setattr(deliver_notifications.time, "sleep", nap)
    call_command("deliver_notifications", "--loop", "5")
    assert naps == [5, 5]
    assert capsys.readouterr().out.splitlines() == ["nothing due", "sent 1"]
    assert len(sent) == 1


def test_a_claim_is_stamped_when_it_happens_so_a_long_run_does_not_look_stale(volunteer, clock, scripted, settings):
    # The run started at 10:00 and reaches this row at 10:30: another delivery must not take it over.
    settings.NOTIFY_SENDING_STALE_SECONDS = 600
    clock.move_to(at(10, 30))
    message = queue(volunteer.user)
    scripted.append(DeliveryError("busy"))
    delivery.deliver_due(now=at(10))
    message.refresh_from_db()
    assert message.claimed_at == at(10, 30)
