"""Every URL name leads to one address.

DRF's routers name their actions ``<basename>-<action>``; a page given the same name loses
its {% url %} to the API or takes it from the API, depending on the include order. The
manager's 批准 button on /venues/bookings/ once posted to /api/v1/venue-bookings/<id>/approve/
for that reason.
"""

from collections import defaultdict

from django.urls import URLResolver, get_resolver


def addresses_by_name() -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)

    def walk(patterns, prefix: str, namespaces: list[str]) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespaces + ([pattern.namespace] if pattern.namespace else [])
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif pattern.name:
                found[":".join([*namespaces, pattern.name])].add(prefix + str(pattern.pattern))

    walk(get_resolver().url_patterns, "", [])
    return found


def test_no_two_addresses_share_a_url_name():
    shared = {name: sorted(paths) for name, paths in addresses_by_name().items() if len(paths) > 1}
    assert shared == {}
