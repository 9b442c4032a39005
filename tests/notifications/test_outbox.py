"""The outbox's core: one row per person, channel and occasion; quiet hours; delivery after commit."""

import datetime

import pytest

from notifications.kinds import Channel
from notifications.models import Message, MessageStatus, Preference
from notifications.services import notify
from tests.events.conftest import at

pytestmark = pytest.mark.django_db


def test_a_notice_is_queued_once_per_occasion_however_often_it_is_asked_for(volunteer, event):
    Preference.objects.create(user=volunteer.user, kind="signup_confirmed", channel=Channel.SMS, enabled=True)
    for _ in range(3):
        notify(volunteer.user, "signup_confirmed", key=f"signup:{event.pk}", context={"event": event}, at=at(8))
    rows = Message.objects.filter(recipient=volunteer.user).order_by("channel")
    assert [(row.channel, row.status) for row in rows] == [
        (Channel.INBOX, MessageStatus.SENT),
        (Channel.SMS, MessageStatus.PENDING),
    ]
    assert "社区环境清洁" in rows[0].title


def test_at_night_a_notice_waits_for_the_morning_but_the_inbox_shows_it_at_once(volunteer, event):
    Preference.objects.create(user=volunteer.user, kind="signup_confirmed", channel=Channel.SMS, enabled=True)
    notify(volunteer.user, "signup_confirmed", key="k", context={"event": event}, at=at(22, 30))
    sms = Message.objects.get(recipient=volunteer.user, channel=Channel.SMS)
    inbox = Message.objects.get(recipient=volunteer.user, channel=Channel.INBOX)
    assert sms.not_before == at(8) + datetime.timedelta(days=1)
    assert inbox.status == MessageStatus.SENT
