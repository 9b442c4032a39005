"""One Redis client per process: not one per cache call, nor one per thread."""

import socket
import threading

import pytest
import redis
from django.core.cache import caches

REDIS = ("127.0.0.1", 6379)


@pytest.fixture
def redis_cache(settings):
    try:
        socket.create_connection(REDIS, timeout=1).close()
    except OSError:
        pytest.skip("needs Redis on 127.0.0.1:6379")
    settings.CACHES = {
        "default": {
            "BACKEND": "backend.cache_fallback.FallbackRedisCache",
            # A database and options of its own: no client made by another test is reused.
            "LOCATION": "redis://127.0.0.1:6379/11",
            "KEY_PREFIX": "auth-perf",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.75},
        }
    }


def test_cache_calls_in_several_threads_share_one_redis_client(redis_cache, monkeypatch):
    made = []
    real_init = redis.Redis.__init__

    def counting_init(self, *args, **kwargs):
        made.append(self)
        real_init(self, *args, **kwargs)

    keys = [f"throttle_checkin_{n}" for n in range(3)]
    redis.Redis.from_url("redis://127.0.0.1:6379/11").delete(*(f"auth-perf:1:{key}" for key in keys))
    monkeypatch.setattr(redis.Redis, "__init__", counting_init)

    def throttle_like_calls(user_id: int) -> None:
        # What the throttle does per request: read the history, write it back.
        cache = caches["default"]
        history = cache.get(f"throttle_checkin_{user_id}", [])
        cache.set(f"throttle_checkin_{user_id}", [*history, 1], 60)

    threads = [threading.Thread(target=throttle_like_calls, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    throttle_like_calls(0)
    assert len(made) == 1
    assert caches["default"].get_many(keys) == {keys[0]: [1, 1], keys[1]: [1], keys[2]: [1]}
    caches["default"].delete_many(keys)
