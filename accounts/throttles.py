"""Rate limits per client address, whoever is logged in.

For what a stranger can try before any account exists or is known (registering,
logging in, verifying certificates), the address is the only thing to count. It is
``client_ip``'s, the same one the login limits count, so a forged
``X-Forwarded-For`` cannot give a client a fresh bucket.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from rest_framework.throttling import SimpleRateThrottle

from accounts.client_addresses import client_ip


class AddressRateThrottle(SimpleRateThrottle):
    """Requests per client address at the rate of a scope in ``DEFAULT_THROTTLE_RATES``.

    In a view, the scope is the view's ``throttle_scope``, as with DRF's
    ``ScopedRateThrottle``; a page that checks it itself names the scope:
    ``AddressRateThrottle("register").allow_request(request, None)``.
    """

    scope: str | None = None

    def __init__(self, scope: str | None = None) -> None:
        # SimpleRateThrottle reads the rate of ``self.scope`` here; in a view the
        # scope is known only once the view is, so the rate is read then.
        if scope is not None:
            self.scope = scope
            super().__init__()

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.scope is None:
            self.scope = getattr(view, "throttle_scope", None)
            if self.scope is None:
                return True
            super().__init__()
        return super().allow_request(request, view)

    def get_cache_key(self, request: HttpRequest, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request) or "unknown"}
