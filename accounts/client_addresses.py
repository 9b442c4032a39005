"""Who is asking: the client's address, believed from forwarded headers only when our own proxies sent them.

Everything that counts or admits by address (login limits, throttles, ``/metrics``,
``/readyz``'s details, the request id in the log) asks here, so they all get the
same answer. What counts (``counting_key``) is coarser than what admits: a
global-unicast IPv6 address counts by its /64, one subscriber's allocation.
"""

import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.http import HttpRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# RFC 4291's global unicast space; link-local, unique-local and loopback stay per address.
GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")
# What one subscriber is usually given: rotating inside it must not mean a fresh bucket.
SUBSCRIBER_PREFIX_V6 = 64


def parse_address(text: str | None) -> IPAddress | None:
    """An address as written in ``REMOTE_ADDR`` or a forwarded hop; None when it is not one."""
    try:
        address = ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None
    # A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def address_in(address: str | None, networks: Iterable[str]) -> bool:
    """Whether ``address`` lies in one of ``networks`` (addresses or CIDR networks, as in the settings)."""
    parsed = parse_address(address)
    if parsed is None:
        return False
    return any(parsed in ipaddress.ip_network(network, strict=False) for network in networks)


def from_trusted_proxy(request: HttpRequest) -> bool:
    """Whether the peer is one of our proxies (``NUM_PROXIES`` set and ``REMOTE_ADDR`` in ``TRUSTED_PROXIES``)."""
    return bool(settings.NUM_PROXIES) and address_in(request.META.get("REMOTE_ADDR"), settings.TRUSTED_PROXIES)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the socket's, or as our own proxies report it.

    ``X-Forwarded-For`` is read only when the peer is a trusted proxy, and then
    only for the ``NUM_PROXIES`` hops that our proxies appended, each of which
    must have come from a trusted proxy too: anything a client writes there
    itself, or sends straight to the app's port, is ignored. None when a trusted
    proxy's hop cannot be read: unknown, never the proxy's own address.
    """
    address = request.META.get("REMOTE_ADDR")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if not forwarded or not from_trusted_proxy(request):
        return address
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        # Our proxy sent the header but named nobody: unknown, never the proxy itself.
        return None
    for hop in reversed(hops[-settings.NUM_PROXIES :]):
        if not address_in(address, settings.TRUSTED_PROXIES):
            break
        parsed = parse_address(hop)
        if parsed is None:
            # The hop a trusted proxy appended is garbage: the client is unknown. Falling
            # back to the proxy's own address would share its bucket and its allow-list.
            return None
        address = str(parsed)
    return address


def counting_key(address: str | None) -> str:
    """What limits count ``address`` as: a global-unicast IPv6 address by its /64, others as they are.

    IPv4 (and IPv4-mapped IPv6) addresses count one by one; an unknown or
    unparseable address counts in the one ``"unknown"`` bucket. Logs and the
    ``/metrics`` allow-list keep the exact address (``client_ip``).
    """
    parsed = parse_address(address)
    if parsed is None:
        return "unknown"
    if isinstance(parsed, ipaddress.IPv6Address) and parsed in GLOBAL_UNICAST_V6:
        return str(ipaddress.IPv6Network((parsed, SUBSCRIBER_PREFIX_V6), strict=False))
    return str(parsed)
