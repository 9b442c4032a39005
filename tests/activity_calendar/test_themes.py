"""The 52 theme days and how their dates are found. Dates are of named years: no clock involved."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from events.themes import MAX_YEAR, MIN_YEAR, THEMES, theme_dates, themes_in, validate_theme

D = datetime.date


def test_there_are_52_theme_days_each_with_a_chinese_name():
    assert len(THEMES) == 52
    assert all(name and all("\u4e00" <= ch <= "\u9fff" for ch in name) for name in THEMES.values())
    assert len(set(THEMES.values())) == 52


@pytest.mark.parametrize(
    ("key", "day"),
    [
        # Lunar festivals (公历 dates published by the 紫金山天文台 calendar).
        ("spring_festival", D(2026, 2, 17)),
        ("new_years_eve", D(2026, 2, 16)),
        ("lantern_festival", D(2026, 3, 3)),
        ("dragon_boat", D(2026, 6, 19)),
        ("qixi", D(2026, 8, 19)),
        ("mid_autumn", D(2026, 9, 25)),
        ("double_ninth", D(2026, 10, 18)),
        # Nth weekdays.
        ("helping_disabled_day", D(2026, 5, 17)),
        ("mothers_day", D(2026, 5, 10)),
        ("school_safety_day", D(2026, 3, 30)),
        # Solar terms.
        ("qingming", D(2026, 4, 5)),
        ("harvest_festival", D(2026, 9, 23)),
        ("winter_solstice", D(2026, 12, 22)),
        # Fixed days.
        ("lei_feng_day", D(2026, 3, 5)),
        ("reading_day", D(2026, 4, 23)),
        ("national_security_day", D(2026, 4, 15)),
        ("martyrs_day", D(2026, 9, 30)),
        ("constitution_day", D(2026, 12, 4)),
        ("volunteer_day", D(2026, 12, 5)),
        ("national_memorial_day", D(2026, 12, 13)),
    ],
)
def test_the_known_dates_of_2026(key, day):
    assert theme_dates(2026)[key] == day


@pytest.mark.parametrize(
    ("key", "day"),
    [
        ("spring_festival", D(2025, 1, 29)),
        ("dragon_boat", D(2025, 5, 31)),
        ("mid_autumn", D(2025, 10, 6)),
        ("double_ninth", D(2025, 10, 29)),
        ("helping_disabled_day", D(2025, 5, 18)),
        ("qingming", D(2025, 4, 4)),
    ],
)
def test_the_known_dates_of_2025(key, day):
    assert theme_dates(2025)[key] == day


def test_every_theme_day_falls_once_a_year_from_2024_to_2030_save_laba_near_the_turn_of_the_year():
    for year in range(2024, 2031):
        dates = theme_dates(year)
        missing = set(THEMES) - set(dates)
        assert missing <= {"laba"}, (year, missing)
        assert all(day.year == year for day in dates.values())


def test_laba_falls_twice_in_2022_and_not_at_all_in_2023():
    laba_2022 = [day for day, key in themes_in(D(2022, 1, 1), D(2022, 12, 31)) if key == "laba"]
    assert laba_2022 == [D(2022, 1, 10), D(2022, 12, 30)]
    assert "laba" not in theme_dates(2023)
    assert theme_dates(2022)["laba"] == D(2022, 1, 10)


def test_themes_in_lists_the_days_of_a_period_in_order_both_ends_included():
    march = themes_in(D(2026, 3, 3), D(2026, 3, 12))
    assert march == [
        (D(2026, 3, 3), "lantern_festival"),
        (D(2026, 3, 5), "lei_feng_day"),
        (D(2026, 3, 8), "womens_day"),
        (D(2026, 3, 12), "arbor_day"),
    ]


def test_themes_in_crosses_a_year_end():
    keys = [key for _day, key in themes_in(D(2026, 12, 30), D(2027, 1, 2))]
    assert keys == ["new_year"]


def test_years_without_lunar_tables_are_refused_or_left_out():
    with pytest.raises(ValueError):
        theme_dates(MAX_YEAR + 1)
    with pytest.raises(ValueError):
        theme_dates(MIN_YEAR - 1)
    assert themes_in(D(2200, 1, 1), D(2200, 12, 31)) == []


def test_an_unknown_theme_key_is_refused():
    validate_theme("lei_feng_day")
    validate_theme("")
    with pytest.raises(ValidationError):
        validate_theme("christmas")
