"""What `make run` adds for issue 25 (load_demo_places, after the other demo commands): 东门社区's
农家书屋 and 多功能厅 with their rules, a booking waiting for the station manager, an approved
public lecture and a refused rehearsal, two brand projects with events, the center's theme days
and a lecture held at the hall — the same rows however often it runs. Dates are built from now by
the demo itself; nothing here depends on the day."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from events.models import Event, MarkedTheme, Project
from venues.models import Booking, BookingStatus, Venue, VenueKind

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo():
    for command in ("load_demo", "load_demo_orders", "load_demo_notifications"):
        run(command)


def snapshot() -> dict:
    return {
        "venues": sorted(Venue.objects.values_list("name", "kind", "open_weekdays", "opens_at", "closes_at")),
        "bookings": sorted(Booking.objects.values_list("venue__name", "booker__phone", "purpose", "status")),
        "projects": sorted(Project.objects.values_list("name", "lead_unit__code")),
        "events": sorted(Event.objects.exclude(project=None).values_list("title", "project__name")),
        "themes": sorted(MarkedTheme.objects.values_list("center__code", "theme")),
    }


def test_the_places_demo_runs_twice_and_leaves_the_same_rows(demo):
    first = run("load_demo_places")
    rows = snapshot()
    again = run("load_demo_places")
    assert first == again and "2 venues" in first
    assert snapshot() == rows


def test_a_first_visit_finds_a_reading_room_bookings_at_each_step_projects_and_the_hall_booked(demo):
    run("load_demo_places")
    room = Venue.objects.get(unit__code="DEMO-S1", kind=VenueKind.READING_ROOM)
    assert room.name == "东门社区农家书屋" and room.opens_at < room.closes_at and room.photos.exists()
    assert "使用须知" in room.description and room.approval_required

    waiting = Booking.objects.get(status=BookingStatus.PENDING)
    assert waiting.venue == room and waiting.booker.phone == "13700000000"
    lecture = Booking.objects.get(status=BookingStatus.APPROVED, purpose="家庭教育公益讲座")
    assert lecture.is_public and lecture.decided_by.phone == "13900000101"
    refused = Booking.objects.get(status=BookingStatus.REFUSED)
    assert refused.booker.phone == "13600000001" and refused.refuse_reason

    assert set(Project.objects.values_list("name", flat=True)) == {"小板凳宣讲", "邻里守望"}
    for project in Project.objects.all():
        assert project.events.exists() and project.teams.exists()
    assert 8 <= MarkedTheme.objects.filter(center__code="DEMO-C").count() <= 12

    held = Event.objects.get(title="小板凳宣讲：民法典与百姓生活")
    booking = held.venue_booking
    assert booking.venue == held.venue and booking.status == BookingStatus.APPROVED
    assert (booking.starts_at, booking.ends_at) == (held.starts_at, held.ends_at)
    # The rehearsal was refused for the evening of the lecture.
    assert refused.venue == held.venue and refused.starts_at.date() == held.starts_at.date()


def test_the_first_visit_after_make_run_finds_the_places_on_the_pages(demo, client):
    run("load_demo_places")
    waiting = Booking.objects.get(status=BookingStatus.PENDING)
    refused = Booking.objects.get(status=BookingStatus.REFUSED)
    lecture = Booking.objects.get(status=BookingStatus.APPROVED, purpose="家庭教育公益讲座")

    # Anyone: the reading room's page and the center's calendar with the public lecture.
    assert "东门社区农家书屋" in client.get("/venues/").content.decode()
    assert "使用须知" in client.get(f"/venues/{waiting.venue_id}/").content.decode()
    month = f"{timezone.localtime(lecture.starts_at):%Y-%m}"
    calendar = client.get(f"/calendar/DEMO-C/?month={month}").content.decode()
    assert f'id="booking-{lecture.pk}-' in calendar and "家庭教育公益讲座" in calendar
    # The lecture held at the hall is on its month's calendar once, as the event (its booking stays off).
    held = Event.objects.get(title="小板凳宣讲：民法典与百姓生活")
    month = f"{timezone.localtime(held.starts_at):%Y-%m}"
    calendar = client.get(f"/calendar/DEMO-C/?month={month}").content.decode()
    assert f'id="event-{held.pk}-' in calendar and calendar.count("民法典与百姓生活") == 1
    projects = client.get("/projects/").content.decode()
    assert "小板凳宣讲" in projects and "邻里守望" in projects

    # The resident reads why the rehearsal was refused.
    client.post("/login/", {"username": "13600000001", "password": "resident12345"})
    assert refused.refuse_reason in client.get("/venues/my-bookings/").content.decode()

    # The station's manager finds the reading-room booking waiting.
    client.post("/logout/")
    client.post("/login/", {"username": "13900000101", "password": "manager12345"})
    assert f'id="booking-{waiting.pk}"' in client.get("/venues/bookings/").content.decode()
