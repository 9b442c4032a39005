"""Stations as places (issue 25, "Done when"), in the browser: a resident books the 农家书屋 on a
phone and a second, overlapping booking is refused in Chinese, the manager approves; the public
calendar shows the open booking and the month's events; a manager reads the self-assessment,
follows one indicator to its records and downloads it as PDF.

Dates are built from now (the booking two days ahead, the events of this month), so nothing here
depends on the day the suite runs."""

import datetime

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from reports.assessment.indicators import SPECS
from tests.browser.conftest import has_no_horizontal_scroll, log_in, screenshot
from tests.conftest import PASSWORD, make_user
from tests.events.conftest import make_event
from tests.venues.conftest import make_booking, make_venue
from venues.errors import VenueError
from venues.models import Booking, BookingStatus

pytestmark = pytest.mark.django_db(transaction=True)


def chinese(message) -> str:
    """The message as a Chinese reader sees it; it must be translated, not the English msgid."""
    with translation.override("zh-hans"):
        text = str(message)
    assert any("\u4e00" <= character <= "\u9fff" for character in text), f"not translated: {text}"
    return text


@pytest.fixture
def reading_room(tree):
    """东门's 农家书屋: open every day 08:30-21:00, bookings approved by a manager."""
    return make_venue(tree["S1"], name="东门社区农家书屋", capacity=30)


def book(page, venue, day: datetime.date, start: str, end: str, purpose: str, attendees: int) -> None:
    page.goto(f"/venues/{venue.pk}/?date={day:%Y-%m-%d}")
    page.fill("#id_day", f"{day:%Y-%m-%d}")
    page.fill("#id_start", start)
    page.fill("#id_end", end)
    page.fill("#id_purpose", purpose)
    page.fill("#id_attendees", str(attendees))
    page.click("#booking-form button[type=submit]")


def phone_of(new_page, user, path: str):
    page = new_page("phone")
    page.goto(f"/login/?next={path}")
    log_in(page, user.phone, PASSWORD)
    page.wait_for_url(f"**{path}")
    return page


def test_a_resident_books_the_reading_room_on_a_phone_an_overlap_is_refused_and_the_manager_approves(
    new_page, tree, reading_room, django_user_model, other_volunteer, station_manager
):
    day = timezone.localdate() + datetime.timedelta(days=2)
    venue_path = f"/venues/{reading_room.pk}/"
    # A resident: an account with no volunteer profile, as residents have who order services.
    resident = make_user(django_user_model, "李居民")

    # The resident sees the rules and a free day, and books 10:00-12:00.
    phone = phone_of(new_page, resident, venue_path)
    expect(phone.locator("#rules")).to_be_visible()
    phone.goto(f"{venue_path}?date={day:%Y-%m-%d}")
    expect(phone.locator("#slots .slot.taken")).to_have_count(0)
    assert has_no_horizontal_scroll(phone)
    book(phone, reading_room, day, "10:00", "12:00", "读书分享会", 12)
    phone.wait_for_url("**/venues/my-bookings/")
    booking = Booking.objects.get()
    expect(phone.locator(f"#booking-{booking.pk} .status-pending")).to_be_visible()
    assert booking.booker == resident and booking.status == BookingStatus.PENDING
    screenshot(phone, "venue-my-bookings")

    # The slot is held at once: a volunteer sees four taken half hours that day, and nobody's name.
    other = phone_of(new_page, other_volunteer.user, venue_path)
    other.goto(f"{venue_path}?date={day:%Y-%m-%d}")
    expect(other.locator("#slots .slot.taken")).to_have_count(4)
    assert resident.name not in other.content()

    # They ask for 11:00-13:00 the same day anyway and are told why not, in Chinese.
    book(other, reading_room, day, "11:00", "13:00", "合唱排练", 20)
    expect(other.locator("#booking-form")).to_contain_text(chinese(VenueError.messages["overlaps"]))
    assert has_no_horizontal_scroll(other)
    assert Booking.objects.count() == 1

    # The station's manager approves it from the list of bookings waiting.
    desk = new_page("desk")
    desk.goto("/login/?next=/venues/bookings/")
    log_in(desk, station_manager.phone, PASSWORD)
    desk.wait_for_url("**/venues/bookings/")
    expect(desk.locator(f"#booking-{booking.pk}")).to_contain_text("读书分享会")
    screenshot(desk, "venue-bookings-to-approve")
    desk.click(f"#approve-{booking.pk}")
    expect(desk.locator("#none-pending")).to_be_visible()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.APPROVED and booking.decided_by == station_manager

    phone.goto("/venues/my-bookings/")
    expect(phone.locator(f"#booking-{booking.pk} .status-approved")).to_be_visible()


