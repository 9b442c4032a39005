"""Every benchmark's smoke mode runs in the suite, so that no benchmark can break, or time an empty
or wrong answer, unnoticed.

Each smoke builds its own tiny world in a throwaway database, checks its answers against raw
queries (and refuses empty ones) before it times anything, and ends with exit status 1 when
they differ. The ones on SQLite run in the SQLite pass of the suite, the PostgreSQL ones (each
in a database of its own, created and dropped by the benchmark) in the PostgreSQL pass, so CI
runs each once.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def run(benchmark: str, *arguments: str) -> str:
    """The benchmark's smoke run in a fresh process; its output, once it has ended well."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / f"{benchmark}.py"), "--smoke", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def server_url() -> str:
    """The suite's PostgreSQL server, for a benchmark's own throwaway database."""
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    return f"postgres://{settings['USER']}{password}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"


def throwaway(name: str) -> str:
    """A database name of this run's own (two suites may share a server)."""
    return f"smoke_{name}_{os.getpid()}"


@pytest.fixture
def on_sqlite():
    if connection.vendor != "sqlite":
        pytest.skip("a SQLite smoke: runs in the SQLite pass of the suite")


@pytest.mark.postgres
def test_the_province_benchmark_checks_every_endpoint_against_its_raw_query():
    out = run("province_scale", "--server-url", server_url(), "--database", throwaway("province"))
    assert "every answer equals its raw query's, none empty" in out
    for measure in ("summary, one center", "hours by station", "dashboard, one center", "dashboard, one station"):
        assert measure in out


def test_the_points_benchmark_checks_the_ledger_and_the_page_against_raw_sums(on_sqlite):
    out = run("points")
    assert "every figure equals its raw query's, none empty" in out
    assert "constant queries" in out


@pytest.mark.postgres
def test_the_points_benchmark_runs_on_postgresql():
    out = run("points", "--database-url", f"{server_url()}/{throwaway('points')}")
    assert "set-up on postgresql" in out
    assert "every figure equals its raw query's, none empty" in out


def test_the_reminders_benchmark_counts_the_outbox_raw(on_sqlite):
    out = run("reminders")
    assert "rows in the outbox, counted raw" in out
    assert "MISSED" not in out


@pytest.mark.postgres
def test_the_reminders_benchmark_runs_on_postgresql():
    out = run("reminders", "--database-url", f"{server_url()}/{throwaway('reminders')}")
    assert "set-up on postgresql" in out
    assert "MISSED" not in out


def test_the_certificates_benchmark_checks_each_certificate_against_the_records(on_sqlite):
    out = run("certificates")
    assert "every certificate equals its raw query's, none empty" in out
    assert "bulk: job of 3 certificates (finished)" in out


def test_the_ledger_benchmark_checks_its_contents_before_timing(on_sqlite):
    out = run("ledger")
    assert "the ledger's contents equal the raw queries', none empty" in out
    assert "ledger job, end to end" in out


def test_the_roster_import_benchmark_checks_its_counts(on_sqlite):
    out = run("roster_import")
    assert "every count equals the sheet's and the raw queries', none empty" in out


def test_the_uploads_benchmark_checks_every_answer(on_sqlite):
    out = run("uploads")
    assert "every file answered as it must be" in out
    assert "refused" in out and "accepted" in out
