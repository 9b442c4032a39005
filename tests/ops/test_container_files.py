"""The Dockerfile and compose.yaml stay honest: no container runtime builds them here, so every
file, command and environment variable they name is checked against the project instead."""

import importlib.util
import os
import re
from pathlib import Path

import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
# Read by Python, pip or the PostgreSQL image, not by our code.
OUTSIDE_NAMES = {"PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "PIP_NO_CACHE_DIR", "PIP_DISABLE_PIP_VERSION_CHECK"}
POSTGRES_IMAGE_NAMES = {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"}
PY_ENV = re.compile(r"""(?:getenv|environ\.get|envbool|envlist|envint)\(\s*["']([A-Z][A-Z0-9_]+)["']""")
SH_ENV = re.compile(r"\$\{?([A-Z][A-Z0-9_]+)")


def names_the_project_reads() -> set[str]:
    names = set()
    for path in [ROOT / "gunicorn.conf.py", *(ROOT / "backend").rglob("*.py")]:
        names |= set(PY_ENV.findall(path.read_text()))
    names |= set(SH_ENV.findall((ROOT / "scripts" / "serve.sh").read_text()))
    return names


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def dockerfile_env() -> set[str]:
    block = re.search(r"^ENV (.*?)(?=^\S|\Z)", dockerfile(), re.S | re.M).group(1)
    return set(re.findall(r"([A-Z][A-Z0-9_]+)=", block))


def test_every_variable_the_dockerfile_and_compose_set_is_read_by_the_project():
    read = names_the_project_reads() | OUTSIDE_NAMES
    assert dockerfile_env() - read == set()
    for name, service in compose()["services"].items():
        allowed = read | (POSTGRES_IMAGE_NAMES if name == "db" else set())
        assert set(service.get("environment", {})) - allowed == set(), name


def test_every_variable_in_env_example_is_read_and_every_one_read_is_listed():
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    read = names_the_project_reads()
    # Set by serve.sh for its children, or by the container image, not by an operator.
    internal = {"DJANGO_SETTINGS_MODULE", "PYTHON", "TMPDIR", "COLLECTSTATIC"}
    assert listed - read == set(), "listed in .env.example but read nowhere"
    assert read - listed - internal == set(), "read by the project but missing from .env.example"


def test_the_files_and_commands_they_name_exist():
    text = dockerfile()
    for source in re.findall(r"^COPY (\S+) ", text, re.M):
        assert source == "." or (ROOT / source).exists(), source
    command = re.search(r'^CMD \["([^"]+)"\]', text, re.M).group(1)
    assert os.access(ROOT / command, os.X_OK), command
    assert (ROOT / "gunicorn.conf.py").exists() and importlib.util.find_spec("backend.wsgi")
    serve = (ROOT / "scripts" / "serve.sh").read_text()
    commands = set(get_commands()) | {"rqworker"}
    assert importlib.util.find_spec("django_rq.management.commands.rqworker"), "rqworker comes with django-rq"
    for name in re.findall(r"manage\.py (\w+)", serve + text):
        assert name in commands, name
    assert re.search(r"--job-class django_tasks_rq\.Job", serve) and importlib.util.find_spec("django_tasks_rq")


def test_the_image_installs_only_the_runtime_requirements_and_the_pdf_packages():
    text = dockerfile()
    assert "pip install -r requirements.txt" in text and "requirements-dev" not in text
    wanted = {line.split()[0] for line in (ROOT / "scripts" / "debian-packages.txt").read_text().splitlines()}
    installed = set(re.search(r"apt-get install -y --no-install-recommends ([^\\\n]+)", text).group(1).split())
    assert {"libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-noto-cjk"} <= installed <= wanted
    assert re.search(r"^USER (?!root)\w+", text, re.M), "the server does not run as root"
    assert "FROM python:3.11-slim-bookworm" in text


def test_compose_runs_web_worker_postgresql_and_redis_with_the_serve_roles():
    services = compose()["services"]
    assert set(services) == {"web", "worker", "db", "redis"}
    assert services["web"]["environment"]["SERVE_ROLE"] == "web"
    assert services["worker"]["environment"]["SERVE_ROLE"] == "worker"
    assert services["worker"]["environment"]["MIGRATE"] == "false"
    # One media volume shared by web and worker: bulk files the worker writes are downloaded from web.
    assert services["web"]["volumes"] == services["worker"]["volumes"] == ["media:/data/media"]
