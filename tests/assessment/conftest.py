"""A small world for the self-assessment, October 2026, in the tree of tests/conftest.py.

The clock is frozen at Thursday 2026-10-22 10:00 Asia/Shanghai (fixture ``clock``): every date
below is fixed relative to it. National Day runs 1-7 October, Saturday 10 October is a working day.

| station (population) | volunteers            | October events (documented)  | approved hours                        |
| -------------------- | --------------------- | ---------------------------- | ------------------------------------- |
| S1 (10)              | li (Party), liu       | clean-up (yes), lecture (no) | li 3 + 3, liu 1                       |
| S2 (50)              | wang                  | concert (no)                 | wang 2 in September                   |
| S3 (unknown)         | —                     | —                            | —                                     |
| S4 (other center)    | zhao                  | far away                     | zhao 4                                |

C states a population of 20 and 4 Party members. liu's record of 1 September is still open
(overdue). S1 has a reading room booked (approved) for 2 hours on 15 October, S2 a hall never
used. Brand projects: S1's "邻里守望" (since 2022, the clean-up belongs to it) and I1's "书香"
(no event). One training at S1 on 9 October. Orders (item of C): S1 completed 8 October and
rated 5/5/4 on 9 October; S1 submitted 20 October, due 21 October (overdue); S2 cancelled.
"""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from events.models import (
    ActivityPhoto,
    ActivityRecord,
    Event,
    EventStatus,
    Method,
    Project,
    RecordStatus,
    ServiceRecord,
)
from orders.models import MenuCategory, MenuItem, Order, OrderState, Rating
from tests.conftest import make_user, make_volunteer
from venues.models import Booking, BookingStatus, Venue
from volunteers.models import PoliticalStatus, Team, Training

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(day: str, hour: int = 9) -> datetime.datetime:
    return datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour), tzinfo=SHANGHAI)


@pytest.fixture
def clock():
    with time_machine.travel(local("2026-10-22", 10), tick=False) as traveller:
        yield traveller


def make_event(unit, day: str, title: str = "活动", **fields) -> Event:
    return Event.objects.create(
        unit=unit,
        title=title,
        category="other",
        address="广场",
        starts_at=local(day),
        ends_at=local(day, 12),
        status=EventStatus.FINISHED,
        signup_required=False,
        **fields,
    )


def document(event: Event, photos: int = 3) -> None:
    record = ActivityRecord.objects.create(event=event, summary="清扫街巷，发放宣传册。", people_served=40)
    for n in range(photos):
        ActivityPhoto.objects.create(record=record, image=f"activity-photos/{n}.jpg", thumbnail=f"t/{n}.jpg")


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


@pytest.fixture
def world(tree, clock, settings, django_user_model):
    settings.ANNUAL_HOURS_TARGET = 5
    for code, population in (("C", 20), ("S1", 10), ("S2", 50)):
        tree[code].population = population
        tree[code].save(update_fields=["population"])
    tree["C"].party_members = 4
    tree["C"].save(update_fields=["party_members"])
    people = {
        "li": make_volunteer(tree["S1"], "李四"),
        "liu": make_volunteer(tree["S1"], "刘一"),
        "wang": make_volunteer(tree["S2"], "王五"),
        "zhao": make_volunteer(tree["S4"], "赵六"),
    }
    people["li"].political_status = PoliticalStatus.PARTY_MEMBER
    people["li"].save(update_fields=["political_status"])
    neighbours = Project.objects.create(lead_unit=tree["S1"], name="邻里守望", starts_on=datetime.date(2022, 1, 1))
    Project.objects.create(lead_unit=tree["I1"], name="书香", starts_on=datetime.date(2026, 3, 1))
    cleanup = make_event(tree["S1"], "2026-10-10", "清洁", project=neighbours)
    document(cleanup)
    lecture = make_event(tree["S1"], "2026-10-12", "宣讲")
    document(lecture, photos=2)  # one photo short: not documented
    concert = make_event(tree["S2"], "2026-10-15", "演出")
    september = make_event(tree["S2"], "2026-09-20", "九月")
    early = make_event(tree["S1"], "2026-09-01", "九月初")
    far = make_event(tree["S4"], "2026-10-11", "远方")
    serve(people["li"], cleanup, "3.00")
    serve(people["li"], lecture, "3.00")
    serve(people["liu"], cleanup, "1.00")
    serve(people["wang"], september, "2.00")
    serve(people["zhao"], far, "4.00")
    serve(people["liu"], early, "2.00", status=RecordStatus.OPEN)
    booker = make_user(django_user_model, "读书会")
    room = Venue.objects.create(unit=tree["S1"], name="东门农家书屋", kind="reading_room", capacity=30)
    Venue.objects.create(unit=tree["S2"], name="西街礼堂", kind="hall", capacity=100)
    Booking.objects.create(
        venue=room,
        booker=booker,
        purpose="读书会",
        starts_at=local("2026-10-15", 14),
        ends_at=local("2026-10-15", 16),
        status=BookingStatus.APPROVED,
    )
    Booking.objects.create(
        venue=room,
        booker=booker,
        purpose="被拒",
        starts_at=local("2026-10-16", 14),
        ends_at=local("2026-10-16", 16),
        status=BookingStatus.REFUSED,
    )
    Training.objects.create(
        unit=tree["S1"],
        name="急救培训",
        content="心肺复苏",
        hours=Decimal("2.0"),
        organiser="红十字会",
        held_on=datetime.date(2026, 10, 9),
    )
    category = MenuCategory.objects.create(center=tree["C"], name="助老助残")
    item = MenuItem.objects.create(category=category, unit=tree["C"], name="上门理发")
    resident = make_user(django_user_model, "居民")

    def order(station, state, ordered, **fields):
        return Order.objects.create(
            item=item,
            resident=resident,
            contact_name="张桂兰",
            contact_phone="13612345678",
            address="东门社区 3 栋",
            station=station,
            handling_unit=station,
            state=state,
            created_at=local(ordered),
            **fields,
        )

    team = Team.objects.create(name="理发队", unit=tree["S1"], leader=people["liu"])
    done = order(tree["S1"], OrderState.RATED, "2026-10-08", team=team, completed_at=local("2026-10-09", 8))
    Rating.objects.create(order=done, response=5, attitude=5, result=4, rated_at=local("2026-10-09", 18))
    order(tree["S1"], OrderState.SUBMITTED, "2026-10-20", due_on=datetime.date(2026, 10, 21))
    order(tree["S2"], OrderState.CANCELLED, "2026-10-09")
    # Records made directly bypass the upkeep: rebuild as after a bulk load.
    call_command("rebuild_rollups", verbosity=0)
    return {**people, "room": room, "cleanup": cleanup, "concert": concert}
