"""Pathological rules: refused quickly with a Chinese 400, never a hang. Clock frozen at conftest.NOW (2026-09-01)."""

import datetime
import time

import pytest

from events.models import EventSeries
from events.series import SeriesError, occurrence_starts, split_series, validate_rule
from tests.series.conftest import NOW, make_series
from tests.series.test_series_api import URL, payload

pytestmark = pytest.mark.django_db

FIRST = datetime.date(2026, 9, 5)


def _refused(rule, first=FIRST):
    started = time.monotonic()
    with pytest.raises(SeriesError) as refused:
        validate_rule(rule, first, datetime.time(9), skip_holidays=False, after=NOW)
    assert time.monotonic() - started < 2, rule
    return refused.value.code


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=SECONDLY;BYHOUR=9;BYMINUTE=0;BYSECOND=0",
        "FREQ=MINUTELY;BYHOUR=9;BYMINUTE=0",
        "FREQ=HOURLY;BYHOUR=9",
        "FREQ=SECONDLY;INTERVAL=86400",
    ],
)
def test_a_sub_daily_frequency_is_refused_at_once(rule):
    assert _refused(rule) == "too_frequent"


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=WEEKLY;BYMONTHDAY=99",
        "FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31",
        "FREQ=WEEKLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=DAILY;BYYEARDAY=366;BYMONTH=1",
    ],
)
def test_a_rule_that_yields_nothing_is_refused_at_once(rule):
    assert _refused(rule) in {"no_occurrences", "invalid_rule"}


def test_a_first_date_in_antiquity_or_the_far_future_is_refused():
    assert _refused("FREQ=DAILY", datetime.date(1, 1, 1)) == "first_date_out_of_range"
    assert _refused("FREQ=DAILY", datetime.date(1900, 1, 1)) == "first_date_out_of_range"
    assert _refused("FREQ=DAILY", datetime.date(9999, 12, 1)) == "first_date_out_of_range"


def test_a_huge_count_is_refused():
    assert _refused("FREQ=DAILY;COUNT=1000000000") == "count_too_large"


def test_the_api_answers_a_pathological_rule_with_a_chinese_400(station_manager_client, tree, clock):
    started = time.monotonic()
    answer = station_manager_client.post(URL, payload(tree, rule="FREQ=MINUTELY;BYHOUR=9;BYMINUTE=0"), format="json")
    assert answer.status_code == 400
    assert answer.data["rule"] == ["一个系列每天最多一次，在其开始时间。"]
    answer = station_manager_client.post(URL, payload(tree, starts_on="1900-01-01"), format="json")
    assert answer.status_code == 400
    assert "starts_on" in answer.data
    assert time.monotonic() - started < 5
    assert not EventSeries.objects.exists()


def test_generation_is_bounded_by_the_horizon_even_if_the_stored_rule_yields_nothing(tree, clock):
    series = make_series(tree["S1"])
    # A rule stored before the checks (or by hand): nothing matches, dateutil alone would search to 9999.
    EventSeries.objects.filter(pk=series.pk).update(rule="FREQ=WEEKLY;BYMONTHDAY=99")
    series.refresh_from_db()
    started = time.monotonic()
    assert occurrence_starts(series, NOW, NOW + datetime.timedelta(weeks=8)) == []
    assert time.monotonic() - started < 2


def test_splitting_a_counted_series_counts_only_up_to_the_split(tree, clock):
    series = make_series(tree["S1"], rule="FREQ=WEEKLY;BYDAY=SA;COUNT=20")
    fourth = series.occurrences.order_by("starts_at")[3]
    successor, _made = split_series(series, fourth, {}, now=NOW)
    assert successor.rule.endswith("COUNT=17")
