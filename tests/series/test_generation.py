"""Series rules and their occurrences; the clock is frozen at 2026-09-01 08:00 Shanghai (conftest.NOW)."""

import datetime

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from events.models import Event, EventStatus, SeriesStatus, ServiceRecord
from events.series import SeriesError, generate_occurrences, split_series, update_series, validate_rule
from events.services import cancel_event
from tests.series.conftest import NOW, SHANGHAI, local, make_series

pytestmark = pytest.mark.django_db


def starts(series) -> list[datetime.datetime]:
    return [e.starts_at.astimezone(SHANGHAI) for e in series.occurrences.order_by("starts_at")]


def test_every_saturday_morning_is_made_up_to_the_horizon(weekly, settings):
    occurrences = list(weekly.occurrences.order_by("starts_at"))
    # 8 weeks from 2026-09-01 08:00 reach 2026-10-27: the Saturdays 09-05 .. 10-24.
    assert starts(weekly) == [local(2026, 9, 5) + datetime.timedelta(weeks=n) for n in range(8)]
    first = occurrences[0]
    assert first.status == EventStatus.PUBLISHED
    assert first.ends_at - first.starts_at == datetime.timedelta(hours=2)
    assert first.title == "周六助老探访" and first.occurrence_start == first.starts_at
    assert not first.edited_by_hand


def test_first_sunday_of_each_month(tree, clock, settings):
    settings.SERIES_HORIZON_WEEKS = 20
    series = make_series(tree["S1"], rule="FREQ=MONTHLY;BYDAY=1SU", starts_on=datetime.date(2026, 9, 1))
    assert [s.date() for s in starts(series)] == [
        datetime.date(2026, 9, 6),
        datetime.date(2026, 10, 4),
        datetime.date(2026, 11, 1),
        datetime.date(2026, 12, 6),
        datetime.date(2027, 1, 3),
    ]


def test_weekdays_of_the_summer_holiday_until_its_end(tree, clock, settings):
    clock.move_to(local(2026, 6, 20, 8))
    settings.SERIES_HORIZON_WEEKS = 20
    series = make_series(
        tree["S1"],
        rule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20260831T235959",
        starts_on=datetime.date(2026, 7, 1),
        now=local(2026, 6, 20, 8),
    )
    days = [s.date() for s in starts(series)]
    assert days[0] == datetime.date(2026, 7, 1) and days[-1] == datetime.date(2026, 8, 31)
    assert len(days) == 44  # July 23 weekdays, August 21
    assert all(day.weekday() < 5 for day in days)
    assert all(s.hour == 9 for s in starts(series))


def test_official_holidays_are_skipped_but_plain_weekends_are_not(tree, clock):
    series = make_series(
        tree["S1"], rule="FREQ=DAILY", starts_on=datetime.date(2026, 9, 19), skip_official_holidays=True
    )
    days = {s.date() for s in starts(series)}
    # chinesecalendar 1.11: Mid-Autumn 2026-09-25 .. 09-27, National Day 2026-10-01 .. 10-07.
    holidays = [datetime.date(2026, 9, d) for d in (25, 26, 27)] + [datetime.date(2026, 10, d) for d in range(1, 8)]
    assert not days & set(holidays)
    assert {datetime.date(2026, 9, 19), datetime.date(2026, 9, 20), datetime.date(2026, 9, 28)} <= days
    assert datetime.date(2026, 10, 8) in days and datetime.date(2026, 10, 10) in days


def test_holidays_are_kept_unless_the_series_skips_them(tree, clock):
    series = make_series(tree["S1"], rule="FREQ=WEEKLY;BYDAY=SA", starts_on=datetime.date(2026, 9, 26))
    assert datetime.date(2026, 10, 3) in {s.date() for s in starts(series)}


def test_generated_three_times_each_occurrence_once(weekly):
    before = starts(weekly)
    generate_occurrences(now=NOW)
    generate_occurrences(weekly, now=NOW + datetime.timedelta(hours=1))
    call_command("generate_occurrences")
    assert starts(weekly) == before


def test_the_next_day_adds_the_week_that_came_into_the_horizon(weekly):
    made = generate_occurrences(now=NOW + datetime.timedelta(days=7))
    assert [e.starts_at for e in made.created] == [local(2026, 10, 31)]


def test_the_key_is_unique_in_the_database(weekly):
    first = weekly.occurrences.order_by("starts_at").first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.create(
            unit=weekly.unit,
            series=weekly,
            occurrence_start=first.occurrence_start,
            title="x",
            category=weekly.category,
            address="x",
            starts_at=first.starts_at,
            ends_at=first.ends_at,
        )


def test_a_cancelled_occurrence_is_not_made_again(weekly):
    first = weekly.occurrences.order_by("starts_at").first()
    cancel_event(first)
    made = generate_occurrences(now=NOW)
    assert made.created == []
    assert weekly.occurrences.filter(occurrence_start=first.occurrence_start).count() == 1
    assert weekly.occurrences.get(occurrence_start=first.occurrence_start).status == EventStatus.CANCELLED


def test_a_hand_edited_occurrence_keeps_its_edits(weekly):
    first = weekly.occurrences.order_by("starts_at").first()
    first.starts_at, first.ends_at = local(2026, 9, 5, 14), local(2026, 9, 5, 16)
    first.address = "东门社区活动室"
    first.save()
    first.refresh_from_db()
    assert first.edited_by_hand
    update_series(weekly, {"address": "西门社区养老驿站", "title": "周六探访"}, now=NOW)
    generate_occurrences(now=NOW)
    first.refresh_from_db()
    assert first.address == "东门社区活动室" and first.starts_at == local(2026, 9, 5, 14)
    assert first.title == "周六助老探访"
    assert weekly.occurrences.filter(occurrence_start=first.occurrence_start).count() == 1
    others = weekly.occurrences.exclude(pk=first.pk)
    assert set(others.values_list("address", flat=True)) == {"西门社区养老驿站"}


