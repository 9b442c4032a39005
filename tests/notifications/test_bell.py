"""The header's bell: the unread count on every page, at no extra query, and the admin index's unread items."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.kinds import Channel
from tests.notifications.test_inbox import inbox_message

pytestmark = pytest.mark.django_db


def test_the_bell_shows_my_unread_count_on_the_pages(client, volunteer, other_volunteer):
    inbox_message(volunteer.user)
    inbox_message(volunteer.user)
    inbox_message(volunteer.user, read=True)
    inbox_message(other_volunteer.user)
    client.force_login(volunteer.user)
    html = client.get("/events/").content.decode()
    assert 'id="bell-count">2<' in html
    assert 'href="/me/inbox/"' in html


def test_the_bell_counts_only_the_inbox(client, volunteer):
    sms = inbox_message(volunteer.user)
    sms.channel = Channel.SMS
    sms.save(update_fields=["channel"])
    client.force_login(volunteer.user)
    html = client.get("/events/").content.decode()
    assert 'id="bell"' in html and 'id="bell-count"' not in html


def test_a_visitor_has_no_bell(client, db):
    assert 'id="bell"' not in client.get("/events/").content.decode()


def test_a_page_with_the_bell_costs_the_same_queries_however_many_messages(client, volunteer):
    client.force_login(volunteer.user)
    inbox_message(volunteer.user)
    client.get("/me/inbox/")  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        client.get("/me/inbox/")
    for n in range(30):
        inbox_message(volunteer.user, f"消息{n}")
    with CaptureQueriesContext(connection) as many:
        html = client.get("/me/inbox/").content.decode()
    assert 'id="bell-count">31<' in html
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_bell_adds_no_query_to_a_page(client, volunteer):
    """The count rides on the header's one query of who the person is: no query reads messages on its own."""
    inbox_message(volunteer.user)
    client.force_login(volunteer.user)
    client.get("/events/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/events/")
    reading_messages = [query["sql"] for query in queries.captured_queries if "notifications_message" in query["sql"]]
    assert len(reading_messages) == 1 and "volunteers_volunteer" in reading_messages[0]


def test_the_admin_index_shows_a_managers_latest_unread_messages(client, admin_user):
    for n in range(7):
        inbox_message(admin_user, f"待办{n}", minutes_ago=n, link="/admin/")
    client.force_login(admin_user)
    html = client.get("/admin/").content.decode()
    assert 'id="admin-inbox"' in html
    assert "待办0" in html and "待办4" in html and "待办5" not in html
    assert "7" in html[html.index('id="admin-inbox"') : html.index("待办0")]


def test_the_admin_index_shows_no_inbox_box_without_unread_messages(client, admin_user):
    inbox_message(admin_user, read=True)
    client.force_login(admin_user)
    assert 'id="admin-inbox"' not in client.get("/admin/").content.decode()
