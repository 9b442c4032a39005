"""The outbox in the admin: superusers only, reasons in the list, masked recipients, "retry now".

The clock is frozen on DAY (2026-12-05, 08:00 Shanghai) by the ``clock`` fixture.
"""

import pytest

from notifications.kinds import Channel
from notifications.models import CalendarFeed, Message, MessageStatus
from tests.events.conftest import at

pytestmark = pytest.mark.django_db
LIST = "/admin/notifications/message/"


def refused_sms(user) -> Message:
    return Message.objects.create(
        recipient=user,
        channel=Channel.SMS,
        kind="reminder",
        key="reminder:1",
        title="明天的活动",
        body="正文",
        status=MessageStatus.FAILED,
        reason="isv.MOBILE_NUMBER_ILLEGAL: 非法手机号",
        attempts=1,
        not_before=at(7),
        next_attempt_at=at(7),
    )


def test_a_superuser_sees_why_an_sms_failed_and_whom_it_was_for_masked(client, admin_user, volunteer, clock):
    refused_sms(volunteer.user)
    client.force_login(admin_user)
    html = client.get(LIST).content.decode()
    assert "isv.MOBILE_NUMBER_ILLEGAL: 非法手机号" in html
    phone = volunteer.user.phone
    assert f"{phone[:3]}****{phone[7:]}" in html and phone not in html
    assert client.get(LIST, {"status": "failed", "channel": "sms", "kind": "reminder"}).status_code == 200


def test_managers_do_not_see_the_outbox(client, center_manager, volunteer, clock):
    message = refused_sms(volunteer.user)
    client.force_login(center_manager)
    assert client.get(LIST).status_code == 403
    assert client.get(f"{LIST}{message.pk}/change/").status_code == 403
    assert LIST not in client.get("/admin/").content.decode()


def test_messages_are_read_only(client, admin_user, volunteer, clock):
    message = refused_sms(volunteer.user)
    client.force_login(admin_user)
    detail = client.get(f"{LIST}{message.pk}/change/").content.decode()
    assert "isv.MOBILE_NUMBER_ILLEGAL" in detail and 'name="_save"' not in detail
    assert client.get(f"{LIST}{message.pk}/delete/").status_code == 403


def test_retry_now_makes_a_failed_message_due_again(client, admin_user, volunteer, clock):
    message = refused_sms(volunteer.user)
    sent = Message.objects.create(
        recipient=volunteer.user,
        channel=Channel.SMS,
        kind="reminder",
        key="reminder:2",
        title="t",
        body="b",
        status=MessageStatus.SENT,
        not_before=at(7),
        next_attempt_at=at(7),
    )
    client.force_login(admin_user)
    client.post(LIST, {"action": "retry_now", "_selected_action": [message.pk, sent.pk]})
    message.refresh_from_db()
    sent.refresh_from_db()
    assert (message.status, message.attempts, message.next_attempt_at) == (MessageStatus.PENDING, 0, at(8))
    assert sent.status == MessageStatus.SENT


def test_the_calendar_feed_admin_never_shows_the_secret(client, admin_user, volunteer, clock):
    feed = CalendarFeed.objects.create(user=volunteer.user)
    client.force_login(admin_user)
    assert feed.token not in client.get("/admin/notifications/calendarfeed/").content.decode()
    assert feed.token not in client.get(f"/admin/notifications/calendarfeed/{feed.pk}/change/").content.decode()


def test_a_superuser_finds_a_persons_messages_by_name(client, admin_user, volunteer, other_volunteer, clock):
    refused_sms(volunteer.user)
    client.force_login(admin_user)
    html = client.get(LIST, {"q": volunteer.user.name}).content.decode()
    assert "isv.MOBILE_NUMBER_ILLEGAL" in html
    assert "isv.MOBILE_NUMBER_ILLEGAL" not in client.get(LIST, {"q": other_volunteer.user.name}).content.decode()
