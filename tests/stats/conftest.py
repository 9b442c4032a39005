"""A small known data set for the statistics.

Approved hours (Shanghai dates, 2026), in the tree of tests/conftest.py:

| volunteer | home | event (unit, category, day)       | hours |
| --------- | ---- | --------------------------------- | ----- |
| li (S1)   | S1   | clean-up (S1, environment, 03-10)  | 2.00  |
| wang (S2) | S2   | clean-up (S1, environment, 03-10)  | 1.50  |
| li        | S1   | concert (S2, culture, 04-05)       | 3.00  |
| zhou (S3) | S3   | lecture (C, theory, 04-20)         | 4.00  |
| li        | S1   | lecture (C, theory, 04-20)         | 1.00  |
| zhao (S4) | S4   | far away (S4, environment, 04-05)  | 5.00  |
| wang      | S2   | concert (pending: never counted)   | 2.00  |
"""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from events.models import Event, EventStatus, Method, RecordStatus, ServiceCategory, ServiceRecord
from events.signals import hours_changed
from tests.conftest import make_volunteer

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(day: str, hour: int = 9, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour, minute), tzinfo=SHANGHAI)


def make_event(unit, title: str, category: str, starts_at: datetime.datetime) -> Event:
    return Event.objects.create(
        unit=unit,
        title=title,
        category=category,
        address="广场",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=8),
        status=EventStatus.FINISHED,
        signup_required=False,
    )


def record(volunteer, event, hours: str, *, at: datetime.datetime | None = None, status=RecordStatus.APPROVED):
    start = at or event.starts_at
    made = ServiceRecord.objects.create(
        event=event,
        volunteer=volunteer,
        checked_in_at=start,
        checked_out_at=start + datetime.timedelta(hours=float(hours)),
        method=Method.EVENT_QR,
        status=status,
        credited_hours=Decimal(hours),
    )
    # Made directly, as the workflows would have approved it: the statistics' rollups follow.
    hours_changed.send(sender=ServiceRecord, records=[made], before=[None])
    return made


@pytest.fixture
def people(tree):
    return {
        "li": make_volunteer(tree["S1"], "李四"),
        "wang": make_volunteer(tree["S2"], "王五"),
        "zhou": make_volunteer(tree["S3"], "周七"),
        "zhao": make_volunteer(tree["S4"], "赵六"),
    }


@pytest.fixture
def events(tree):
    return {
        "cleanup": make_event(tree["S1"], "清洁", ServiceCategory.ENVIRONMENT, local("2026-03-10")),
        "concert": make_event(tree["S2"], "演出", ServiceCategory.CULTURE, local("2026-04-05")),
        "lecture": make_event(tree["C"], "宣讲", ServiceCategory.THEORY, local("2026-04-20")),
        "far": make_event(tree["S4"], "远方", ServiceCategory.ENVIRONMENT, local("2026-04-05")),
    }


@pytest.fixture
def hours(people, events):
    p, e = people, events
    record(p["li"], e["cleanup"], "2.00")
    record(p["wang"], e["cleanup"], "1.50")
    record(p["li"], e["concert"], "3.00")
    record(p["zhou"], e["lecture"], "4.00")
    record(p["li"], e["lecture"], "1.00")
    record(p["zhao"], e["far"], "5.00")
    record(p["wang"], e["concert"], "2.00", status=RecordStatus.PENDING)
    return p
