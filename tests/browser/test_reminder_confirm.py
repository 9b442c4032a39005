"""A reminder answered on a phone: one volunteer opens it from the inbox and taps 「我会准时参加」; another opens
its link directly, taps 「让出名额」, and the first volunteer on the waitlist gets the place.
Dates are built from now: the event starts in 20 hours, within the reminder's lead time."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from events.models import Signup, SignupStatus
from events.services import sign_up
from notifications.models import Message
from notifications.reminders import send_reminders
from tests.browser.conftest import has_no_horizontal_scroll, log_in, screenshot
from tests.conftest import PASSWORD, make_volunteer
from tests.events.conftest import make_event

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reminded(tree, settings):
    """Two places taken, one volunteer waiting, and the reminders queued."""
    settings.NOTIFY_REMINDER_LEAD_HOURS = 24
    now = timezone.now()
    event = make_event(
        tree["S1"],
        title="敬老院陪伴",
        address="东门社区敬老院",
        starts_at=now + datetime.timedelta(hours=20),
        ends_at=now + datetime.timedelta(hours=22),
        capacity=2,
    )
    coming, leaving, waiting = (make_volunteer(tree["S1"], name) for name in ("周一", "吴二", "郑三"))
    for person in (coming, leaving, waiting):
        sign_up(event, person, at=now)
    send_reminders(now=now)
    return event, coming, leaving, waiting


def test_a_volunteer_confirms_from_the_inbox_and_another_gives_the_place_to_the_waitlist(new_page, reminded):
    event, coming, leaving, waiting = reminded

    phone = new_page("phone")
    phone.goto("/login/?next=/me/inbox/")
    log_in(phone, coming.user.phone, PASSWORD)
    reminder = Message.objects.get(recipient=coming.user, kind="reminder", channel="inbox")
    phone.click(f"#message-{reminder.pk} a.message")
    phone.click("#message-link")
    expect(phone.locator("main")).to_contain_text("东门社区敬老院")
    assert has_no_horizontal_scroll(phone)
    screenshot(phone, "reminder-confirm")
    phone.click("#coming-button")
    expect(phone.locator("#answer")).to_have_attribute("data-state", "coming")
    expect(phone.locator("#coming-button")).to_have_count(0)
    assert Signup.objects.get(event=event, volunteer=coming).reconfirmed_at is not None

    other = new_page("phone")
    link = Message.objects.get(recipient=leaving.user, kind="reminder", channel="inbox").link
    other.goto(f"/login/?next={link}")
    log_in(other, leaving.user.phone, PASSWORD)
    other.click("#give-back-button")
    expect(other.locator("#answer")).to_have_attribute("data-state", "given_back")
    promoted = Signup.objects.get(event=event, volunteer=waiting)
    assert promoted.status == SignupStatus.CONFIRMED and promoted.confirm_by is not None
    assert Signup.objects.get(event=event, volunteer=leaving).status == SignupStatus.CANCELLED
