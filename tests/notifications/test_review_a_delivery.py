"""Review a: delivery and receivers under attack (takeover mid-batch, opt-out before sending, failing notices).

The clock is frozen on DAY (2026-12-05 08:00, Shanghai) by tests/events/conftest.py's ``clock``; quiet hours 21-08.
"""

import datetime

import pytest
from django.core.management import CommandError, call_command

from events.models import Signup
from events.services import sign_up
from notifications import backends, delivery, fanout, services
from notifications.backends.base import BaseBackend
from notifications.kinds import Channel
from notifications.models import Message, MessageStatus, Preference
from tests.events.conftest import at, make_event

pytestmark = pytest.mark.django_db

handed: list[int] = []
# The row another delivery takes over (as stale) while this one sends the first of its batch.
taken_over: list[int] = []


class TakeoverBackend(BaseBackend):
    def send(self, message) -> str:
        handed.append(message.pk)
        for pk in taken_over:
            later = at(10, 30)
            Message.objects.filter(pk=pk).update(status=MessageStatus.SENDING, claimed_at=later)
        taken_over.clear()
        return f"p-{message.pk}"


@pytest.fixture
def takeover(settings):
    settings.NOTIFY_BACKENDS = {**settings.NOTIFY_BACKENDS, "sms": f"{__name__}.TakeoverBackend"}
    backends.reset()
    handed.clear()
    taken_over.clear()
    yield
    backends.reset()


def queue(user, key: str, kind: str = "signup_confirmed") -> Message:
    when = at(10)
    return Message.objects.create(
        recipient=user,
        channel=Channel.SMS,
        key=key,
        kind=kind,
        title="t",
        body="b",
        not_before=when,
        next_attempt_at=when,
    )


def test_a_row_taken_over_by_another_delivery_mid_batch_is_not_sent_by_the_first(volunteer, clock, takeover):
    first, second = queue(volunteer.user, "a"), queue(volunteer.user, "b")
    taken_over.append(second.pk)
    delivery.deliver_due(now=at(10))
    assert handed == [first.pk]  # the second is the other delivery's now: sending it too would send it twice
    second.refresh_from_db()
    assert second.status == MessageStatus.SENDING and second.claimed_at == at(10, 30)


def test_a_person_who_turns_a_channel_off_while_a_message_waits_is_not_sent_it(volunteer, clock, sent):
    message = queue(volunteer.user, "quiet", kind="promoted")
    Preference.objects.create(user=volunteer.user, kind="promoted", channel=Channel.SMS, enabled=False)
    assert delivery.deliver_due(now=at(10)) == {"skipped": 1}
    message.refresh_from_db()
    assert message.status == MessageStatus.SKIPPED and message.reason == "opted out"
    assert sent == []


def test_a_notice_that_cannot_be_written_does_not_undo_the_sign_up(tree, volunteer, clock, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("template broken")

    monkeypatch.setattr(services, "render", broken)
    monkeypatch.setattr(fanout, "render", broken)
    event = make_event(tree["S1"])
    sign_up(event, volunteer, at=at(8))
    assert Signup.objects.filter(event=event, volunteer=volunteer).exists()
    assert not Message.objects.filter(recipient=volunteer.user).exists()


@pytest.mark.parametrize(
    "title",
    ["{{ recipient.phone }}", "<script>alert(1)</script>", "{% if %}", "题" * 100, "100% 完成"],
)
def test_odd_titles_and_addresses_render_as_written(tree, volunteer, clock, title):
    event = make_event(tree["S1"], title=title, address="")
    sign_up(event, volunteer, at=at(8))
    message = Message.objects.get(recipient=volunteer.user, kind="signup_confirmed")
    assert len(message.title) <= 100
    assert title[:20] in message.title + message.body
    assert volunteer.user.phone not in message.title + message.body


@pytest.mark.parametrize("batch", ["0", "-1"])
def test_the_delivery_command_refuses_a_batch_that_is_not_positive(batch):
    with pytest.raises(CommandError):
        call_command("deliver_notifications", "--batch", batch)


def test_quiet_hours_with_the_same_start_and_end_are_none(settings):
    settings.NOTIFY_QUIET_START_HOUR = settings.NOTIFY_QUIET_END_HOUR = 8
    assert services.quiet_until(at(8)) is None
    assert services.quiet_until(at(3)) is None
    assert services.quiet_until(at(23)) is None


def test_quiet_hours_wrapping_midnight_end_the_next_morning(settings):
    settings.NOTIFY_QUIET_START_HOUR, settings.NOTIFY_QUIET_END_HOUR = 21, 8
    assert services.quiet_until(at(21)) == at(8) + datetime.timedelta(days=1)
    assert services.quiet_until(at(7, 59)) == at(8)
    assert services.quiet_until(at(8)) is None
    assert services.quiet_until(at(20, 59)) is None


def _with_sign_ups(tree, count: int, **fields):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from events.models import Event, SignupStatus
    from volunteers.models import Volunteer

    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        [user_model(phone=f"1590{count:03d}{i:04d}", name=f"志愿者{i}") for i in range(count)]
    )
    volunteers = Volunteer.objects.bulk_create(
        [
            Volunteer(
                user=user, real_name="张三", id_number=f"X{count}-{i}", home_station=tree["S1"], consented_at=at(7)
            )
            for i, user in enumerate(users)
        ]
    )
    event = make_event(tree["S1"], starts_at=at(20), ends_at=at(22), **fields)
    Signup.objects.bulk_create(
        [Signup(event=event, volunteer=v, status=SignupStatus.CONFIRMED, queued_at=at(7)) for v in volunteers]
    )
    assert timezone.now() == at(8)
    return Event.objects.get(pk=event.pk)


