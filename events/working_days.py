"""Working days between two dates, on China's official calendar (调休 make-up days included).

Managers are expected to review service records within a number of *working* days;
a weekend or the National Day week does not count against them.
"""

import datetime

import chinese_calendar


def is_working_day(day: datetime.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # The package ships each year's State Council schedule once it is published
        # (about November of the year before); beyond it, plain Monday-to-Friday.
        return day.weekday() < 5


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
    days = 0
    day = start + datetime.timedelta(days=1)
    while day <= end:
        days += is_working_day(day)
        day += datetime.timedelta(days=1)
    return days


def latest_day_not_overdue(today: datetime.date, allowed: int) -> datetime.date:
    """The earliest day ``d`` with ``working_days_between(d, today) <= allowed``.

    Work dated before it has waited more than ``allowed`` working days by ``today``:
    a single date to filter rows by in the database.
    """
    day, counted = today, 0
    while True:
        # Stepping back past ``day`` brings it into the waiting time.
        counted += is_working_day(day)
        if counted > allowed:
            return day
        day -= datetime.timedelta(days=1)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The ``days``-th working day after ``start`` (a deadline counted in working days)."""
    day = start
    while days > 0:
        day += datetime.timedelta(days=1)
        days -= is_working_day(day)
    return day
