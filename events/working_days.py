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
