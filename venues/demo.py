"""Demo venues (阵地) for `make run`: 东门社区's 农家书屋 and its 多功能厅, with opening hours, rules
and a drawn photo each, and bookings at each step — one waiting for the station manager, one
public lecture next week approved, one refused with its reason (run after load_demo and
load_demo_orders, whose volunteers, manager and resident book here).

Only venues, stations and accounts are read here (venues lies below events): the brand
projects, theme days and the event held at the hall are loaded by ``events.demo_places``.
"""

from __future__ import annotations

import datetime
import io
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from stations.models import PracticeUnit, UnitManager
from venues import services
from venues.models import Booking, BookingStatus, Venue, VenueKind, VenuePhoto

SHANGHAI = zoneinfo.ZoneInfo(settings.TIME_ZONE)
STATION_CODE = "DEMO-S1"
READING_ROOM = "东门社区农家书屋"
HALL = "东门社区多功能厅"
VOLUNTEER_PHONE, SECOND_VOLUNTEER_PHONE = "13700000000", "13700000001"
RESIDENT_PHONE = "13600000001"

VENUES = {
    READING_ROOM: {
        "kind": VenueKind.READING_ROOM,
        "address": "东门社区党群服务中心二楼",
        "description": (
            "藏书三千余册，订有报刊二十种，设儿童阅读角。\n"
            "使用须知：室内保持安静，请勿饮食；借阅图书请在前台登记；活动结束后请将桌椅复位、关灯关窗。"
        ),
        "facilities": "书架、阅览桌 8 张、投影仪、空调、无线网络",
        "capacity": 30,
        # Closed on Mondays (the librarian's day off).
        "open_weekdays": "234567",
        "opens_at": datetime.time(9),
        "closes_at": datetime.time(20),
        "approval_required": True,
        "max_booking_minutes": 180,
        "bookings_per_month": 4,
        "advance_days": 14,
    },
    HALL: {
        "kind": VenueKind.HALL,
        "address": "东门社区党群服务中心一楼",
        "description": (
            "可容纳 120 人，适合宣讲、讲座、文艺排练和居民议事会。\n"
            "使用须知：优先安排公益活动；禁止吸烟和明火；音响设备由管理员开启；使用后请清理场地。"
        ),
        "facilities": "舞台、音响、话筒 4 支、投影仪、折叠椅 120 把、空调",
        "capacity": 120,
        "open_weekdays": "1234567",
        "opens_at": datetime.time(8, 30),
        "closes_at": datetime.time(21),
        "approval_required": True,
        "max_booking_minutes": 240,
        "bookings_per_month": 2,
        "advance_days": 30,
    },
}


@dataclass
class DemoBooking:
    venue: str
    phone: str
    fallback_phone: str  # who books it where the resident of load_demo_orders is missing
    purpose: str
    days_ahead: int
    start: datetime.time
    hours: int
    attendees: int
    is_public: bool
    decision: str  # "", "approve" or "refuse"
    reason: str = ""


BOOKINGS = [
    DemoBooking(
        venue=READING_ROOM,
        phone=VOLUNTEER_PHONE,
        fallback_phone=VOLUNTEER_PHONE,
        purpose="亲子读书分享会",
        days_ahead=2,
        start=datetime.time(14),
        hours=2,
        attendees=12,
        is_public=False,
        decision="",
    ),
    DemoBooking(
        venue=HALL,
        phone=SECOND_VOLUNTEER_PHONE,
        fallback_phone=SECOND_VOLUNTEER_PHONE,
        purpose="家庭教育公益讲座",
        days_ahead=7,
        start=datetime.time(19),
        hours=2,
        attendees=80,
        is_public=True,
        decision="approve",
    ),
    DemoBooking(
        venue=HALL,
        phone=RESIDENT_PHONE,
        fallback_phone="13700000002",
        purpose="广场舞队排练",
        days_ahead=3,
        start=datetime.time(19),
        hours=2,
        attendees=25,
        is_public=False,
        decision="refuse",
        reason="当晚大厅已安排理论宣讲，请改约周末白天或到社区广场排练。",
    ),
]


