"""The apps are layers: accounts < jobs < stations < volunteers < events < certificates < orders
and points (side by side, neither importing the other) < reports < backend. An app imports only
apps below it, and none imports backend/, the project on top. Inside reports/, the sub-packages
import none of each other, and no view module imports another. import-linter checks the contracts
in pyproject.toml, in its own process (parsing imports in this one trips CPython 3.11's AST builder
while a live-server thread compiles)."""

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LADDER = [
    "backend",
    "reports",
    "notifications",
    "orders | points",
    "certificates",
    "events",
    "volunteers | venues",
    "stations",
    "jobs",
    "accounts",
]


def contract_config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def test_the_contract_names_every_floor_top_down():
    contract = contract_config()["contracts"][0]
    assert contract["type"] == "layers" and "containers" not in contract
    assert [layer.strip("()") for layer in contract["layers"]] == LADDER


def test_no_app_imports_an_app_above_it_nor_a_report_view_another(tmp_path):
    config = contract_config()
    # An optional layer (in parentheses) may not exist yet; import-linter refuses a missing
    # root package, so the check runs on the packages present.
    missing = {name for name in config["root_packages"] if not (ROOT / name / "__init__.py").exists()}
    lines = [
        "[importlinter]",
        "root_packages =",
        *(f"    {name}" for name in config["root_packages"] if name not in missing),
    ]
    for number, contract in enumerate(config["contracts"]):
        lines += [f"[importlinter:contract:{number}]"]
        for key, value in contract.items():
            if key == "layers":
                value = [layer for layer in value if not (layer.startswith("(") and layer.strip("()") in missing)]
            if isinstance(value, list):
                lines += [f"{key} =", *(f"    {item}" for item in value)]
            else:
                lines.append(f"{key} = {value}")
    ini = tmp_path / "importlinter.ini"
    ini.write_text("\n".join(lines) + "\n")
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), str(ini), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(config['contracts'])} kept, 0 broken" in result.stdout
