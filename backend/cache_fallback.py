"""A Redis cache that keeps answering when Redis does not.

The cache holds throttle and login-lockout counters. If Redis is unreachable,
Django's own Redis backend raises on every call, and every login and every
throttled request (check-ins included) would answer 500. This backend answers
from a per-process memory cache instead — the counts are then per process, which
still limits brute force, only less tightly — logs a warning and counts each
fallback in ``volunteer_cache_fallbacks_total``. After a failure it leaves Redis
alone for ``RETRY_SECONDS`` so a dead server costs one connection attempt per
process every few seconds, not one per request; ``/readyz`` reports the fault.

One Redis client per process and server: Django's client builds a ``redis.Redis``
on every cache call (two per throttled request, about half a millisecond each on
the benchmark machine, more than the round trip itself) and a connection pool per
thread's cache object. ``redis.Redis`` over its connection pool is thread-safe, and
the pool starts afresh in a forked worker.
"""

import logging
import threading
import time
from collections.abc import Callable
from functools import cached_property
from typing import Any

import redis
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from backend.metrics import CACHE_FALLBACKS

logger = logging.getLogger(__name__)

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)
RETRY_SECONDS = 5.0


class ProcessRedisClient(RedisCacheClient):
    """Django's Redis cache client, keeping one ``redis.Redis`` per server instead of one per call."""

    # RedisCacheClient's own attributes, missing from django-stubs.
    _servers: list[str]
    _pool_class: type[redis.ConnectionPool]
    _pool_options: dict[str, Any]
    _client: type[redis.Redis]
    _get_connection_pool_index: Callable[[bool], int]

    def __init__(self, servers: list[str], **options: Any) -> None:
        super().__init__(servers, **options)
        self._clients: dict[int, redis.Redis] = {}
        self._lock = threading.Lock()

    def get_client(self, key: Any = None, *, write: bool = False) -> redis.Redis:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            with self._lock:
                client = self._clients.get(index)
                if client is None:
                    pool = self._pool_class.from_url(self._servers[index], **self._pool_options)
                    client = self._clients[index] = self._client(connection_pool=pool)
        return client


_process_clients: dict[str, ProcessRedisClient] = {}
_process_clients_lock = threading.Lock()


def process_client(servers: list[str], options: dict) -> ProcessRedisClient:
    """The process's one client for these servers and options, whichever thread asks first."""
    key = repr((servers, sorted(options.items())))
    with _process_clients_lock:
        client = _process_clients.get(key)
        if client is None:
            client = _process_clients[key] = ProcessRedisClient(servers, **options)
        return client


class FallbackRedisCache(RedisCache):
    # RedisCache's own attributes, missing from django-stubs.
    _servers: list[str]
    _options: dict[str, Any]

    def __init__(self, server: str, params: dict) -> None:
        super().__init__(server, params)
        self._memory = LocMemCache(f"fallback-{server}", {"TIMEOUT": params.get("TIMEOUT", 300)})
        self._down_until = 0.0

    @cached_property
    def _cache(self) -> ProcessRedisClient:
        # A cache object per thread (Django's), one client for them all.
        return process_client(self._servers, self._options)

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
