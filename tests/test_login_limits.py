import datetime

import pytest
import time_machine

from tests.conftest import PASSWORD

TOKEN_URL = "/api/v1/auth/token/"


def test_ten_wrong_passwords_lock_the_phone_for_the_token_login(anon_client, station_manager):
    for _ in range(10):
        assert anon_client.post(TOKEN_URL, {"phone": station_manager.phone, "password": "wrong"}).status_code == 400
    locked = anon_client.post(TOKEN_URL, {"phone": station_manager.phone, "password": PASSWORD})
    assert locked.status_code == 429
    assert "15" in locked.json()["detail"]


def test_the_lock_holds_from_another_address_and_on_the_login_page(anon_client, client, station_manager):
    for n in range(10):
        anon_client.post(TOKEN_URL, {"phone": station_manager.phone, "password": "wrong"}, REMOTE_ADDR=f"10.1.1.{n}")
    response = client.post("/login/", {"username": station_manager.phone, "password": PASSWORD})
    assert response.status_code == 429
    assert "尝试次数过多" in response.content.decode()


def test_the_lock_ends_after_15_minutes(anon_client, station_manager):
    with time_machine.travel("2026-12-05 09:00 +0800", tick=False) as clock:
        for _ in range(10):
            anon_client.post(TOKEN_URL, {"phone": station_manager.phone, "password": "wrong"})
        clock.shift(datetime.timedelta(minutes=14))
        assert anon_client.post(TOKEN_URL, {"phone": station_manager.phone, "password": PASSWORD}).status_code == 429
        clock.shift(datetime.timedelta(minutes=2))
        assert anon_client.post(TOKEN_URL, {"phone": station_manager.phone, "password": PASSWORD}).status_code == 200


def test_a_correct_password_resets_the_count(anon_client, station_manager):
    for _ in range(9):
        anon_client.post(TOKEN_URL, {"phone": station_manager.phone, "password": "wrong"})
    assert anon_client.post(TOKEN_URL, {"phone": station_manager.phone, "password": PASSWORD}).status_code == 200
    for _ in range(9):
        anon_client.post(TOKEN_URL, {"phone": station_manager.phone, "password": "wrong"})
    assert anon_client.post(TOKEN_URL, {"phone": station_manager.phone, "password": PASSWORD}).status_code == 200


def test_the_login_page_throttles_one_address(client, settings, db):
    settings.LOGIN_ATTEMPTS_PER_IP = 3
    statuses = [client.post("/login/", {"username": f"1390000000{n}", "password": "x"}).status_code for n in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


@pytest.mark.parametrize(("proxies", "expected"), [(0, 429), (1, 200)])
def test_forwarded_for_counts_only_behind_trusted_proxies(client, settings, db, proxies, expected):
    settings.LOGIN_ATTEMPTS_PER_IP = 1
    settings.NUM_PROXIES = proxies
    client.post("/login/", {"username": "13900000001", "password": "x"}, HTTP_X_FORWARDED_FOR="1.2.3.4")
    response = client.post("/login/", {"username": "13900000002", "password": "x"}, HTTP_X_FORWARDED_FOR="5.6.7.8")
    assert response.status_code == expected


def test_the_login_page_returns_to_where_the_person_came_from(client, volunteer):
    response = client.post(
        "/login/?next=/events/", {"username": volunteer.phone, "password": PASSWORD, "next": "/events/"}
    )
    assert response.status_code == 302 and response["Location"] == "/events/"


def test_the_login_page_does_not_redirect_off_site(client, volunteer):
    response = client.post(
        "/login/", {"username": volunteer.phone, "password": PASSWORD, "next": "https://evil.example/"}
    )
    # The home page, which sends each person on by role (workbench or my page).
    assert response["Location"] == "/"


def test_the_admin_login_is_locked_too(anon_client, client, station_manager):
    for _ in range(10):
        anon_client.post(TOKEN_URL, {"phone": station_manager.phone, "password": "wrong"})
    client.post("/admin/login/", {"username": station_manager.phone, "password": PASSWORD})
    assert client.get("/admin/").status_code == 302  # still not logged in


def test_a_burst_of_guesses_checks_at_most_ten_passwords(anon_client, station_manager, monkeypatch):
    from django.contrib.auth.backends import ModelBackend

    checked = []
    original = ModelBackend.authenticate

    def counting(self, request, username=None, password=None, **kwargs):
        checked.append(password)
        return original(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", counting)
    from django.contrib.auth import authenticate

    for n in range(15):
        authenticate(None, phone=station_manager.phone, password=f"guess-{n}")
    assert len(checked) == 10


@pytest.mark.parametrize("body", ["[]", '"x"', "123", "null"])
def test_a_token_login_body_that_is_not_an_object_is_a_400(anon_client, db, body):
    assert anon_client.post(TOKEN_URL, body, content_type="application/json").status_code == 400
