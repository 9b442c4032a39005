"""Redis unreachable: logins and check-ins keep working on per-process counts, and say so.

Before the fallback cache, every token login and every throttled request (check-ins
included) answered 500 while REDIS_URL pointed at a Redis that did not answer.
"""

import logging
import socket

import pytest
from django.test import Client

from backend import cache_fallback
from tests.conftest import PASSWORD, client_for
from tests.events.conftest import make_event
from tests.events.test_checkin import code_for
from tests.ops.test_health_and_metrics import metric, scrape

TOKEN_URL = "/api/v1/auth/token/"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_down(settings, monkeypatch):
    """The production cache settings, with REDIS_URL at a port where nothing listens."""
    monkeypatch.setattr(cache_fallback, "RETRY_SECONDS", 0.0)  # try Redis on every call: the worst case
    settings.CACHES = {
        "default": {
            "BACKEND": "backend.cache_fallback.FallbackRedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


def test_token_login_works_and_the_fallback_is_logged_and_counted(redis_down, anon_client, station_manager, caplog):
    before = metric(scrape(), "volunteer_cache_fallbacks_total", op="add")
    with caplog.at_level(logging.WARNING, logger="backend.cache_fallback"):
        response = anon_client.post(TOKEN_URL, {"phone": station_manager.phone, "password": PASSWORD})
    assert response.status_code == 200
    assert any("Redis unreachable" in record.getMessage() for record in caplog.records)
    assert metric(scrape(), "volunteer_cache_fallbacks_total", op="add") > before


def test_the_lockout_still_counts_while_redis_is_down(redis_down, anon_client, station_manager):
    for _ in range(10):
        assert anon_client.post(TOKEN_URL, {"phone": station_manager.phone, "password": "wrong"}).status_code == 400
    locked = anon_client.post(TOKEN_URL, {"phone": station_manager.phone, "password": PASSWORD})
    assert locked.status_code == 429


def test_checkin_and_its_throttle_work_while_redis_is_down(
    redis_down, settings, clock, tree, station_manager_client, volunteer
):
    event = make_event(tree["S1"])
    clock.move_to(event.starts_at)
    token = code_for(station_manager_client, event)["token"]
    volunteer_client = client_for(volunteer.user)
    assert volunteer_client.post("/api/v1/checkins/", {"token": token}, format="json").status_code == 201
    assert volunteer_client.post("/api/v1/checkins/", {"token": token}, format="json").status_code == 200


def test_the_session_login_page_works_while_redis_is_down(redis_down, station_manager):
    response = Client().post("/login/", {"username": station_manager.phone, "password": PASSWORD})
    assert response.status_code == 302


def test_readyz_reports_the_cache_fault(redis_down, db):
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "fail"
    assert response.json()["checks"]["database"] == "ok"


def test_redis_is_left_alone_for_a_few_seconds_after_a_failure(settings, db, monkeypatch):
    settings.CACHES = {
        "default": {
            "BACKEND": "backend.cache_fallback.FallbackRedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
        }
    }
    from django.core.cache import cache

    attempts = []
    real = cache_fallback.RedisCache.get

    def counting_get(self, *args, **kwargs):
        attempts.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(cache_fallback.RedisCache, "get", counting_get)
    for _ in range(20):
        assert cache.get("anything") is None
    assert len(attempts) == 1
