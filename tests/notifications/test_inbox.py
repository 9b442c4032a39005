"""The in-app inbox on the pages and in the API: newest first, unread marked, read by opening, nobody else's."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.kinds import Channel
from notifications.models import Message, MessageStatus
from notifications.services import notify
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

_keys = iter(range(1_000_000))


def inbox_message(user, title: str = "报名成功", *, link: str = "/events/", read: bool = False, minutes_ago: int = 0):
    """A message already in the person's inbox, as ``notify`` leaves it."""
    sent = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    return Message.objects.create(
        recipient=user,
        channel=Channel.INBOX,
        kind="signup_confirmed",
        key=f"test:{next(_keys)}",
        title=title,
        body=f"{title}，请按时参加。",
        link=link,
        status=MessageStatus.SENT,
        sent_at=sent,
        not_before=sent,
        next_attempt_at=sent,
        read_at=sent if read else None,
    )


def test_the_inbox_page_lists_my_messages_newest_first_with_the_unread_marked(client, volunteer):
    inbox_message(volunteer.user, "旧消息", read=True, minutes_ago=60)
    newest = inbox_message(volunteer.user, "新消息")
    client.force_login(volunteer.user)
    html = client.get("/me/inbox/").content.decode()
    assert html.index("新消息") < html.index("旧消息")
    assert f'<li class="unread" id="message-{newest.pk}">' in html


def test_the_inbox_page_shows_nothing_of_other_people_or_other_channels(client, volunteer, other_volunteer):
    inbox_message(other_volunteer.user, "别人的消息")
    mine = inbox_message(volunteer.user, "我的短信")
    Message.objects.filter(pk=mine.pk).update(channel=Channel.SMS)
    client.force_login(volunteer.user)
    html = client.get("/me/inbox/").content.decode()
    assert "别人的消息" not in html and "我的短信" not in html
    assert 'id="inbox-empty"' in html


def test_the_inbox_is_paginated(client, volunteer):
    for minutes in range(25):
        inbox_message(volunteer.user, f"消息{minutes:02d}", minutes_ago=minutes)
    client.force_login(volunteer.user)
    first, second = client.get("/me/inbox/").content.decode(), client.get("/me/inbox/?page=2").content.decode()
    assert "消息00" in first and "消息24" not in first
    assert "消息24" in second and "消息00" not in second


def test_opening_a_message_marks_it_read_and_offers_its_link(client, volunteer):
    message = inbox_message(volunteer.user, link="/events/7/")
    client.force_login(volunteer.user)
    response = client.get(f"/me/inbox/{message.pk}/")
    assert response.status_code == 200
    assert 'href="/events/7/"' in response.content.decode()
    message.refresh_from_db()
    assert message.read_at is not None


def test_a_link_off_the_site_is_not_offered(client, volunteer):
    message = inbox_message(volunteer.user, link="//evil.example/")
    client.force_login(volunteer.user)
    assert 'id="message-link"' not in client.get(f"/me/inbox/{message.pk}/").content.decode()


def test_another_persons_message_cannot_be_opened(client, volunteer, other_volunteer):
    theirs = inbox_message(other_volunteer.user)
    client.force_login(volunteer.user)
    assert client.get(f"/me/inbox/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_as_read_needs_a_post_and_marks_only_mine(client, volunteer, other_volunteer):
    mine = [inbox_message(volunteer.user), inbox_message(volunteer.user)]
    theirs = inbox_message(other_volunteer.user)
    client.force_login(volunteer.user)
    assert client.get("/me/inbox/read-all/").status_code == 405
    assert client.post("/me/inbox/read-all/").status_code == 302
    assert all(Message.objects.get(pk=m.pk).read_at for m in mine)
    assert Message.objects.get(pk=theirs.pk).read_at is None


def test_the_inbox_pages_ask_a_visitor_to_log_in(client, volunteer):
    message = inbox_message(volunteer.user)
    for url in ("/me/inbox/", f"/me/inbox/{message.pk}/"):
        assert client.get(url)["Location"].startswith("/login/")


def test_the_api_lists_my_inbox_and_filters_the_unread(volunteer):
    inbox_message(volunteer.user, "已读", read=True, minutes_ago=5)
    unread = inbox_message(volunteer.user, "未读")
    api = client_for(volunteer.user)
    assert [row["title"] for row in api.get("/api/v1/me/notifications/").json()["results"]] == ["未读", "已读"]
    only_unread = api.get("/api/v1/me/notifications/?unread=true").json()["results"]
    assert [(row["id"], row["read"]) for row in only_unread] == [(unread.pk, False)]


def test_the_api_marks_one_read_and_answers_the_unread_count(volunteer):
    first, _second = inbox_message(volunteer.user), inbox_message(volunteer.user)
    api = client_for(volunteer.user)
    assert api.get("/api/v1/me/notifications/unread-count/").json() == {"unread": 2}
    response = api.post(f"/api/v1/me/notifications/{first.pk}/read/")
    assert response.status_code == 200 and response.json()["read"] is True
    again = api.post(f"/api/v1/me/notifications/{first.pk}/read/")
    assert again.json()["read_at"] == response.json()["read_at"]
    assert api.get("/api/v1/me/notifications/unread-count/").json() == {"unread": 1}
    assert api.post("/api/v1/me/notifications/read-all/").json() == {"marked": 1}
    assert api.get("/api/v1/me/notifications/unread-count/").json() == {"unread": 0}


def test_the_api_answers_404_for_another_persons_message(volunteer, other_volunteer):
    theirs = inbox_message(other_volunteer.user)
    assert client_for(volunteer.user).post(f"/api/v1/me/notifications/{theirs.pk}/read/").status_code == 404
    assert Message.objects.get(pk=theirs.pk).read_at is None


def test_the_api_refuses_visitors(anon_client):
    assert anon_client.get("/api/v1/me/notifications/").status_code == 401
    assert anon_client.post("/api/v1/me/notifications/read-all/").status_code == 401


def test_a_notice_queued_with_notify_reaches_the_inbox(volunteer, event):
    notify(volunteer.user, "signup_confirmed", key="signup:1", context={"event": event}, link=f"/events/{event.pk}/")
    rows = client_for(volunteer.user).get("/api/v1/me/notifications/").json()["results"]
    assert len(rows) == 1 and "社区环境清洁" in rows[0]["title"] and rows[0]["link"] == f"/events/{event.pk}/"


def test_the_api_list_costs_the_same_queries_however_many_messages(volunteer):
    api = client_for(volunteer.user)
    inbox_message(volunteer.user)
    with CaptureQueriesContext(connection) as few:
        api.get("/api/v1/me/notifications/")
    for n in range(25):
        inbox_message(volunteer.user, f"消息{n}")
    with CaptureQueriesContext(connection) as many:
        assert len(api.get("/api/v1/me/notifications/").json()["results"]) == 20
    assert len(many.captured_queries) == len(few.captured_queries)