def test_the_public_calendar_shows_an_open_booking_and_the_months_events_on_a_phone(
    phone_page, tree, reading_room, volunteer, other_volunteer, station_manager
):
    day = timezone.localdate() + datetime.timedelta(days=2)
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(14)))
    lecture = make_booking(
        reading_room,
        volunteer.user,
        starts_at=at,
        purpose="家庭教育公益讲座",
        is_public=True,
        decided_by=station_manager,
    )
    private = make_booking(
        reading_room,
        other_volunteer.user,
        starts_at=at + datetime.timedelta(hours=3),
        purpose="合唱排练",
        decided_by=station_manager,
    )
    waiting = make_booking(
        reading_room,
        other_volunteer.user,
        starts_at=at - datetime.timedelta(hours=4),
        purpose="书法课",
        is_public=True,
        status=BookingStatus.PENDING,
    )
    cleaning = make_event(tree["S1"], title="东门社区环境清洁", starts_at=at, ends_at=at + datetime.timedelta(hours=2))
    # Another station of the center, the same month: the center's calendar holds its subtree.
    month_start = timezone.make_aware(datetime.datetime.combine(day.replace(day=1), datetime.time(9)))
    visit = make_event(
        tree["S3"], title="敬老院探访", starts_at=month_start, ends_at=month_start + datetime.timedelta(hours=2)
    )
    elsewhere = make_event(tree["S4"], title="另一中心的活动", starts_at=at, ends_at=at + datetime.timedelta(hours=1))

    phone_page.goto(f"/calendar/{tree['C'].code}/?month={day:%Y-%m}")
    calendar = phone_page.locator("#calendar")
    expect(calendar.locator(f"#booking-{lecture.pk}-{day:%m%d}")).to_contain_text("家庭教育公益讲座")
    expect(calendar.locator(f"#booking-{lecture.pk}-{day:%m%d}")).to_contain_text(reading_room.name)
    expect(calendar.locator(f"#event-{cleaning.pk}-{day:%m%d}")).to_contain_text("东门社区环境清洁")
    expect(calendar.locator(f"#event-{visit.pk}-{month_start:%m%d}")).to_contain_text("敬老院探访")
    # Neither a booking kept private nor one still waiting, nor another center's event; no booker's name.
    for absent in (f"#booking-{private.pk}-{day:%m%d}", f"#booking-{waiting.pk}-{day:%m%d}"):
        expect(calendar.locator(absent)).to_have_count(0)
    expect(calendar.locator(f"#event-{elsewhere.pk}-{day:%m%d}")).to_have_count(0)
    content = phone_page.content()
    assert volunteer.real_name not in content and volunteer.user.phone not in content
    assert has_no_horizontal_scroll(phone_page)
    screenshot(phone_page, "activity-calendar")


def test_a_manager_reads_the_self_assessment_follows_an_indicator_to_its_records_and_downloads_the_pdf(
    new_page, tree, station_manager
):
    start = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=3)
    held = make_event(tree["S1"], title="理论宣讲进社区", starts_at=start, ends_at=start + datetime.timedelta(hours=2))
    period = f"{timezone.localtime(start):%Y-%m}"

    desk = new_page("desk")
    path = f"/reports/assessment/?unit={tree['S1'].pk}&period={period}"
    desk.goto(f"/login/?next={path.replace('&', '%26')}")
    log_in(desk, station_manager.phone, PASSWORD)
    desk.wait_for_url("**/reports/assessment/**")
    table = desk.locator("#assessment")
    expect(table.locator("tbody tr")).to_have_count(len(SPECS))
    # 活动留痕: the one event held this month, not documented yet: 0 of 1.
    documented = table.locator("tr", has=desk.locator('a[href*="/reports/assessment/documented-events/"]'))
    expect(documented.locator("td").nth(2)).to_have_text("0")
    expect(documented.locator("td").nth(3)).to_have_text("1")
    screenshot(desk, "self-assessment")

    documented.locator("a").first.click()
    desk.wait_for_url("**/reports/assessment/documented-events/**")
    records = desk.locator("#records tbody tr")
    expect(records).to_have_count(1)
    expect(records.first).to_contain_text(held.title)
    expect(records.first).to_contain_text(tree["S1"].name)

    desk.go_back()
    with desk.expect_download() as download:
        desk.click('a[href*="format=pdf"]')
    pdf = download.value
    assert pdf.suggested_filename.endswith(".pdf")
    with open(pdf.path(), "rb") as file:
        assert file.read(5) == b"%PDF-"