def open_slot(
    venue: Venue, now: datetime.datetime, days_ahead: int, start: datetime.time, hours: int
) -> tuple[datetime.datetime, datetime.datetime]:
    """The first day from ``days_ahead`` days after ``now`` on which the venue is open, at ``start`` Shanghai time."""
    day = timezone.localtime(now, SHANGHAI).date() + datetime.timedelta(days=days_ahead)
    while str(day.isoweekday()) not in venue.open_weekdays:
        day += datetime.timedelta(days=1)
    starts_at = datetime.datetime.combine(day, start, tzinfo=SHANGHAI)
    return starts_at, starts_at + datetime.timedelta(hours=hours)


def _drawn_photo(kind: str) -> SimpleUploadedFile:
    """A drawn picture of the room (no people): shelves of books, or rows of chairs before a stage."""
    image = Image.new("RGB", (1200, 800), "#f5efe0")
    draw = ImageDraw.Draw(image)
    if kind == VenueKind.READING_ROOM:
        colours = ["#c0392b", "#2980b9", "#27ae60", "#f39c12", "#8e44ad", "#16a085"]
        for shelf in range(4):
            top = 120 + shelf * 150
            draw.rectangle([80, top + 110, 1120, top + 125], fill="#8d6e63")
            for book in range(40):
                x = 90 + book * 25
                draw.rectangle([x, top + 20 + (book * 7) % 25, x + 20, top + 110], fill=colours[book % len(colours)])
    else:
        draw.rectangle([0, 0, 1200, 260], fill="#b33939")
        draw.rectangle([200, 60, 1000, 220], fill="#fff8e7")
        for row in range(5):
            for seat in range(12):
                x, y = 110 + seat * 85, 330 + row * 90
                draw.rounded_rectangle([x, y, x + 60, y + 55], radius=8, fill="#34495e")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return SimpleUploadedFile(f"{kind}.jpg", out.getvalue(), content_type="image/jpeg")


def demo_venues() -> dict[str, Venue]:
    """The station's two venues, created if missing (their rules are left as a manager changed them)."""
    station = PracticeUnit.objects.get(code=STATION_CODE)
    venues = {}
    for name, fields in VENUES.items():
        venue, created = Venue.objects.get_or_create(unit=station, name=name, defaults=fields)
        if created:
            VenuePhoto.objects.create(venue=venue, image=_drawn_photo(venue.kind), caption=name)
        venues[name] = venue
    return venues


@transaction.atomic
def load_demo_venues(now: datetime.datetime | None = None) -> dict[str, int]:
    """Create the venues and the demo bookings if missing (safe to run again)."""
    now = now or timezone.now()
    venues = demo_venues()
    users = get_user_model().objects
    manager = UnitManager.objects.filter(unit__code=STATION_CODE).select_related("user").first()
    for demo in BOOKINGS:
        venue = venues[demo.venue]
        booker = users.filter(phone=demo.phone).first() or users.get(phone=demo.fallback_phone)
        if Booking.objects.filter(venue=venue, booker=booker, purpose=demo.purpose).exists():
            continue
        starts_at, ends_at = open_slot(venue, now, demo.days_ahead, demo.start, demo.hours)
        booking = services.book(
            venue,
            booker,
            starts_at=starts_at,
            ends_at=ends_at,
            purpose=demo.purpose,
            attendees=demo.attendees,
            is_public=demo.is_public,
            at=now,
        )
        if demo.decision and manager is not None:
            services.decide(booking, by=manager.user, approve=demo.decision == "approve", reason=demo.reason, at=now)
    return booking_counts(venues.values())


def booking_counts(venues: Iterable[Venue]) -> dict[str, int]:
    venues = list(venues)
    bookings = Booking.objects.filter(venue__in=venues)
    return {
        "venues": len(venues),
        "pending": bookings.filter(status=BookingStatus.PENDING).count(),
        "approved": bookings.filter(status=BookingStatus.APPROVED).count(),
        "refused": bookings.filter(status=BookingStatus.REFUSED).count(),
    }
