"""Residents register through the per-address limit volunteers' registration uses: one bucket per
client address (as the login limits count it), whichever of the two forms is posted."""

import pytest
from django.contrib.auth import get_user_model

from accounts.throttles import ScopedThrottle

RESIDENT = {"name": "李红", "phone": "13512345678", "password": "a-long-secret-77"}


@pytest.fixture
def one_registration_an_hour(monkeypatch):
    monkeypatch.setitem(ScopedThrottle.THROTTLE_RATES, "register", "1/hour")


def test_a_forged_forwarded_for_header_gets_no_fresh_bucket(anon_client, db, settings, one_registration_an_hour):
    settings.NUM_PROXIES = 0
    first = anon_client.post("/api/v1/residents/register/", {}, format="json", HTTP_X_FORWARDED_FOR="10.0.0.1")
    again = anon_client.post("/api/v1/residents/register/", RESIDENT, format="json", HTTP_X_FORWARDED_FOR="10.0.0.2")
    assert first.status_code == 400 and again.status_code == 429
    assert not get_user_model().objects.filter(phone=RESIDENT["phone"]).exists()


def test_volunteer_and_resident_registrations_share_the_address_bucket(anon_client, db, one_registration_an_hour):
    assert anon_client.post("/api/v1/volunteers/register/", {}, format="json").status_code == 400
    response = anon_client.post("/api/v1/residents/register/", RESIDENT, format="json")
    assert response.status_code == 429
    assert not get_user_model().objects.filter(phone=RESIDENT["phone"]).exists()
