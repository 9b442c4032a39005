"""Working days between two dates, on China's official calendar (调休 make-up days included).

Managers are expected to review service records within a number of *working* days;
a weekend or the National Day week does not count against them.
"""

import datetime
import logging

import chinese_calendar

logger = logging.getLogger(__name__)

# The fallback is logged once per process: it is asked for in loops over many days.
_fallback_logged = False


def schedule_years() -> range:
    """The years whose State Council holiday schedule the installed chinesecalendar knows."""
    days = chinese_calendar.holidays.keys()
    return range(min(days).year, max(days).year + 1)


def is_working_day(day: datetime.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # The package ships each year's State Council schedule once it is published
        # (about November of the year before); beyond it, plain Monday-to-Friday.
        _log_fallback(day.year)
        return day.weekday() < 5


def _log_fallback(year: int) -> None:
    global _fallback_logged
    if _fallback_logged:
        return
    _fallback_logged = True
    logger.warning(
        "chinesecalendar %s has no holiday schedule for %d: working days there are counted Monday to Friday "
        "until the package is updated (docs/operations.md, Holiday schedule)",
        chinese_calendar.__version__,
        year,
    )


def missing_schedule_year(today: datetime.date) -> int | None:
    """The year whose holiday schedule is missing and already needed, or None.

    This year's, or in December the next one's: deadlines counted in December run
    into January, and the schedule is usually published in November.
    """
    known = schedule_years()
    if today.year not in known:
        return today.year
    if today.month == 12 and today.year + 1 not in known:
        return today.year + 1
    return None


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
