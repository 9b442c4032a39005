"""The one throttle: a view names a ``throttle_scope``, the settings give its rate.

``ScopedThrottle`` is REST framework's default throttle class (settings), so a
view, or an action through ``@action(throttle_scope=...)``, declares nothing but
its scope; a page outside REST framework asks the same class by name:
``ScopedThrottle("register").allow_request(request, None)``, and shares the
API's bucket.

How a scope counts:

- per client address, whoever is logged in, for what a stranger can try before
  any account exists or is known (registering, logging in, verifying
  certificates): the address is the only thing to count, and a logged-in person
  registering shares the address's bucket;
- per user for everything else (anonymous callers of such a scope per address).

The address is ``client_ip``'s, the same one the login limits and ``/metrics``
use, so a forged ``X-Forwarded-For`` cannot give a client a fresh bucket; it
counts as ``counting_key`` says (an IPv6 client by its /64, so rotating through
its own allocation gives no fresh bucket either; an unknown one in one bucket).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

from accounts.client_addresses import client_ip, counting_key

# Scopes counted per client address whoever is logged in.
PER_ADDRESS_SCOPES = frozenset({"register", "login", "verify"})
# Scopes that guard a write only: reading the same URL (a unit's list of managers) probes nothing.
WRITE_ONLY_SCOPES = frozenset({"appoint_manager"})


class ScopedThrottle(ScopedRateThrottle):
    """Requests per scope at the rate of ``DEFAULT_THROTTLE_RATES[scope]``: per address or per user (see above).

    A view without a ``throttle_scope`` is not limited. A scope without a rate is a
    configuration error (``ImproperlyConfigured``), not a silent absence of limits.
    """

    def __init__(self, scope: str | None = None) -> None:
        # The rate is read once the scope is known: given here, or the view's at the request.
        self.scope = scope

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.scope is None:
            self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        if self.scope in WRITE_ONLY_SCOPES and request.method in SAFE_METHODS:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return SimpleRateThrottle.allow_request(self, request, view)

    def get_ident(self, request: Any) -> str:
        # REST framework's own reads X-Forwarded-For from any peer.
        return counting_key(client_ip(request))

    def get_cache_key(self, request: HttpRequest, view: Any) -> str:
        user = getattr(request, "user", None)
        if self.scope in PER_ADDRESS_SCOPES or user is None or not user.is_authenticated:
            ident = self.get_ident(request)
        else:
            ident = str(user.pk)
        return self.cache_format % {"scope": self.scope, "ident": ident}
