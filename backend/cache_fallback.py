"""A Redis cache that keeps answering when Redis does not.

The cache holds throttle and login-lockout counters. If Redis is unreachable,
Django's own Redis backend raises on every call, and every login and every
throttled request (check-ins included) would answer 500. This backend answers
from a per-process memory cache instead — the counts are then per process, which
still limits brute force, only less tightly — logs a warning and counts each
fallback in ``volunteer_cache_fallbacks_total``. After a failure it leaves Redis
alone for ``RETRY_SECONDS`` so a dead server costs one connection attempt per
process every few seconds, not one per request; ``/readyz`` reports the fault.
"""

import logging
import time
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from backend.metrics import CACHE_FALLBACKS

logger = logging.getLogger(__name__)

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)
RETRY_SECONDS = 5.0


class FallbackRedisCache(RedisCache):
    _cache: RedisCacheClient  # RedisCache's cached client, missing from django-stubs

    def __init__(self, server: str, params: dict) -> None:
        super().__init__(server, params)
        self._memory = LocMemCache(f"fallback-{server}", {"TIMEOUT": params.get("TIMEOUT", 300)})
        self._down_until = 0.0

    def _call(self, op: str, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() >= self._down_until:
            try:
                return getattr(super(), op)(*args, **kwargs)
            except REDIS_DOWN as error:
                self._down_until = time.monotonic() + RETRY_SECONDS
                # One warning per retry period, not one per request.
                logger.warning("Redis unreachable (%s); cache answers from process memory", type(error).__name__)
        CACHE_FALLBACKS.labels(op=op).inc()
        return getattr(self._memory, op)(*args, **kwargs)

    def ping(self) -> None:
        """Ask Redis itself, bypassing the fallback: raises when it is unreachable (for /readyz)."""
        self._cache.get_client(write=True).ping()

    def add(self, *args: Any, **kwargs: Any) -> bool:
        return self._call("add", *args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get", *args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> None:
        return self._call("set", *args, **kwargs)

    def touch(self, *args: Any, **kwargs: Any) -> bool:
        return self._call("touch", *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> bool:
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args: Any, **kwargs: Any) -> dict:
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args: Any, **kwargs: Any) -> bool:
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args: Any, **kwargs: Any) -> int:
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args: Any, **kwargs: Any) -> list:
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args: Any, **kwargs: Any) -> None:
        return self._call("delete_many", *args, **kwargs)

    def clear(self) -> None:
        self._memory.clear()
        return self._call("clear")
