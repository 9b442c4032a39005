"""The export benchmark's smoke mode runs in the suite, so the benchmark cannot break unnoticed.

It loads a few hundred records into a throwaway database on the test database's server
(the rollups rebuilt as after any bulk load) and compares every grouping's CSV from the
endpoint with the hand-written COPY's rows; an empty or differing answer fails it.
"""

import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
def test_the_export_benchmark_smoke_mode_checks_every_grouping_against_raw_copy():
    settings = connection.settings_dict
    server = f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST']}:{settings['PORT'] or 5432}"
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "export.py"), "--smoke", "--server-url", server],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "every grouping's CSV equals the raw COPY's rows, none empty" in result.stdout
    for group_by in ("volunteer", "station", "center", "month", "station,month", "volunteer,month"):
        assert f"\n{group_by} " in f"\n{result.stdout}"
