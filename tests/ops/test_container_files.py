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
PY_ENV = re.compile(r"""(?:getenv|environ\.get|envbool|envlist|envint|envjson)\(\s*["']([A-Z][A-Z0-9_]+)["']""")
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


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions in order, continuation lines joined: (keyword, arguments)."""
    text = re.sub(r"^\s*#.*\n", "", dockerfile(), flags=re.M).replace("\\\n", " ")
    return [(line.partition(" ")[0], line.partition(" ")[2]) for line in text.splitlines() if line.strip()]


def image_env() -> dict[str, str]:
    return {
        name: value
        for keyword, arguments in instructions()
        if keyword == "ENV"
        for name, value in re.findall(r"([A-Z][A-Z0-9_]+)=(\S*)", arguments)
    }


def env_example() -> dict[str, str]:
    return dict(re.findall(r"^([A-Z][A-Z0-9_]+)=(.*)$", (ROOT / ".env.example").read_text(), re.M))


def container_env(service: str) -> dict[str, str]:
    """What a container of the service sees after compose.yaml's own instruction, `cp .env.example .env`:
    the image's ENV, overridden by the env_file, overridden by the service's environment."""
    config = compose()["services"][service]
    assert config["env_file"] == ".env", "compose.yaml says to copy .env.example to .env"
    return image_env() | env_example() | {name: str(value) for name, value in config["environment"].items()}


def runtime_user() -> str:
    return [arguments for keyword, arguments in instructions() if keyword == "USER"][-1].split(":")[0]


def folders_owned_by(user: str) -> set[str]:
    """Folders a RUN creates (mkdir -p) and hands to the user (chown), before the server starts."""
    made, owned = set(), set()
    for keyword, arguments in instructions():
        if keyword != "RUN":
            continue
        for command in re.split(r"&&|;", arguments):
            words = command.split()
            if words[:2] == ["mkdir", "-p"]:
                made |= set(words[2:])
            elif words[:1] == ["chown"]:
                args = [word for word in words[1:] if not word.startswith("-")]
                if args and args[0].split(":")[0] == user:
                    owned |= set(args[1:])
    return made & owned


def collected_static_root() -> str:
    """STATIC_ROOT of the build's collectstatic: the ENV before it, or set on its own command line."""
    env: dict[str, str] = {}
    for keyword, arguments in instructions():
        if keyword == "ENV":
            env |= dict(re.findall(r"([A-Z][A-Z0-9_]+)=(\S*)", arguments))
        if keyword == "RUN" and "manage.py collectstatic" in arguments:
            command = re.search(
                r"(?:^|&&|;)\s*((?:[A-Z][A-Z0-9_]+=\S*\s+)*)\S*python\S* manage\.py collectstatic", arguments
            )
            return (env | dict(re.findall(r"([A-Z][A-Z0-9_]+)=(\S*)", command.group(1))))["STATIC_ROOT"]
    raise AssertionError("the image collects no static files")


def test_every_variable_the_dockerfile_and_compose_set_is_read_by_the_project():
    read = names_the_project_reads() | OUTSIDE_NAMES
    assert set(image_env()) - read == set()
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


APP_SERVICES = ["web", "worker"]


def test_every_path_a_container_is_given_is_in_the_image_and_writable_where_the_server_writes():
    user = runtime_user()
    assert user not in {"root", "0"}
    writable, faults = folders_owned_by(user), []
    for service in APP_SERVICES:
        env = container_env(service)
        for name, value in env.items():
            if not value.startswith("/"):
                continue
            if name == "STATIC_ROOT":
                # Read only: the files collected at build, with their manifest (without it every page is a 500).
                if value != collected_static_root():
                    faults.append(f"{service}: STATIC_ROOT={value} is not where the image collected")
                if env.get("COLLECTSTATIC") != "false":
                    faults.append(f"{service}: COLLECTSTATIC is not false: {user} cannot write the image's folder")
            elif name == "PYTHON":
                if not re.search(rf"python -m venv {re.escape(value.rsplit('/bin/', 1)[0])}\b", dockerfile()):
                    faults.append(f"{service}: PYTHON={value} is not the image's virtual environment")
            elif value not in writable:
                # Every other path is one the server writes (uploads, metrics, temporary files).
                faults.append(f"{service}: {name}={value} is not created for and owned by {user}")
    assert not faults, "\n".join(faults)


def test_the_worker_does_not_inherit_the_web_health_check():
    probe = [arguments for keyword, arguments in instructions() if keyword == "HEALTHCHECK"]
    assert probe and ":8000/healthz" in probe[-1], "the image's check asks gunicorn"
    worker = compose()["services"]["worker"]
    # SERVE_ROLE=worker runs no gunicorn, so the image's probe would mark every worker unhealthy.
    check = worker.get("healthcheck")
    assert check, "the worker needs its own health check, or disable: true"
    assert check.get("disable") is True or "8000" not in str(check.get("test")), check
    assert "healthcheck" not in compose()["services"]["web"], "web keeps the image's check"