def test_saving_an_occurrence_unchanged_is_no_hand_edit(weekly):
    first = weekly.occurrences.order_by("starts_at").first()
    first.save()
    first.refresh_from_db()
    assert not first.edited_by_hand


def test_a_partial_save_records_the_hand_edit_too(weekly):
    first = weekly.occurrences.order_by("starts_at").first()
    first.lead_name = "王队长"
    first.save(update_fields=["lead_name"])
    first.refresh_from_db()
    assert first.edited_by_hand


def test_this_and_following_splits_the_series(weekly):
    occurrences = list(weekly.occurrences.order_by("starts_at"))
    edited = occurrences[5]
    edited.title = "国庆特别探访"
    edited.save()
    successor, _made = split_series(
        weekly, occurrences[3], {"start_time": datetime.time(14, 0), "title": "周六下午探访"}, now=NOW
    )
    weekly.refresh_from_db()
    assert weekly.status == SeriesStatus.ENDED
    assert "UNTIL=20260926T085959" in weekly.rule
    assert list(weekly.occurrences.order_by("starts_at")) == occurrences[:3]
    moved = list(successor.occurrences.order_by("occurrence_start"))
    assert [e.pk for e in moved[:5]] == [e.pk for e in occurrences[3:]]
    assert [e.occurrence_start.astimezone(SHANGHAI).hour for e in moved] == [14] * len(moved)
    untouched = [e for e in moved if e.pk != edited.pk]
    assert all(e.starts_at.astimezone(SHANGHAI).hour == 14 and e.title == "周六下午探访" for e in untouched)
    edited.refresh_from_db()
    assert edited.title == "国庆特别探访" and edited.starts_at == local(2026, 10, 10, 9)
    # The edited Saturday is still the one event of its day.
    assert successor.occurrences.filter(starts_at__date=datetime.date(2026, 10, 10)).count() == 1
    generate_occurrences(now=NOW)
    assert successor.occurrences.count() == len(moved)


def test_a_split_whose_rule_drops_a_date_cancels_that_occurrence(weekly):
    occurrences = list(weekly.occurrences.order_by("starts_at"))
    successor, _made = split_series(weekly, occurrences[4], {"rule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA"}, now=NOW)
    statuses = [e.status for e in successor.occurrences.order_by("starts_at")[:4]]
    assert statuses == [EventStatus.PUBLISHED, EventStatus.CANCELLED, EventStatus.PUBLISHED, EventStatus.CANCELLED]


def test_an_ended_series_makes_nothing(weekly):
    weekly.status = SeriesStatus.ENDED
    weekly.save()
    assert generate_occurrences(now=NOW + datetime.timedelta(days=30)).created == []


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        ("FREQ=SOMETIMES", "invalid_rule"),
        ("not a rule", "invalid_rule"),
        ("DTSTART:20260905T090000\nRRULE:FREQ=WEEKLY", "rule_has_start"),
        ("FREQ=HOURLY", "too_frequent"),
        ("FREQ=DAILY;BYHOUR=9,15", "too_frequent"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "no_occurrences"),
        ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31", "no_occurrences"),
        ("FREQ=WEEKLY;UNTIL=20260101T000000", "no_occurrences"),
    ],
)
def test_rules_a_series_cannot_have(rule, code):
    with pytest.raises(SeriesError) as refused:
        validate_rule(rule, datetime.date(2026, 9, 5), datetime.time(9), skip_holidays=False)
    assert refused.value.code == code


def test_a_rule_with_count_is_accepted_and_normalised():
    assert validate_rule(
        "rrule:freq=weekly;count=4", datetime.date(2026, 9, 5), datetime.time(9), skip_holidays=False
    ) == ("FREQ=WEEKLY;COUNT=4")


def test_a_rule_whose_occurrences_all_lie_in_the_past_is_refused():
    with pytest.raises(SeriesError) as refused:
        validate_rule(
            "FREQ=WEEKLY;UNTIL=20260301T000000",
            datetime.date(2026, 1, 3),
            datetime.time(9),
            skip_holidays=False,
            after=NOW,
        )
    assert refused.value.code == "no_occurrences"


def test_a_series_begun_long_ago_is_accepted_for_what_comes():
    rule = validate_rule("FREQ=WEEKLY", datetime.date(2020, 1, 4), datetime.time(9), skip_holidays=False, after=NOW)
    assert rule == "FREQ=WEEKLY"


def test_an_occurrence_with_records_keeps_what_it_had(weekly, volunteer):
    first = weekly.occurrences.order_by("starts_at").first()
    ServiceRecord.objects.create(event=first, volunteer=volunteer, checked_in_at=first.starts_at, method="manual")
    update_series(weekly, {"title": "周六探访"}, now=NOW)
    first.refresh_from_db()
    assert first.title == "周六助老探访" and not first.edited_by_hand


def test_a_series_moved_to_another_unit_takes_its_untouched_occurrences_along(weekly, tree):
    update_series(weekly, {"unit": tree["S2"]}, now=NOW)
    assert set(weekly.occurrences.values_list("unit", flat=True)) == {tree["S2"].pk}
