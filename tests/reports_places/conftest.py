"""Venues and brand projects in the reports: November 2026 in the tree of tests/conftest.py.

The clock is frozen at 5 December 2026, 12:00 Asia/Shanghai (``clock``), and every
fixture here builds its dates on fixed days of November, so the ``places`` fixture
freezes the clock itself.

| venue            | unit | bookings starting in November (Shanghai)                                    |
| ---------------- | ---- | --------------------------------------------------------------------------- |
| 东门文化礼堂       | S1   | approved 11-01 00:00 (1.5 h), 11-15 09:00 event 重阳敬老 (2 h), 11-30 22:30 (1 h); |
|                  |      | pending, refused, cancelled ones; approved 10-31 23:00 and 12-01 00:00 (outside) |
| 东门球场          | S1   | none                                                                        |
| 西湖书屋          | S2   | approved 11-20 14:00 for a team (2 h)                                       |
| 远方礼堂          | S4   | approved 11-20 (another center)                                             |

Brand projects: 邻里守望 (S1, from September, no end) with one November event (two
volunteers, 2 h each, 30 people served) and one October event; 夏日课堂 (S2, summer,
over before November); 远方项目 (S4, another center).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from events.models import ActivityRecord, Event, EventStatus, Method, Project, RecordStatus, ServiceRecord
from tests.conftest import make_user, make_volunteer
from tests.venues.conftest import make_booking, make_venue
from venues.models import BookingStatus
from volunteers.models import Team

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOVEMBER = {"period": "month", "year": 2026, "month": 11}


def local(day: str, hour: int = 9, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour, minute), tzinfo=SHANGHAI)


@pytest.fixture
def clock():
    with time_machine.travel(local("2026-12-05", 12), tick=False) as traveller:
        yield traveller


def make_event(unit, day: str, title: str, **fields) -> Event:
    values = {
        "unit": unit,
        "title": title,
        "category": "other",
        "address": "广场",
        "starts_at": local(day),
        "ends_at": local(day, 11),
        "status": EventStatus.FINISHED,
        "signup_required": False,
    }
    return Event.objects.create(**{**values, **fields})


def serve(volunteer, event: Event, hours: str, status: str = RecordStatus.APPROVED) -> ServiceRecord:
    return ServiceRecord.objects.create(
        event=event,
        volunteer=volunteer,
        checked_in_at=event.starts_at,
        checked_out_at=event.starts_at + datetime.timedelta(hours=float(hours)),
        method=Method.EVENT_QR,
        status=status,
        credited_hours=Decimal(hours),
    )


def book(venue, booker, start: datetime.datetime, hours: float, status=BookingStatus.APPROVED, **fields):
    return make_booking(venue, booker, starts_at=start, hours=hours, status=status, **fields)


@pytest.fixture
def places(tree, clock, django_user_model):
    resident = make_user(django_user_model, "陈静")
    officer = make_user(django_user_model, "周站长")
    hall = make_venue(tree["S1"], name="东门文化礼堂", kind="hall", capacity=120)
    court = make_venue(tree["S1"], name="东门球场", kind="court", capacity=40)
    room = make_venue(tree["S2"], name="西湖书屋", capacity=20)
    far = make_venue(tree["S4"], name="远方礼堂", capacity=80)
    team = Team.objects.create(name="西湖读书队", unit=tree["S2"])
    bookings = {
        "first": book(hall, resident, local("2026-11-01", 0), 1.5, purpose="晨练", attendees=12),
        "event": book(hall, officer, local("2026-11-15", 9), 2, purpose="重阳敬老", attendees=60),
        "last": book(hall, resident, local("2026-11-30", 22, 30), 1, purpose="合唱排练", attendees=25),
        "room": book(room, resident, local("2026-11-20", 14), 2, purpose="读书会", attendees=15, team=team),
        "before": book(hall, resident, local("2026-10-31", 23), 0.5, purpose="十月夜场"),
        "after": book(hall, resident, local("2026-12-01", 0), 1, purpose="十二月晨练"),
        "pending": book(hall, resident, local("2026-11-10"), 1, BookingStatus.PENDING, purpose="待批讲座"),
        "refused": book(hall, resident, local("2026-11-11"), 1, BookingStatus.REFUSED, purpose="被拒排练"),
        "cancelled": book(hall, resident, local("2026-11-12"), 1, BookingStatus.CANCELLED, purpose="取消的聚会"),
        "far": book(far, resident, local("2026-11-20"), 2, purpose="远方活动"),
    }
    make_event(
        tree["S1"],
        "2026-11-15",
        "重阳敬老",
        venue=hall,
        venue_booking=bookings["event"],
    )
    people = [make_volunteer(tree["S1"], name) for name in ("赵一", "钱二")]
    watch = Project.objects.create(lead_unit=tree["S1"], name="邻里守望", starts_on=datetime.date(2026, 9, 1))
    watch.teams.add(Team.objects.create(name="东门守望队", unit=tree["S1"]))
    november = make_event(tree["S1"], "2026-11-08", "守望巡访", project=watch)
    for person in people:
        serve(person, november, "2.00")
    ActivityRecord.objects.create(event=november, summary="巡访独居老人。", people_served=30)
    october = make_event(tree["S1"], "2026-10-08", "十月巡访", project=watch)
    serve(people[0], october, "3.00")
    summer = Project.objects.create(
        lead_unit=tree["S2"],
        name="夏日课堂",
        starts_on=datetime.date(2026, 6, 1),
        ends_on=datetime.date(2026, 8, 31),
    )
    make_event(tree["S2"], "2026-07-08", "夏日一课", project=summer)
    far_project = Project.objects.create(lead_unit=tree["S4"], name="远方项目", starts_on=datetime.date(2026, 1, 1))
    make_event(tree["S4"], "2026-11-09", "远方巡访", project=far_project)
    return {
        "resident": resident,
        "officer": officer,
        "venues": {"hall": hall, "court": court, "room": room, "far": far},
        "bookings": bookings,
        "projects": {"watch": watch, "summer": summer, "far": far_project},
        "people": people,
    }
