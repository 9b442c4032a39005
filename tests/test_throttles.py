"""Per-address limits: registering, logging in and verifying are counted per client address."""

import pytest

from accounts.throttles import AddressRateThrottle
from tests.conftest import client_for

TOKEN_URL = "/api/v1/auth/token/"


@pytest.mark.parametrize(("proxies", "expected"), [(0, [400, 400, 429]), (1, [400, 400, 400])])
def test_token_logins_count_per_address_behind_trusted_proxies_only(
    anon_client, db, settings, monkeypatch, proxies, expected
):
    monkeypatch.setitem(AddressRateThrottle.THROTTLE_RATES, "login", "2/minute")
    settings.NUM_PROXIES = proxies
    statuses = [
        anon_client.post(
            TOKEN_URL, {"phone": "1390000000", "password": "x"}, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}"
        ).status_code
        for n in range(3)
    ]
    assert statuses == expected


def test_a_logged_in_person_registering_shares_the_address_bucket(anon_client, volunteer, tree, monkeypatch):
    monkeypatch.setitem(AddressRateThrottle.THROTTLE_RATES, "register", "1/hour")
    assert anon_client.post("/api/v1/volunteers/register/", {}, format="json").status_code == 400
    response = client_for(volunteer.user).post("/api/v1/volunteers/register/", {}, format="json")
    assert response.status_code == 429


def test_an_unscoped_view_is_not_limited(rf):
    assert AddressRateThrottle().allow_request(rf.get("/"), object())