def test_a_change_told_to_many_renders_once_in_a_bounded_number_of_queries(tree, clock, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    renders = []
    real = fanout.render
    monkeypatch.setattr(fanout, "render", lambda *args, **kwargs: renders.append(1) or real(*args, **kwargs))
    counted = []
    for count in (3, 600):
        event = _with_sign_ups(tree, count, title=f"活动{count}")
        event.title = f"新标题{count}"
        renders.clear()
        with CaptureQueriesContext(connection) as queries:
            event.save()
        assert (
            Message.objects.filter(key__startswith=f"event:{event.pk}:changed", channel=Channel.INBOX).count() == count
        )
        assert len(renders) == 1
        counted.append(len(queries))
    assert counted[1] <= counted[0] + 40  # more batches (SQLite inserts ~50 rows at a time), not a query per person


def test_a_promotion_waiting_for_the_morning_is_not_sent_once_the_place_is_given_back(event, volunteer, clock, sent):
    from django.contrib.contenttypes.models import ContentType

    from events.models import SignupStatus

    signup = Signup.objects.create(event=event, volunteer=volunteer, status=SignupStatus.CONFIRMED, queued_at=at(7))
    message = queue(volunteer.user, "promoted", kind="promoted")
    Message.objects.filter(pk=message.pk).update(
        about_type=ContentType.objects.get_for_model(Signup), about_id=signup.pk
    )
    Signup.objects.filter(pk=signup.pk).update(status=SignupStatus.CANCELLED)
    assert delivery.deliver_due(now=at(10)) == {"skipped": 1}
    message.refresh_from_db()
    assert message.reason == "sign-up given back" and sent == []


def test_a_message_whose_sender_crashed_every_time_gives_up(volunteer, clock, sent, settings):
    message = queue(volunteer.user, "poison")
    attempts = len(settings.NOTIFY_RETRY_MINUTES) + 1
    long_ago = at(9)
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENDING, claimed_at=long_ago, attempts=attempts)
    assert delivery.deliver_due(now=at(10)) == {"failed": 1}
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and "gave up" in message.reason and sent == []


def test_a_change_waiting_for_the_morning_is_not_sent_to_who_gave_the_place_back(event, volunteer, clock, sent):
    from django.contrib.contenttypes.models import ContentType

    from events.models import Event, SignupStatus

    signup = Signup.objects.create(event=event, volunteer=volunteer, status=SignupStatus.CONFIRMED, queued_at=at(7))
    kept, gone = queue(volunteer.user, "changed", kind="event_changed"), None
    Message.objects.filter(pk=kept.pk).update(about_type=ContentType.objects.get_for_model(Event), about_id=event.pk)
    assert delivery.deliver_due(now=at(10)) == {"sent": 1}  # still signed up: told
    gone = queue(volunteer.user, "changed again", kind="event_changed")
    Message.objects.filter(pk=gone.pk).update(about_type=ContentType.objects.get_for_model(Event), about_id=event.pk)
    Signup.objects.filter(pk=signup.pk).update(status=SignupStatus.CANCELLED)
    assert delivery.deliver_due(now=at(10, 1)) == {"skipped": 1}
    gone.refresh_from_db()
    assert gone.reason == "sign-up given back" and len(sent) == 1
