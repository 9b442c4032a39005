import datetime

import pytest
from django.utils import timezone

from volunteers.models import Volunteer, age_on


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        ("2010-06-15", "2024-06-14", 13),
        ("2010-06-15", "2024-06-15", 14),
        ("2008-02-29", "2026-02-28", 17),  # a leap-day birthday arrives on 1 March
        ("2008-02-29", "2026-03-01", 18),
        ("2008-02-29", "2028-02-29", 20),
        ("2020-01-01", "2019-12-31", 0),  # before birth: never negative
    ],
)
def test_age_counts_whole_years(birth: str, day: str, age: int) -> None:
    assert age_on(datetime.date.fromisoformat(birth), datetime.date.fromisoformat(day)) == age


def test_a_volunteer_knows_their_age_on_an_event_day() -> None:
    volunteer = Volunteer(birth_date=datetime.date(2010, 6, 15))
    assert volunteer.age_on(datetime.date(2024, 6, 14)) == 13
    assert volunteer.age_on(datetime.date(2028, 6, 15)) == 18


def years_ago(years: int, days: int = 0) -> datetime.date:
    """The date ``years`` before today (28 February for a leap day), shifted by ``days``."""
    today = timezone.localdate()
    return today.replace(year=today.year - years, day=min(today.day, 28)) + datetime.timedelta(days=days)


def test_under_eighteen_is_a_minor_and_under_fourteen_needs_a_guardian() -> None:
    thirteen = Volunteer(birth_date=years_ago(14, days=+5))
    seventeen = Volunteer(birth_date=years_ago(17, days=-5))
    adult = Volunteer(birth_date=years_ago(18, days=-5))
    assert thirteen.is_minor and thirteen.needs_guardian
    assert seventeen.is_minor and not seventeen.needs_guardian
    assert not adult.is_minor and not adult.needs_guardian
