"""Generators racing on PostgreSQL. Each forces the worst interleaving: every generator has read which
occurrences exist before any of them inserts. The control drops the unique (series, occurrence_start)
constraint, and the same burst duplicates every occurrence: the constraint is the guard."""

import datetime

import pytest
from django.db import connection
from django.db.models import Count

from events import series as series_module
from events.models import Event
from events.series import generate_occurrences
from tests.concurrency import run_together, without_lock
from tests.series.conftest import make_series

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

GENERATORS = 3


def race(tree, monkeypatch):
    now = datetime.datetime.now(tz=datetime.UTC)
    series = make_series(tree["S1"], now=now, starts_on=(now + datetime.timedelta(days=1)).date())
    # Nothing made yet: the generators race for every occurrence.
    Event.objects.filter(series=series).delete()
    without_lock(monkeypatch, series_module, "_existing_starts", series_module._existing_starts, parties=GENERATORS)
    results = run_together([lambda: generate_occurrences(series, now=now) for _ in range(GENERATORS)])
    return series, results


def copies(series) -> list[int]:
    per_key = Event.objects.filter(series=series).values("occurrence_start").annotate(n=Count("id"))
    return sorted({row["n"] for row in per_key})


def test_three_generators_at_once_make_each_occurrence_once(tree, monkeypatch):
    series, results = race(tree, monkeypatch)
    assert not [r for r in results if isinstance(r, Exception)]
    assert copies(series) == [1]
    assert Event.objects.filter(series=series).count() == 8
    assert sum(len(r.created) for r in results) == 8


def test_control_without_the_unique_constraint_the_same_burst_duplicates(tree, monkeypatch):
    constraint = next(c for c in Event._meta.constraints if c.name == "one_event_per_series_occurrence")
    with connection.schema_editor() as editor:
        editor.remove_constraint(Event, constraint)
    try:
        series, _results = race(tree, monkeypatch)
        assert copies(series) == [GENERATORS]
    finally:
        Event.objects.filter(series__isnull=False).delete()
        with connection.schema_editor() as editor:
            editor.add_constraint(Event, constraint)
