"""The traditional and commemorative days (节日, 纪念日) a center can mark as themes of its events.

Each theme has a stable key (stored on events and on a center's marked themes), a
Chinese name (a proper name, kept in Chinese in every language) and a rule that finds
its date in a given year:

- ``Fixed``: the same Gregorian month and day every year (学雷锋纪念日, 3月5日);
- ``Lunar``: a day of the Chinese lunar calendar (春节, 正月初一), converted by the
  ``lunardate`` package (tables for the lunar years 1900–2099);
- ``NthWeekday``: the n-th (or, with ``n=-1``, the last) weekday of a month
  (全国助残日, 5月第三个星期日);
- ``SolarTerm``: the day of one of the 24 solar terms, from ``chinese_calendar``
  (清明节; 中国农民丰收节 is 秋分, 国函〔2018〕80号).

Events carry at most one theme; the activity calendar filters by it and marks the
days a center chose.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Protocol

import chinese_calendar
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from lunardate import LunarDate

# The years whose every theme day can be found: lunardate's tables cover the lunar years
# 1900–2099 (a Gregorian year's January still belongs to the lunar year before).
MIN_YEAR = 1901
MAX_YEAR = 2099


class DateRule(Protocol):
    def dates_in(self, year: int) -> list[datetime.date]:
        """The theme's dates that fall in the Gregorian ``year``, earliest first (usually one)."""
        ...


@dataclass(frozen=True)
class Fixed:
    month: int
    day: int

    def dates_in(self, year: int) -> list[datetime.date]:
        return [datetime.date(year, self.month, self.day)]


@dataclass(frozen=True)
class Lunar:
    month: int
    day: int
    # Days added to the lunar date: 除夕 is the day before 正月初一, whether the twelfth
    # month has 29 or 30 days.
    offset: int = 0

    def dates_in(self, year: int) -> list[datetime.date]:
        # A lunar year starts between 21 January and 20 February, so a Gregorian year holds
        # the end of the lunar year before and most of its own: 腊八 (腊月初八) falls in early
        # January some years, at the very end of December others, and in 2022 on both.
        found: list[datetime.date] = []
        for lunar_year in (year - 1, year):
            try:
                day = LunarDate(lunar_year, self.month, self.day).to_solar_date()
            except ValueError:  # outside lunardate's tables
                continue
            day += datetime.timedelta(days=self.offset)
            if day.year == year:
                found.append(day)
        return found


