"""One way to throttle: every view's ``throttle_scope`` is limited at its rate, per address or per user."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from accounts.throttles import ScopedThrottle
from tests.conftest import client_for

TOKEN_URL = "/api/v1/auth/token/"


def drf_views(patterns: list | None = None) -> Iterator[tuple[str, type[APIView], dict[str, Any]]]:
    """Every REST framework view the URLs reach, with the keyword arguments of its route (an action's)."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from drf_views(entry.url_patterns)
        elif isinstance(entry, URLPattern) and hasattr(entry.callback, "cls"):
            yield str(entry.pattern), entry.callback.cls, getattr(entry.callback, "initkwargs", {})


# A report's JSON pages and its files count under scopes of their own; these queries ask for each.
QUERIES = ("", "?format=csv", "?format=xlsx")


def declared_scopes(cls: type[APIView], initkwargs: dict[str, Any]) -> dict[str, str]:
    """The scopes a view counts under, each with a query that makes it count there.

    Most views name one scope; a report whose scope is a property (``reports.files.FileExportView``)
    names one per kind of answer, read from the request as the throttle reads it.
    """
    declared = initkwargs.get("throttle_scope", getattr(cls, "throttle_scope", None))
    if not isinstance(declared, property):
        return {declared: ""} if declared else {}
    scopes: dict[str, str] = {}
    for query in QUERIES:
        view = cls(**initkwargs)
        view.request = Request(APIRequestFactory().get(f"/{query}"))
        scopes.setdefault(view.throttle_scope, query)
    return scopes


def scoped_views() -> list[tuple[str, type[APIView], dict[str, Any], str, str]]:
    found = []
    for route, cls, initkwargs in drf_views():
        for scope, query in declared_scopes(cls, initkwargs).items():
            found.append((route, cls, initkwargs, scope, query))
    return found


def test_every_view_throttles_through_the_one_default_class():
    default_classes = api_settings.DEFAULT_THROTTLE_CLASSES
    assert default_classes == [ScopedThrottle]
    for route, cls, initkwargs in drf_views():
        assert initkwargs.get("throttle_classes", cls.throttle_classes) == [ScopedThrottle], route
        assert cls.get_throttles is APIView.get_throttles, f"{route}: a view declares a throttle_scope, nothing more"


def test_the_walk_finds_the_scopes_of_views_and_actions():
    scopes = {scope for _route, _cls, _kwargs, scope, _query in scoped_views()}
    assert {"register", "login", "verify", "checkin", "scan", "export", "reports", "appoint_manager"} <= scopes


def test_a_reports_json_pages_and_its_files_count_under_scopes_of_their_own():
    scopes: dict[str, set[str]] = {}
    for route, _cls, _kwargs, scope, _query in scoped_views():
        scopes.setdefault(route, set()).add(scope)
    for route in ["stats/hours/", "reports/dashboard/<str:indicator>/", "reports/orders/"]:
        assert scopes[route] == {"reports", "export"}, route
    # Files only, whatever is asked: the national and annual exports and a person's own data.
    assert scopes["reports/national-export/"] == scopes["me/data/"] == {"export"}


@pytest.mark.parametrize(
    ("route", "cls", "initkwargs", "scope", "query"),
    [pytest.param(*view, id=f"{view[0]} {view[3]}") for view in scoped_views()],
)
def test_every_declared_scope_has_a_rate_and_is_enforced(route, cls, initkwargs, scope, query, monkeypatch, db):
    assert scope in ScopedThrottle.THROTTLE_RATES, f"{route}: no rate for {scope!r} in DEFAULT_THROTTLE_RATES"
    ScopedThrottle().parse_rate(ScopedThrottle.THROTTLE_RATES[scope])
    monkeypatch.setitem(ScopedThrottle.THROTTLE_RATES, scope, "1/minute")
    view = cls(**initkwargs)
    request = Request(APIRequestFactory().post(f"/{query}", REMOTE_ADDR="192.0.2.1"))
    request.user = AnonymousUser()
    view.request = request

    def allowed() -> bool:
        return all(throttle.allow_request(request, view) for throttle in view.get_throttles())

    assert allowed(), route
    assert not allowed(), f"{route}: {scope!r} declared but not enforced"


def test_an_export_answers_429_after_its_rate(volunteer_client, monkeypatch):
    monkeypatch.setitem(ScopedThrottle.THROTTLE_RATES, "export", "2/minute")
    statuses = [volunteer_client.get("/api/v1/me/data/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_the_61st_json_page_of_an_hour_is_served_while_the_61st_file_is_refused(
    center_manager_client, tree, monkeypatch
):
    # The default rates, whatever the environment running the tests says.
    monkeypatch.setitem(ScopedThrottle.THROTTLE_RATES, "export", "60/hour")
    monkeypatch.setitem(ScopedThrottle.THROTTLE_RATES, "reports", "600/hour")
    url = "/api/v1/stats/hours/?group_by=station"

    def status(query: str = "") -> int:
        response = center_manager_client.get(url + query)
        if response.streaming:
            b"".join(response.streaming_content)
        return response.status_code

    assert [status() for _ in range(61)] == [200] * 61
    assert [status("&format=csv") for _ in range(61)] == [200] * 60 + [429]
    # Files used up the hour's exports, not its pages.
    assert status() == 200
    assert status("&format=xlsx") == 429


def test_exports_count_per_user_not_per_address(volunteer, other_volunteer, monkeypatch):
    monkeypatch.setitem(ScopedThrottle.THROTTLE_RATES, "export", "1/minute")
    first, second = client_for(volunteer.user), client_for(other_volunteer.user)
    assert first.get("/api/v1/me/data/").status_code == 200
    assert first.get("/api/v1/me/data/").status_code == 429
    # Same address (the test client's), another person: a bucket of their own.
    assert second.get("/api/v1/me/data/").status_code == 200


@pytest.mark.parametrize(("proxies", "expected"), [(0, [400, 400, 429]), (1, [400, 400, 400])])
def test_token_logins_count_per_address_behind_trusted_proxies_only(
    anon_client, db, settings, monkeypatch, proxies, expected
):
    monkeypatch.setitem(ScopedThrottle.THROTTLE_RATES, "login", "2/minute")
    settings.NUM_PROXIES = proxies
    statuses = [
        anon_client.post(
            TOKEN_URL, {"phone": "1390000000", "password": "x"}, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}"
        ).status_code
        for n in range(3)
    ]
    assert statuses == expected


def test_a_forwarded_for_sent_straight_to_the_app_gets_no_fresh_bucket(anon_client, db, settings, monkeypatch):
    monkeypatch.setitem(ScopedThrottle.THROTTLE_RATES, "login", "2/minute")
    settings.NUM_PROXIES = 1
    settings.TRUSTED_PROXIES = ["10.9.0.0/16"]
    statuses = [
        anon_client.post(
            TOKEN_URL,
            {"phone": "1390000000", "password": "x"},
            REMOTE_ADDR="192.0.2.9",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        ).status_code
        for n in range(3)
    ]
    assert statuses == [400, 400, 429]


def test_a_logged_in_person_registering_shares_the_address_bucket(anon_client, volunteer, tree, monkeypatch):
    monkeypatch.setitem(ScopedThrottle.THROTTLE_RATES, "register", "1/hour")
    assert anon_client.post("/api/v1/volunteers/register/", {}, format="json").status_code == 400
    response = client_for(volunteer.user).post("/api/v1/volunteers/register/", {}, format="json")
    assert response.status_code == 429


def test_reading_a_units_managers_is_not_counted_as_appointing(center_manager_client, tree, monkeypatch):
    monkeypatch.setitem(ScopedThrottle.THROTTLE_RATES, "appoint_manager", "1/hour")
    url = f"/api/v1/units/{tree['S1'].pk}/managers/"
    assert [center_manager_client.get(url).status_code for _ in range(3)] == [200, 200, 200]


def test_an_unscoped_view_is_not_limited(rf):
    assert ScopedThrottle().allow_request(rf.get("/"), object())


@pytest.mark.parametrize(
    ("second", "expected"),
    [("2001:db8:1:2::2", 429), ("2001:db8:1:2:ffff:ffff:ffff:ffff", 429), ("2001:db8:1:3::1", 400)],
)
def test_ipv6_addresses_of_one_64_share_the_register_bucket(anon_client, tree, monkeypatch, second, expected):
    monkeypatch.setitem(ScopedThrottle.THROTTLE_RATES, "register", "1/hour")
    url = "/api/v1/volunteers/register/"
    assert anon_client.post(url, {}, format="json", REMOTE_ADDR="2001:db8:1:2::1").status_code == 400
    assert anon_client.post(url, {}, format="json", REMOTE_ADDR=second).status_code == expected


def test_ipv4_addresses_keep_a_bucket_each(anon_client, tree, monkeypatch):
    monkeypatch.setitem(ScopedThrottle.THROTTLE_RATES, "register", "1/hour")
    url = "/api/v1/volunteers/register/"
    assert anon_client.post(url, {}, format="json", REMOTE_ADDR="192.0.2.1").status_code == 400
    assert anon_client.post(url, {}, format="json", REMOTE_ADDR="192.0.2.2").status_code == 400


def test_unparseable_forwarded_hops_share_one_unknown_bucket_not_the_proxys(anon_client, db, settings, monkeypatch):
    monkeypatch.setitem(ScopedThrottle.THROTTLE_RATES, "login", "1/minute")
    settings.NUM_PROXIES = 1
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    login = {"phone": "1390000000", "password": "x"}
    sent = {"REMOTE_ADDR": "127.0.0.1"}
    assert anon_client.post(TOKEN_URL, login, HTTP_X_FORWARDED_FOR="2.2.2.2, garbage", **sent).status_code == 400
    assert anon_client.post(TOKEN_URL, login, HTTP_X_FORWARDED_FOR="other-garbage", **sent).status_code == 429
    # The proxy's own requests (no header) are not in that bucket.
    assert anon_client.post(TOKEN_URL, login, **sent).status_code == 400
