"""A volunteer on a phone chooses how messages reach them, sees the bell count a notice raises, and reads it:
the count drops (issue 22, "Done when": a volunteer sets channels, sees the bell count)."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect

from notifications.kinds import Channel
from notifications.models import Message
from notifications.services import channels_for, notify
from tests.browser.conftest import has_no_horizontal_scroll, log_in, screenshot
from tests.conftest import PASSWORD
from tests.events.conftest import make_event

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_volunteer_sets_channels_sees_the_bell_count_and_reads_the_notice(new_page, tree, volunteer):
    page = new_page("phone")
    page.goto("/login/?next=/me/notifications/")
    log_in(page, volunteer.user.phone, PASSWORD)
    page.wait_for_url("**/me/notifications/")
    assert has_no_horizontal_scroll(page)
    expect(page.locator("#bell-count")).to_have_count(0)
    # Only volunteer kinds; the digest of new events is off until chosen.
    expect(page.locator("#kind-manager_digest")).to_have_count(0)
    expect(page.locator("[id='new_events_digest:inbox']")).not_to_be_checked()

    page.locator("[id='signup_confirmed:email']").check()
    page.locator("[id='promoted:sms']").uncheck()
    page.locator("[id='new_events_digest:inbox']").check()
    screenshot(page, "notification-choices")
    page.click("#save-choices")
    page.wait_for_url("**/me/notifications/")
    expect(page.locator(".messages li.success")).to_have_count(1)
    expect(page.locator("[id='signup_confirmed:email']")).to_be_checked()
    expect(page.locator("[id='promoted:sms']")).not_to_be_checked()
    assert channels_for(volunteer.user, "signup_confirmed") == [Channel.INBOX, Channel.EMAIL]
    assert channels_for(volunteer.user, "new_events_digest") == [Channel.INBOX]

    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=2)
    event = make_event(tree["S1"], title="河道清洁", starts_at=start, ends_at=start + datetime.timedelta(hours=2))
    with transaction.atomic():
        notify(volunteer.user, "signup_confirmed", key=f"signup:{event.pk}", context={"event": event})
    assert set(Message.objects.filter(recipient=volunteer.user).values_list("channel", flat=True)) == {
        Channel.INBOX,
        Channel.EMAIL,
    }

    page.goto("/events/")
    expect(page.locator("#bell-count")).to_have_text("1")
    page.click("#bell")
    page.wait_for_url("**/me/inbox/")
    assert has_no_horizontal_scroll(page)
    expect(page.locator("#inbox li.unread")).to_have_count(1)
    screenshot(page, "inbox")
    page.click("#inbox a.message")
    expect(page.locator("#message h1")).to_contain_text("河道清洁")
    expect(page.locator("#bell-count")).to_have_count(0)
    page.goto("/me/inbox/")
    expect(page.locator("#inbox li.unread")).to_have_count(0)