@dataclass(frozen=True)
class NthWeekday:
    month: int
    # 0 = Monday … 6 = Sunday, as datetime.date.weekday().
    weekday: int
    # 1 = the first, 3 = the third, -1 = the last of the month.
    n: int

    def dates_in(self, year: int) -> list[datetime.date]:
        if self.n > 0:
            first = datetime.date(year, self.month, 1)
            day = first + datetime.timedelta(days=(self.weekday - first.weekday()) % 7 + 7 * (self.n - 1))
        else:
            next_month = datetime.date(year + self.month // 12, self.month % 12 + 1, 1)
            last = next_month - datetime.timedelta(days=1)
            day = last - datetime.timedelta(days=(last.weekday() - self.weekday) % 7)
        return [day]


@dataclass(frozen=True)
class SolarTerm:
    # The term's Chinese name as chinese_calendar spells it, and the month it falls in.
    name: str
    month: int

    def dates_in(self, year: int) -> list[datetime.date]:
        start = datetime.date(year, self.month, 1)
        end = datetime.date(year + self.month // 12, self.month % 12 + 1, 1) - datetime.timedelta(days=1)
        return [day for day, term in chinese_calendar.get_solar_terms(start, end) if term == self.name]


@dataclass(frozen=True)
class Theme:
    key: str
    name: str
    rule: DateRule


SUNDAY, MONDAY, SATURDAY = 6, 0, 5

# Days observed in the country's civilization practice: the traditional festivals (我们的节日),
# the Party's and the nation's anniversaries, the statutory commemorative days, and the
# international and national days that volunteer services campaign on. The order is the year's.
_THEMES: list[Theme] = [
    Theme("new_year", "元旦", Fixed(1, 1)),
    Theme("police_day", "中国人民警察节", Fixed(1, 10)),
    Theme("laba", "腊八节", Lunar(12, 8)),
    Theme("little_new_year", "小年", Lunar(12, 23)),
    Theme("new_years_eve", "除夕", Lunar(1, 1, offset=-1)),
    Theme("spring_festival", "春节", Lunar(1, 1)),
    Theme("lantern_festival", "元宵节", Lunar(1, 15)),
    Theme("dragon_head", "龙抬头", Lunar(2, 2)),
    Theme("lei_feng_day", "学雷锋纪念日", Fixed(3, 5)),
    Theme("womens_day", "国际劳动妇女节", Fixed(3, 8)),
    Theme("arbor_day", "植树节", Fixed(3, 12)),
    Theme("consumer_rights_day", "国际消费者权益日", Fixed(3, 15)),
    Theme("water_day", "世界水日", Fixed(3, 22)),
    # 全国中小学生安全教育日: the last Monday of March (国家教委等, 1996).
    Theme("school_safety_day", "全国中小学生安全教育日", NthWeekday(3, MONDAY, -1)),
    Theme("qingming", "清明节", SolarTerm("清明", 4)),
    Theme("health_day", "世界卫生日", Fixed(4, 7)),
    Theme("national_security_day", "全民国家安全教育日", Fixed(4, 15)),
    Theme("reading_day", "世界读书日", Fixed(4, 23)),
    Theme("labour_day", "国际劳动节", Fixed(5, 1)),
    Theme("youth_day", "五四青年节", Fixed(5, 4)),
    Theme("mothers_day", "母亲节", NthWeekday(5, SUNDAY, 2)),
    Theme("disaster_prevention_day", "全国防灾减灾日", Fixed(5, 12)),
    # 全国助残日: the third Sunday of May (中华人民共和国残疾人保障法 art. 14).
    Theme("helping_disabled_day", "全国助残日", NthWeekday(5, SUNDAY, 3)),
    Theme("no_tobacco_day", "世界无烟日", Fixed(5, 31)),
    Theme("childrens_day", "国际儿童节", Fixed(6, 1)),
    Theme("environment_day", "世界环境日", Fixed(6, 5)),
    # 文化和自然遗产日: the second Saturday of June (国发〔2005〕42号, renamed 2016).
    Theme("heritage_day", "文化和自然遗产日", NthWeekday(6, SATURDAY, 2)),
    Theme("dragon_boat", "端午节", Lunar(5, 5)),
    Theme("anti_drug_day", "国际禁毒日", Fixed(6, 26)),
    Theme("party_day", "建党节", Fixed(7, 1)),
    Theme("army_day", "建军节", Fixed(8, 1)),
    Theme("qixi", "七夕节", Lunar(7, 7)),
    Theme("fitness_day", "全民健身日", Fixed(8, 8)),
    Theme("ecology_day", "全国生态日", Fixed(8, 15)),
    Theme("victory_day", "中国人民抗日战争胜利纪念日", Fixed(9, 3)),
    Theme("teachers_day", "教师节", Fixed(9, 10)),
    # 全国科普日: held on the third weekend of September (中国科协, since 2005); its Saturday.
    Theme("science_day", "全国科普日", NthWeekday(9, SATURDAY, 3)),
    Theme("mid_autumn", "中秋节", Lunar(8, 15)),
    Theme("harvest_festival", "中国农民丰收节", SolarTerm("秋分", 9)),
    Theme("martyrs_day", "烈士纪念日", Fixed(9, 30)),
    Theme("national_day", "国庆节", Fixed(10, 1)),
    # 重阳节 is also the statutory 老年节 (老年人权益保障法 art. 12).
    Theme("double_ninth", "重阳节", Lunar(9, 9)),
    Theme("food_day", "世界粮食日", Fixed(10, 16)),
    Theme("poverty_relief_day", "国家扶贫日", Fixed(10, 17)),
    Theme("fire_safety_day", "全国消防日", Fixed(11, 9)),
    Theme("aids_day", "世界艾滋病日", Fixed(12, 1)),
    Theme("traffic_safety_day", "全国交通安全日", Fixed(12, 2)),
    Theme("disabled_persons_day", "国际残疾人日", Fixed(12, 3)),
    Theme("constitution_day", "国家宪法日", Fixed(12, 4)),
    Theme("volunteer_day", "国际志愿者日", Fixed(12, 5)),
    Theme("national_memorial_day", "南京大屠杀死难者国家公祭日", Fixed(12, 13)),
    Theme("winter_solstice", "冬至", SolarTerm("冬至", 12)),
]

THEME_RULES: dict[str, Theme] = {theme.key: theme for theme in _THEMES}

# key -> name, in the year's order.
THEMES: dict[str, str] = {theme.key: theme.name for theme in _THEMES}
_ORDER = {key: index for index, key in enumerate(THEMES)}


def validate_theme(key: str) -> None:
    if key and key not in THEMES:
        raise ValidationError(_("There is no such theme day."), code="unknown_theme")


def theme_dates(year: int) -> dict[str, datetime.date]:
    """Each theme's date in the Gregorian ``year`` (MIN_YEAR–MAX_YEAR), by key.

    A lunar day near the year's turn may fall twice in one Gregorian year (腊八 on 10 January
    and 30 December 2022) or not at all (none in 2023): the earlier one is given, and a
    year without it has no entry. ``themes_in`` lists every occurrence.
    """
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"theme days are known for {MIN_YEAR}–{MAX_YEAR}, not {year}")
    found = {}
    for theme in _THEMES:
        dates = theme.rule.dates_in(year)
        if dates:
            found[theme.key] = dates[0]
    return found


def themes_in(start: datetime.date, end: datetime.date) -> list[tuple[datetime.date, str]]:
    """Every theme day from ``start`` to ``end`` (both included) as (date, key), by date.

    Years outside MIN_YEAR–MAX_YEAR contribute nothing (their lunar dates are unknown).
    """
    found: list[tuple[datetime.date, str]] = []
    for year in range(max(start.year, MIN_YEAR), min(end.year, MAX_YEAR) + 1):
        for theme in _THEMES:
            found.extend((day, theme.key) for day in theme.rule.dates_in(year) if start <= day <= end)
    found.sort(key=lambda item: (item[0], _ORDER[item[1]]))
    return found
