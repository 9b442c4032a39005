"""Prove it (issue 24): any permutation, duplication or cut of the uploads of a scan log — three
scanners, the same volunteer on two of them, clocks up to ±10 minutes off — gives exactly the
records, hours and places of the same scans made online in time order, and every scan online
refused is a conflict with the same reason.

The log and the two runs are in tests/offline_merge/scan_log.py. The online run goes through
events.services.check_in_volunteer_code (record_scan with the volunteer's code) at each scan's
true moment; the offline run through events.offline_merge.receive; each is rolled back after.
"""

import random

import pytest
import time_machine
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.offline_merge.scan_log import (
    CLOCK_BOUND_MS,
    at,
    build_world,
    differences,
    hours,
    make_log,
    one_upload,
    plan_uploads,
    run_offline,
    run_online,
)

# The world is built once per test and every run rolls back, so examples share it safely.
# Examples are cheap at small sizes and dear at 1,000 (its online run and each offline run take
# seconds): many small ones explore orders and cuts, two big ones keep every test well inside
# CI's per-test timeout on a loaded two-core machine.
SHARED_WORLD = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture]}
skews = st.lists(st.integers(-CLOCK_BOUND_MS, CLOCK_BOUND_MS), min_size=3, max_size=3)


@pytest.fixture
def world(db):
    with time_machine.travel(at(8), tick=False):
        yield build_world()


def assert_offline_equals_online(
    world, size: int, seed: int, plan_seed: int, skews_ms: list[int], batch: int, people: int | None = None
) -> None:
    log = make_log(world, size, random.Random(seed), people=people)
    online = run_online(world, log)
    offline = run_offline(world, log, plan_uploads(world, log, random.Random(plan_seed), batch=batch), skews_ms)
    assert differences(online, offline) == []


@settings(max_examples=20, **SHARED_WORLD)
@given(
    size=st.integers(1, 80),
    people=st.integers(1, 3),
    seed=st.integers(0, 2**32),
    plan_seed=st.integers(0, 2**32),
    skews_ms=skews,
    batch=st.integers(1, 20),
)
def test_small_logs_uploaded_in_any_order_give_the_online_records(
    world, size, people, seed, plan_seed, skews_ms, batch
):
    # One to three volunteers: each one's day is dense with scans at overlapping events.
    assert_offline_equals_online(world, size, seed, plan_seed, skews_ms, batch, people)


@settings(max_examples=20, **SHARED_WORLD)
@given(size=st.integers(1, 80), people=st.integers(1, 3), seed=st.integers(0, 2**32), skew_ms=skews)
def test_one_scanners_log_in_one_upload_gives_the_online_records(world, size, people, seed, skew_ms):
    # Later uploads rebuild a volunteer's day again; with a single upload the one merge must be right.
    rng = random.Random(seed)
    log = make_log(world, size, rng, people=people, devices=1)
    assert differences(run_online(world, log), run_offline(world, log, one_upload(log, rng), skew_ms)) == []


@pytest.fixture
def thousand(world):
    """A log of 1,000 scans and its online run, made once for the examples of the test."""
    log = make_log(world, 1000, random.Random(24))
    online = run_online(world, log)
    refused = [code for code in online.refusals.values() if code]
    # The log exercises the rules: records with hours, and refusals of every common kind.
    assert hours(online) > 0 and len(online.records) > 20
    assert {"event_not_open", "not_checked_in", "overlapping", "not_signed_up", "members_only"} <= set(refused)
    assert {"too_young", "token_expired", "token_invalid"} & set(refused)
    return log, online


@settings(max_examples=1, **SHARED_WORLD)
# Always the worst clocks: two phones at the bound's opposite ends, uploads cut into large batches.
@example(plan_seed=24, skews_ms=[-CLOCK_BOUND_MS, CLOCK_BOUND_MS, 0], batch=400)
@given(plan_seed=st.integers(0, 2**32), skews_ms=skews, batch=st.integers(50, 400))
def test_a_thousand_scans_uploaded_in_any_order_give_the_online_records(world, thousand, plan_seed, skews_ms, batch):
    log, online = thousand
    offline = run_offline(world, log, plan_uploads(world, log, random.Random(plan_seed), batch=batch), skews_ms)
    assert differences(online, offline) == []
    assert hours(offline) == hours(online)


@pytest.mark.postgres
@settings(max_examples=5, **SHARED_WORLD)
@given(seed=st.integers(0, 2**32), plan_seed=st.integers(0, 2**32), skews_ms=skews)
def test_on_postgresql_too_uploads_in_any_order_give_the_online_records(world, seed, plan_seed, skews_ms):
    assert_offline_equals_online(world, 300, seed, plan_seed, skews_ms, batch=60)
