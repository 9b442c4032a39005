"""Fixtures of the operations tests: the event day's clock, and a production stack on loopback."""

import os
import socket

import dj_database_url
import psycopg
import pytest

from tests.events.conftest import clock  # noqa: F401 (the event day's clock for the check-in tests here)
from tests.ops.stack import manage, production_env

# Under pytest-xdist each worker has a database and a Redis database of its own: gw0 the first.
WORKER = int(os.getenv("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
REDIS_TEST_URL = os.getenv("OPS_TEST_REDIS_URL", f"redis://127.0.0.1:6379/{13 - WORKER}")


@pytest.fixture(scope="session")
def ops_database() -> str:
    """A database of its own (``<name>_ops`` beside the run's, one per worker), created and migrated once per run."""
    url = os.getenv("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://... (CI does)")
    config = dj_database_url.parse(url)
    name = f"{config['NAME']}_ops" + (f"_{WORKER}" if WORKER else "")
    admin = dict(host=config["HOST"] or "127.0.0.1", port=config["PORT"] or 5432, user=config["USER"])
    if config["PASSWORD"]:
        admin["password"] = config["PASSWORD"]
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    ops_url = url.rsplit("/", 1)[0] + f"/{name}"
    yield ops_url
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def ops_files(tmp_path_factory, ops_database) -> dict:
    """Migrated database, collected static files and a shared media folder, as `make serve` leaves them."""
    root = tmp_path_factory.mktemp("ops")
    files = {"static": root / "static", "media": root / "media", "root": root}
    env = production_env(ops_database, files["media"], files["static"])
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    return files


@pytest.fixture(scope="session")
def redis_url() -> str:
    host, port = "127.0.0.1", 6379
    if WORKER > 12:
        pytest.skip("one Redis database per worker: run these tests with at most 13 workers")
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError:
        pytest.skip("needs Redis on 127.0.0.1:6379 (CI starts it)")
    import redis

    redis.Redis.from_url(REDIS_TEST_URL).flushdb()
    return REDIS_TEST_URL
