"""The check-in benchmark's smoke mode runs in the suite, so the benchmark cannot break unnoticed.

It starts gunicorn on a throwaway database of the test database's server, runs every
phase (full and minimal check-ins, repeated check-in, check-out, the open loop) with a
few volunteers, and fails on any error answer or when the records differ from the
check-ins made.
"""

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.postgres
def test_the_checkin_benchmark_smoke_mode_answers_every_phase_and_counts_its_records():
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    server = f"postgres://{settings['USER']}{password}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    command = [
        sys.executable,
        str(ROOT / "benchmarks" / "checkin_load.py"),
        "--smoke",
        "--server-url",
        server,
        "--database",
        f"{settings['NAME']}_checkin_smoke",
        "--port",
        str(free_port()),
    ]
    redis_url = getattr(django_settings, "REDIS_URL", "")
    if redis_url:
        command += ["--redis-url", redis_url]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "smoke: every phase answered without errors; records equal the check-ins made" in result.stdout
    for phase in ("full check-in burst", "minimal check-in burst", "check-out burst", "open-loop check-in"):
        assert phase in result.stdout
    assert "x the minimal check-in's" in result.stdout
