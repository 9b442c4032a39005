"""A reminder waiting for the morning whose occasion went away. Clock: tests/events/conftest.py (DAY 08:00 Shanghai)."""

import datetime

import pytest

from events.services import cancel_event, cancel_signup, sign_up
from notifications.delivery import deliver_due
from notifications.kinds import Channel
from notifications.models import Message, MessageStatus, Preference
from notifications.reminders import send_reminders
from tests.events.conftest import at, make_event

pytestmark = pytest.mark.django_db

NEXT_DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def day_ahead(settings):
    settings.NOTIFY_REMINDER_LEAD_HOURS = 24
    settings.NOTIFY_QUIET_START_HOUR, settings.NOTIFY_QUIET_END_HOUR = 21, 8


@pytest.fixture
def waiting_sms(tree, clock, volunteer):
    """Signed up at 22:00 for 09:00 tomorrow: the reminder's SMS waits for 08:00."""
    Preference.objects.create(user=volunteer.user, kind="reminder", channel=Channel.SMS, enabled=True)
    clock.move_to(at(22))
    event = make_event(tree["S1"], starts_at=at(9) + NEXT_DAY, ends_at=at(11) + NEXT_DAY)
    sign_up(event, volunteer, at=at(22))
    send_reminders(now=at(22))
    sms = Message.objects.get(recipient=volunteer.user, kind="reminder", channel=Channel.SMS)
    assert sms.status == MessageStatus.PENDING
    return event, sms


def _morning(clock, sent, sms):
    send_reminders(now=at(23))
    clock.move_to(at(8, 1) + NEXT_DAY)
    deliver_due(now=at(8, 1) + NEXT_DAY)
    sms.refresh_from_db()
    assert [one for one in sent if one.kind == "reminder"] == []
    assert sms.status == MessageStatus.SKIPPED


def test_a_place_given_back_at_night_gets_no_reminder_in_the_morning(waiting_sms, volunteer, clock, sent):
    event, sms = waiting_sms
    cancel_signup(event, volunteer, at=at(22, 30))
    _morning(clock, sent, sms)


def test_an_event_cancelled_at_night_gets_no_reminder_in_the_morning(waiting_sms, clock, sent):
    event, sms = waiting_sms
    cancel_event(event)
    _morning(clock, sent, sms)
