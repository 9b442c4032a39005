import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from tests.conftest import PASSWORD

TOKEN_URL = "/api/v1/auth/token/"


def test_ten_wrong_passwords_lock_the_phone_for_the_token_login(anon_client, station_manager):
    for _ in range(10):
        assert anon_client.post(TOKEN_URL, {"phone": station_manager.phone, "password": "wrong"}).status_code == 400
    locked = anon_client.post(TOKEN_URL, {"phone": station_manager.phone, "password": PASSWORD})
    assert locked.status_code == 429
    assert "15" in locked.json()["detail"]


def test_the_lock_holds_for_that_address_on_the_login_page_too(anon_client, client, station_manager):
    for _ in range(10):
        anon_client.post(TOKEN_URL, {"phone": station_manager.phone, "password": "wrong"}, REMOTE_ADDR="10.1.1.1")
    response = client.post("/login/", {"username": station_manager.phone, "password": PASSWORD}, REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 429
    assert "尝试次数过多" in response.content.decode()


def test_someone_elses_wrong_passwords_do_not_lock_the_owner_out(anon_client, client, station_manager):
    # Today's weapon: ten wrong passwords from one address locked the number for everyone.
    for _ in range(10):
        anon_client.post(TOKEN_URL, {"phone": station_manager.phone, "password": "wrong"}, REMOTE_ADDR="10.6.6.6")
    owner = {"phone": station_manager.phone, "password": PASSWORD}
    assert anon_client.post(TOKEN_URL, owner, REMOTE_ADDR="10.6.6.6").status_code == 429
    assert anon_client.post(TOKEN_URL, owner, REMOTE_ADDR="192.168.1.20").status_code == 200
    page = client.post("/login/", {"username": station_manager.phone, "password": PASSWORD}, REMOTE_ADDR="192.168.1.20")
    assert page.status_code == 302


def test_guessing_spread_over_many_addresses_meets_a_ceiling(anon_client, station_manager, settings):
    settings.LOGIN_FAILURES_PER_PHONE = 30
    for n in range(30):
        wrong = {"phone": station_manager.phone, "password": f"guess-{n}"}
        assert anon_client.post(TOKEN_URL, wrong, REMOTE_ADDR=f"10.2.{n // 200}.{n % 200}").status_code == 400
    owner = {"phone": station_manager.phone, "password": PASSWORD}
    assert anon_client.post(TOKEN_URL, owner, REMOTE_ADDR="192.168.1.20").status_code == 429


def test_the_owners_own_logins_do_not_count_toward_the_ceiling(anon_client, station_manager, settings):
    settings.LOGIN_FAILURES_PER_PHONE = 5
    owner = {"phone": station_manager.phone, "password": PASSWORD}
    for _ in range(8):
        assert anon_client.post(TOKEN_URL, owner).status_code == 200


def lock_everywhere(anon_client, phone: str) -> None:
    for n in range(100):
        anon_client.post(TOKEN_URL, {"phone": phone, "password": "wrong"}, REMOTE_ADDR=f"10.3.{n // 200}.{n % 200}")


def test_an_admin_unlocks_a_number_with_a_command(anon_client, station_manager):
    lock_everywhere(anon_client, station_manager.phone)
    for _ in range(10):
        anon_client.post(TOKEN_URL, {"phone": station_manager.phone, "password": "wrong"}, REMOTE_ADDR="10.9.9.9")
    owner = {"phone": station_manager.phone, "password": PASSWORD}
    assert anon_client.post(TOKEN_URL, owner).status_code == 429
    out = io.StringIO()
    call_command("unlock_login", station_manager.phone, "--dry-run", stdout=out)
    assert "locked everywhere" in out.getvalue()
    assert anon_client.post(TOKEN_URL, owner).status_code == 429
    call_command("unlock_login", station_manager.phone, stdout=out)
    assert anon_client.post(TOKEN_URL, owner).status_code == 200
    # Every address's count is gone too, not only the ceiling.
    assert anon_client.post(TOKEN_URL, owner, REMOTE_ADDR="10.9.9.9").status_code == 200


def test_an_admin_unlocks_users_from_the_admin(anon_client, station_manager, admin_user):
    lock_everywhere(anon_client, station_manager.phone)
    owner = {"phone": station_manager.phone, "password": PASSWORD}
    assert anon_client.post(TOKEN_URL, owner).status_code == 429
    web = Client()
    web.force_login(admin_user)
    response = web.post("/admin/accounts/user/", {"action": "unlock_logins", "_selected_action": [station_manager.pk]})
    assert response.status_code == 302
    assert anon_client.post(TOKEN_URL, owner).status_code == 200


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


def test_a_forwarded_for_sent_straight_to_the_app_port_does_not_escape_the_lock(anon_client, settings, station_manager):
    # With NUM_PROXIES set, a client reaching the app directly used to pick a new address per attempt.
    settings.NUM_PROXIES = 1
    settings.TRUSTED_PROXIES = ["10.9.0.1"]
    for n in range(10):
        anon_client.post(
            TOKEN_URL,
            {"phone": station_manager.phone, "password": "wrong"},
            REMOTE_ADDR="192.0.2.9",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
    owner = {"phone": station_manager.phone, "password": PASSWORD}
    response = anon_client.post(TOKEN_URL, owner, REMOTE_ADDR="192.0.2.9", HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert response.status_code == 429


def test_behind_a_trusted_proxy_each_client_address_has_its_own_count(anon_client, settings, station_manager):
    settings.NUM_PROXIES = 1
    settings.TRUSTED_PROXIES = ["10.9.0.0/24"]
    wrong = {"phone": station_manager.phone, "password": "wrong"}
    for _ in range(10):
        anon_client.post(TOKEN_URL, wrong, REMOTE_ADDR="10.9.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1")
    owner = {"phone": station_manager.phone, "password": PASSWORD}
    assert (
        anon_client.post(TOKEN_URL, owner, REMOTE_ADDR="10.9.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code
        == 429
    )
    assert (
        anon_client.post(TOKEN_URL, owner, REMOTE_ADDR="10.9.0.1", HTTP_X_FORWARDED_FOR="198.51.100.2").status_code
        == 200
    )


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


@pytest.mark.parametrize(("second", "expected"), [("2001:db8:5:6::beef", 429), ("2001:db8:5:7::1", 200)])
def test_ipv6_addresses_of_one_64_share_the_login_attempt_limit(client, settings, db, second, expected):
    settings.LOGIN_ATTEMPTS_PER_IP = 1
    client.post("/login/", {"username": "13900000001", "password": "x"}, REMOTE_ADDR="2001:db8:5:6::1")
    response = client.post("/login/", {"username": "13900000002", "password": "x"}, REMOTE_ADDR=second)
    assert response.status_code == expected


@pytest.mark.parametrize(("second", "expected"), [("2001:db8:5:6::2", 429), ("2001:db8:5:7::2", 200)])
def test_ipv6_addresses_of_one_64_share_the_lock_on_a_number(anon_client, station_manager, second, expected):
    for n in range(10):
        wrong = {"phone": station_manager.phone, "password": "wrong"}
        anon_client.post(TOKEN_URL, wrong, REMOTE_ADDR=f"2001:db8:5:6::{n + 100:x}")
    owner = {"phone": station_manager.phone, "password": PASSWORD}
    assert anon_client.post(TOKEN_URL, owner, REMOTE_ADDR=second).status_code == expected
