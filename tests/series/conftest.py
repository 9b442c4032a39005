"""Series tests run with the clock frozen at NOW (2026-09-01 08:00 Shanghai, a Tuesday) unless they move it."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from events.models import ServiceCategory
from events.series import create_series

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 9, 1, 8, 0, tzinfo=SHANGHAI)


def local(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def make_series(unit, *, now=NOW, **fields):
    values = {
        "unit": unit,
        "title": "周六助老探访",
        "category": ServiceCategory.ELDERLY_DISABLED,
        "address": "东门社区养老驿站",
        "starts_on": datetime.date(2026, 9, 5),
        "start_time": datetime.time(9, 0),
        "duration_minutes": 120,
        "rule": "FREQ=WEEKLY;BYDAY=SA",
        "signup_required": True,
    }
    values.update(fields)
    series, _generated = create_series(now=now, **values)
    return series


@pytest.fixture
def weekly(tree, clock):
    """Every Saturday 09:00-11:00 from 2026-09-05, at S1."""
    return make_series(tree["S1"])
