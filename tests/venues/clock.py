"""A fixed week for the venue tests: the clock stands on Wednesday 2026-12-02, 09:00 in Asia/Shanghai.

Tests that use ``clock`` (or a fixture built on it) never read the real date.
"""

import datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI)  # a Wednesday
THURSDAY = datetime.date(2026, 12, 3)
SATURDAY = datetime.date(2026, 12, 5)


def on(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SHANGHAI)
