"""Only what runs is installed in production: requirements.txt carries no test or lint tool,
and nothing outside tests/ and benchmarks/ imports one (the serve command and the
container install requirements.txt alone)."""

import ast
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


def test_no_runtime_module_imports_a_dev_tool():
    skipped = {".venv", "tests", "benchmarks", ".git", "node_modules"}
    offenders = []
    for path in ROOT.rglob("*.py"):
        if skipped & set(path.relative_to(ROOT).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [
                f"{path.relative_to(ROOT)}: {name}" for name in names if name.split(".")[0] in DEV_TOOLS.values()
            ]
    assert offenders == []
