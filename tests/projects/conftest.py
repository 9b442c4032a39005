"""Brand projects: a project of station S1 with events, records, evaluations, photos and orders.

The clock is frozen at NOW (12:00 on 10 December 2026, Shanghai) by the autouse ``frozen``
fixture: "held" events are those that ended before it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from events.models import (
    ActivityPhoto,
    ActivityRecord,
    Evaluation,
    Event,
    EventStatus,
    Method,
    Project,
    ServiceCategory,
    ServiceRecord,
)
from orders.models import MenuCategory, MenuItem, Order, Rating
from tests.conftest import make_volunteer
from volunteers.models import Team

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 12, 10, 12, 0, tzinfo=SHANGHAI)


def local(day: int, hour: int, month: int = 12) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def make_project(unit, name: str = "邻里守望", **fields) -> Project:
    values = {"lead_unit": unit, "name": name, "summary": "邻里互助", "starts_on": datetime.date(2026, 1, 1)}
    values.update(fields)
    return Project.objects.create(**values)


def make_event(unit, *, day: int, month: int = 12, hours: int = 2, **fields) -> Event:
    values = {
        "unit": unit,
        "title": "社区环境清洁",
        "category": ServiceCategory.ENVIRONMENT,
        "address": "东门社区广场",
        "starts_at": local(day, 9, month),
        "ends_at": local(day, 9 + hours, month),
        "status": EventStatus.PUBLISHED,
        "signup_required": False,
    }
    values.update(fields)
    return Event.objects.create(**values)


def make_record(event, volunteer, status: str, hours: str) -> ServiceRecord:
    return ServiceRecord.objects.create(
        event=event,
        volunteer=volunteer,
        checked_in_at=event.starts_at,
        checked_out_at=event.ends_at,
        method=Method.MANUAL,
        status=status,
        credited_hours=Decimal(hours),
    )


def evaluate(record: ServiceRecord, grade: int) -> Evaluation:
    return Evaluation.objects.create(
        volunteer=record.volunteer,
        unit=record.event.unit,
        record=record,
        evaluated_on=record.event.starts_at.date(),
        grade=grade,
        comment="认真负责",
    )


def document(event, people_served: int | None, photos: int = 0) -> ActivityRecord:
    record = ActivityRecord.objects.create(event=event, summary="清扫了广场", people_served=people_served)
    for n in range(photos):
        ActivityPhoto.objects.create(record=record, image=f"p{event.pk}-{n}.jpg", thumbnail=f"t{event.pk}-{n}.jpg")
    return record


def make_order(station, resident, state: str, *, project=None, completed: datetime.datetime | None = None) -> Order:
    category = MenuCategory.objects.get_or_create(center=station.parent.parent, name="助老助残")[0]
    item = MenuItem.objects.get_or_create(category=category, unit=category.center, name="上门理发")[0]
    return Order.objects.create(
        item=item,
        resident=resident,
        contact_name="张桂兰",
        contact_phone="13612345678",
        address="东门社区 3 栋",
        station=station,
        handling_unit=station,
        state=state,
        team=Team.objects.get_or_create(name="理发队", unit=station)[0],
        project=project,
        completed_at=completed,
    )


def rate(order: Order, response: int, attitude: int, result: int) -> Rating:
    return Rating.objects.create(order=order, response=response, attitude=attitude, result=result)


@pytest.fixture
def project(tree) -> Project:
    return make_project(tree["S1"])


@pytest.fixture
def people(tree) -> dict:
    return {name: make_volunteer(tree["S1"], name) for name in ("甲", "乙", "丙", "丁")}


__all__ = ["NOW", "SHANGHAI", "document", "evaluate", "local", "make_event", "make_order", "make_project"]
