"""Splitting at the edges. Clock frozen at conftest.NOW (2026-09-01 08:00 Shanghai)."""

import datetime

import pytest

from events.models import EventStatus, SeriesStatus
from events.series import SeriesError, split_series, validate_rule
from tests.series.conftest import NOW, SHANGHAI, make_series

pytestmark = pytest.mark.django_db


def test_a_one_off_rule_starting_later_is_a_series():
    assert validate_rule("FREQ=WEEKLY;COUNT=1", datetime.date(2026, 9, 5), datetime.time(9), skip_holidays=False)


def test_splitting_at_the_last_occurrence_of_a_counted_series(tree, clock):
    series = make_series(tree["S1"], rule="FREQ=WEEKLY;BYDAY=SA;COUNT=4")
    last = series.occurrences.order_by("starts_at").last()
    successor, _made = split_series(series, last, {"start_time": datetime.time(14)}, now=NOW)
    last.refresh_from_db()
    assert last.series == successor
    assert last.starts_at.astimezone(SHANGHAI).hour == 14
    assert successor.occurrences.count() == 1


def test_splitting_at_the_first_occurrence_then_again(tree, clock):
    series = make_series(tree["S1"])
    occurrences = list(series.occurrences.order_by("starts_at"))
    successor, _made = split_series(series, occurrences[0], {"title": "新"}, now=NOW)
    series.refresh_from_db()
    assert series.status == SeriesStatus.ENDED
    assert series.occurrences.count() == 0
    with pytest.raises(SeriesError) as refused:
        split_series(series, occurrences[2], {}, now=NOW)
    assert refused.value.code == "series_ended"
    occurrences[2].refresh_from_db()
    third, _made = split_series(successor, occurrences[2], {"title": "再新"}, now=NOW)
    titles = list(third.occurrences.order_by("starts_at").values_list("title", flat=True))
    assert titles and set(titles) == {"再新"}


def test_splitting_at_a_past_occurrence_is_refused(tree, clock):
    series = make_series(tree["S1"])
    first = series.occurrences.order_by("starts_at").first()
    with pytest.raises(SeriesError) as refused:
        split_series(series, first, {}, now=first.starts_at + datetime.timedelta(minutes=1))
    assert refused.value.code == "not_an_occurrence"


def test_splitting_at_a_cancelled_occurrence_keeps_it_cancelled(tree, clock):
    series = make_series(tree["S1"])
    second = series.occurrences.order_by("starts_at")[1]
    second.status = EventStatus.CANCELLED
    second.save()
    successor, _made = split_series(series, second, {"title": "新"}, now=NOW)
    second.refresh_from_db()
    assert second.status == EventStatus.CANCELLED
    assert second.series == successor
    assert successor.occurrences.filter(starts_at__date=second.starts_at.date()).count() == 1
