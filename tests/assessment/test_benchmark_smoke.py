"""The self-assessment benchmark's smoke mode runs in the suite, so the benchmark cannot break unnoticed.

It builds its own small world in a throwaway SQLite database (dated from the clock it runs
under), checks every figure against a plain query and only then times it.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_assessment_benchmark_smoke_mode_checks_its_figures_and_prints_its_table(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "assessment.py"), "--smoke"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "every figure equals its plain query, none empty" in result.stdout
    assert "实践中心" in result.stdout and "实践站" in result.stdout
