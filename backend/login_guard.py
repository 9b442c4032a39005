"""Brute-force limits for every way to log in: the API token, the login page, the admin.

Each attempt for a phone number is counted before its password is checked, so a
burst of parallel guesses cannot slip past the count; after
``LOGIN_FAILURES_ALLOWED`` attempts without a success within ``LOGIN_LOCK_SECONDS``
the number is locked, whoever tries. Each client address may try
``LOGIN_ATTEMPTS_PER_IP`` times a minute. The counters live in the cache (Redis
in production), so every app server sees the same ones. ``ThrottledLoginBackend``
applies both to every login; the views read them to answer 429 without hashing.
"""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

from accounts.client_addresses import client_ip
from accounts.phones import normalize_phone


def _phone_key(phone: str) -> str:
    return f"login-attempts-phone:{normalize_phone(phone)}"


def _address_key(ip: str | None) -> str:
    return f"login-attempts-ip:{ip or 'unknown'}"


def _count(key: str, timeout: int) -> int:
    """Add one to ``key`` and return the new count; the period runs from the first."""
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def phone_locked(phone: str) -> bool:
    return cache.get(_phone_key(phone), 0) >= settings.LOGIN_FAILURES_ALLOWED


def address_blocked(ip: str | None) -> bool:
    return cache.get(_address_key(ip), 0) >= settings.LOGIN_ATTEMPTS_PER_IP


def clear_failures(phone: str) -> None:
    cache.delete(_phone_key(phone))


class ThrottledLoginBackend(ModelBackend):
    """Django's model backend behind the brute-force limits: no password is checked
    for a locked number or a blocked address, and a success clears the number's count."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        phone = username or kwargs.get("phone")
        if phone is None or password is None:
            return None
        if request is not None and _count(_address_key(client_ip(request)), 60) > settings.LOGIN_ATTEMPTS_PER_IP:
            return None
        if _count(_phone_key(phone), settings.LOGIN_LOCK_SECONDS) > settings.LOGIN_FAILURES_ALLOWED:
            return None
        user = super().authenticate(request, username=normalize_phone(phone), password=password)
        if user is not None:
            clear_failures(phone)
        return user
