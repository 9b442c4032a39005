"""Brute-force limits for every way to log in: the API token, the login page, the admin.

Wrong passwords are counted per number *and* client address: after
``LOGIN_FAILURES_ALLOWED`` attempts without a success within ``LOGIN_LOCK_SECONDS``
that address may no longer try that number, while the owner, elsewhere, still
can, so nobody can lock a volunteer out by typing their number ten times.
Against guessing spread over many addresses, the number is locked for everyone
after ``LOGIN_FAILURES_PER_PHONE`` failures from all addresses together in the
same period. Each address may also try ``LOGIN_ATTEMPTS_PER_IP`` times a minute,
whatever the number.

Every attempt is counted before its password is checked, so a burst of parallel
guesses cannot slip past the count; a success takes its own attempt back. The
counters live in the cache (Redis in production), so every app server sees the
same ones. Addresses count as ``client_addresses.counting_key`` says: a
global-unicast IPv6 address by its /64, so one subscriber rotating through its
allocation gets no fresh count, and an unknown address in one shared count. An
admin lifts a number's locks (``manage.py unlock_login``, or the
action on the users' admin page): the number's keys carry a generation that
unlocking moves on, so the per-address counters need not be found one by one.
"""

from __future__ import annotations

import contextlib
import hashlib

from django.conf import settings
from django.core.cache import cache

from accounts.client_addresses import counting_key
from accounts.phones import normalize_phone


def _phone_id(phone: str) -> str:
    # Hashed: a key of bounded length whatever was typed, and no numbers in the cache.
    return hashlib.sha256(normalize_phone(phone).encode()).hexdigest()[:32]


def _generation(phone_id: str) -> int:
    return cache.get(f"login-generation:{phone_id}", 0)


def _pair_key(phone: str, ip: str | None) -> str:
    phone_id = _phone_id(phone)
    return f"login-failures:{phone_id}:{_generation(phone_id)}:{counting_key(ip)}"


def _phone_key(phone: str) -> str:
    phone_id = _phone_id(phone)
    return f"login-failures-phone:{phone_id}:{_generation(phone_id)}"


def _address_key(ip: str | None) -> str:
    return f"login-attempts-ip:{counting_key(ip)}"


def _count(key: str, timeout: int) -> int:
    """Add one to ``key`` and return the new count; the period runs from the first."""
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def locked_everywhere(phone: str) -> bool:
    """Whether the number reached its ceiling of failures from all addresses together."""
    return cache.get(_phone_key(phone), 0) >= settings.LOGIN_FAILURES_PER_PHONE


def phone_locked(phone: str, ip: str | None) -> bool:
    """Whether this address may not try this number now (its own failures, or the number's ceiling)."""
    return cache.get(_pair_key(phone, ip), 0) >= settings.LOGIN_FAILURES_ALLOWED or locked_everywhere(phone)


def address_blocked(ip: str | None) -> bool:
    return cache.get(_address_key(ip), 0) >= settings.LOGIN_ATTEMPTS_PER_IP


def admit_attempt(phone: str, ip: str | None) -> bool:
    """Count an attempt on ``phone`` from ``ip`` before its password is checked; False when over a limit."""
    if _count(_address_key(ip), 60) > settings.LOGIN_ATTEMPTS_PER_IP:
        return False
    pair = _count(_pair_key(phone, ip), settings.LOGIN_LOCK_SECONDS)
    overall = _count(_phone_key(phone), settings.LOGIN_LOCK_SECONDS)
    return pair <= settings.LOGIN_FAILURES_ALLOWED and overall <= settings.LOGIN_FAILURES_PER_PHONE


def record_success(phone: str, ip: str | None) -> None:
    """A right password: this address starts afresh and the number's ceiling counts only failures."""
    cache.delete(_pair_key(phone, ip))
    with contextlib.suppress(ValueError):  # expired meanwhile
        cache.decr(_phone_key(phone))


def unlock(phone: str) -> None:
    """Lift every lock on ``phone``, from every address (an admin's decision)."""
    key = f"login-generation:{_phone_id(phone)}"
    # Longer than any counter lives, so an old generation never comes back.
    if not cache.add(key, 1, timeout=None):
        cache.incr(key)
