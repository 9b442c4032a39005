"""Brute-force limits for both logins (the API token and the login page).

A phone number is locked after ``LOGIN_FAILURES_ALLOWED`` wrong passwords within
``LOGIN_LOCK_SECONDS``, whoever tries; and each client address may try only
``LOGIN_ATTEMPTS_PER_IP`` times a minute. The counters live in the cache (Redis
in production), so every app server sees the same ones.
"""

from django.conf import settings
from django.core.cache import cache

from accounts.phones import normalize_phone


def _failures_key(phone: str) -> str:
    return f"login-failures:{normalize_phone(phone)}"


def _attempts_key(ip: str) -> str:
    return f"login-attempts:{ip}"


def phone_locked(phone: str) -> bool:
    return cache.get(_failures_key(phone), 0) >= settings.LOGIN_FAILURES_ALLOWED


def record_failure(phone: str) -> None:
    key = _failures_key(phone)
    # The lock runs from the first failure of a series, not from the last one.
    if not cache.add(key, 1, timeout=settings.LOGIN_LOCK_SECONDS):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=settings.LOGIN_LOCK_SECONDS)


def clear_failures(phone: str) -> None:
    cache.delete(_failures_key(phone))


def address_over_limit(ip: str | None) -> bool:
    """Count one attempt from ``ip``; true when it is over the per-minute limit."""
    key = _attempts_key(ip or "unknown")
    if cache.add(key, 1, timeout=60):
        return False
    try:
        return cache.incr(key) > settings.LOGIN_ATTEMPTS_PER_IP
    except ValueError:
        return False
