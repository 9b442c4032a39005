"""A generator that read its series before a split or a template edit. Clock frozen at conftest.NOW."""

import datetime

import pytest

from events.models import EventSeries, EventStatus
from events.series import generate_occurrences, split_series, update_series
from tests.series.conftest import NOW, make_series

pytestmark = pytest.mark.django_db


def test_a_generator_that_read_the_series_before_a_split_adds_nothing_to_the_ended_series(tree, clock):
    series = make_series(tree["S1"])
    stale = EventSeries.objects.get(pk=series.pk)
    fourth = series.occurrences.order_by("starts_at")[3]
    split_series(series, fourth, {"start_time": datetime.time(14)}, now=NOW)
    made = generate_occurrences(stale, now=NOW + datetime.timedelta(days=1))
    assert made.created == []
    assert EventSeries.objects.get(pk=series.pk).occurrences.count() == 3


def test_a_generator_that_read_the_series_before_a_template_edit_uses_the_new_template(tree, clock):
    series = make_series(tree["S1"])
    stale = EventSeries.objects.get(pk=series.pk)
    update_series(series, {"address": "西门社区"}, now=NOW)
    made = generate_occurrences(stale, now=NOW + datetime.timedelta(weeks=2))
    assert made.created
    assert {event.address for event in made.created} == {"西门社区"}
    assert all(event.status == EventStatus.PUBLISHED for event in made.created)


def test_one_series_with_a_broken_stored_rule_does_not_stop_the_others(tree, clock):
    broken = make_series(tree["S1"])
    fine = make_series(tree["S1"], title="周日", rule="FREQ=WEEKLY;BYDAY=SU", starts_on=datetime.date(2026, 9, 6))
    EventSeries.objects.filter(pk=broken.pk).update(rule="FREQ=SOMETIMES")
    made = generate_occurrences(now=NOW + datetime.timedelta(weeks=1))
    assert {event.series_id for event in made.created} == {fine.pk}
