"""The activity calendar's tests stand on Wednesday 2026-03-04, 10:00 in Asia/Shanghai (``clock``).

March 2026 holds 元宵节 (3 March), 学雷锋纪念日 (5 March), 植树节 (12 March) and 龙抬头 (20 March).
Every fixture that makes events or bookings on fixed days uses ``clock`` itself, so no test reads
the real date.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from events.models import EventStatus, MarkedTheme, ServiceCategory
from tests.events.conftest import make_event
from tests.venues.conftest import make_booking, make_venue
from venues.models import BookingStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 3, 4, 10, 0, tzinfo=SHANGHAI)


def on(month: int, day: int, hour: int = 9, minute: int = 0, *, year: int = 2026) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def event_on(unit, starts_at: datetime.datetime, hours: int = 2, **fields):
    return make_event(unit, starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=hours), **fields)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def booker(tree):
    from tests.conftest import make_volunteer

    return make_volunteer(tree["S1"], "赵预约", phone="15912345678").user


@pytest.fixture
def reading_room(tree, clock):
    return make_venue(tree["S1"], name="东门农家书屋", address="东门社区二楼")


@pytest.fixture
def march(tree, clock, reading_room, booker):
    """What the public may and may not see in March 2026 under center C."""
    return {
        "cleanup": event_on(tree["S1"], on(3, 5), title="学雷锋清洁行动", theme="lei_feng_day"),
        "trees": event_on(tree["S2"], on(3, 12), title="植树护绿", theme="arbor_day"),
        "lecture": event_on(tree["S3"], on(3, 18), title="理论宣讲进社区", category=ServiceCategory.THEORY),
        "draft": event_on(tree["S1"], on(3, 6), title="草稿活动", status=EventStatus.DRAFT),
        "cancelled": event_on(tree["S1"], on(3, 7), title="取消的活动", status=EventStatus.CANCELLED),
        "far": event_on(tree["S4"], on(3, 9), title="别的中心的活动"),
        "april": event_on(tree["S1"], on(4, 2), title="四月活动"),
        "reading": make_booking(reading_room, booker, starts_at=on(3, 10, 14), purpose="亲子读书会", is_public=True),
        "private": make_booking(reading_room, booker, starts_at=on(3, 11, 14), purpose="私人会议"),
        "pending": make_booking(
            reading_room,
            booker,
            starts_at=on(3, 13, 14),
            purpose="待批读书会",
            is_public=True,
            status=BookingStatus.PENDING,
        ),
    }


@pytest.fixture
def marked(tree):
    """Center C marks 学雷锋纪念日 and 植树节; C2 marks 元宵节."""
    for key in ("lei_feng_day", "arbor_day"):
        MarkedTheme.objects.create(center=tree["C"], theme=key)
    MarkedTheme.objects.create(center=tree["C2"], theme="lantern_festival")
