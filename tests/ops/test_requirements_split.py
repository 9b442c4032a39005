"""Only what runs is installed in production: requirements.txt carries no test or lint tool,
and nothing outside tests/ and benchmarks/ imports one (the serve command and the
container install requirements.txt alone)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Distribution name in requirements-dev.txt -> the module it is imported as.
DEV_TOOLS = {
    "pytest": "pytest",
    "pytest-django": "pytest_django",
    "ruff": "ruff",
    "zxing-cpp": "zxingcpp",
    "time-machine": "time_machine",
    "playwright": "playwright",
    "hypothesis": "hypothesis",
    "import-linter": "importlinter",
    "mypy": "mypy",
    "schemathesis": "schemathesis",
}


def requirement_names(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            names.add(line.split("==")[0].split("[")[0].strip().lower())
    return names


def test_the_runtime_file_has_no_test_or_lint_tool_and_the_dev_file_has_them_all():
    runtime, dev = requirement_names(ROOT / "requirements.txt"), requirement_names(ROOT / "requirements-dev.txt")
    assert not runtime & set(DEV_TOOLS)
    assert set(DEV_TOOLS) <= dev
    assert "-r requirements.txt" in (ROOT / "requirements-dev.txt").read_text()


# The scan runs in its own interpreter: CPython 3.11's AST builder keeps its recursion
# depth in interpreter-wide state, so parsing while a live-server thread from an earlier
# test compiles something fails with "AST constructor recursion depth mismatch".
IMPORT_SCAN = """
import ast, json, sys
from pathlib import Path
root, tools = Path(sys.argv[1]), set(json.loads(sys.argv[2]))
skipped = {".venv", "tests", "benchmarks", ".git", "node_modules"}
offenders = []
for path in root.rglob("*.py"):
    if skipped & set(path.relative_to(root).parts):
        continue
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        offenders += [f"{path.relative_to(root)}: {n}" for n in names if n.split(".")[0] in tools]
print(json.dumps(offenders))
"""


def test_no_runtime_module_imports_a_dev_tool():
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_SCAN, str(ROOT), json.dumps(sorted(DEV_TOOLS.values()))],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout) == []
