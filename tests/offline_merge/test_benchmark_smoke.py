"""The offline-scan benchmark's smoke mode runs in the suite, so the benchmark cannot break unnoticed.

It builds its own small world in a throwaway SQLite database, checks that shuffled, cut and
resent uploads give the online run's records, then times small uploads.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_offline_scan_benchmark_smoke_mode_checks_the_merge_and_prints_its_table(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "offline_scans.py"), "--smoke"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "= the online run" in result.stdout
    assert "statements" in result.stdout and "load average" in result.stdout
