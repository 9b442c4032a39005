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


def test_the_outbox_adds_no_query_to_a_check_in_or_out(clock, volunteer, volunteer_client, tree):
    """A check-in never waits on a message (DESIGN.md): scanning in and out reads and writes no notification table."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from events.checkin_codes import make_event_code
    from events.services import sign_up
    from tests.events.conftest import make_event

    held = make_event(tree["S1"], signup_required=True, approval_required=False)
    sign_up(held, volunteer, at=at(8))
    Preference.objects.create(user=volunteer.user, kind="hours_approved", channel=Channel.SMS, enabled=True)
    for action, moment in (("in", at(9)), ("out", at(11))):
        clock.move_to(moment)
        with CaptureQueriesContext(connection) as captured:
            response = volunteer_client.post(
                "/api/v1/checkins/", {"token": make_event_code(held.pk, action, moment)}, format="json"
            )
        assert response.status_code in (200, 201), response.content
        assert not [query["sql"] for query in captured if "notifications_" in query["sql"]], action
