"""API tokens end: they expire (sliding on use), logout deletes them, and a password change
or a deactivation ends every token and session of the user, whatever path made it."""

import datetime
import io

import pytest
import time_machine
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import change_password, deactivate_user
from tests.conftest import PASSWORD

TOKEN_URL = "/api/v1/auth/token/"
WHOAMI = "/api/v1/auth/whoami/"
NEW_PASSWORD = "another-long-secret-93"


def log_in(user) -> str:
    response = APIClient().post(TOKEN_URL, {"phone": user.phone, "password": PASSWORD})
    assert response.status_code == 200, response.content
    return response.json()["token"]


def call(token: str, url: str = WHOAMI, method: str = "get"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return getattr(client, method)(url)


@pytest.fixture
def lifetime(settings):
    settings.REST_KNOX = {
        **settings.REST_KNOX,
        "TOKEN_TTL": datetime.timedelta(hours=10),
        "AUTO_REFRESH_MAX_TTL": datetime.timedelta(days=3),
    }


def test_only_a_digest_of_the_token_is_stored(station_manager):
    token = log_in(station_manager)
    row = AuthToken.objects.get(user=station_manager)
    assert token not in {row.digest, row.token_key} and len(row.digest) == 128


def test_a_token_unused_for_its_lifetime_ends(station_manager, lifetime):
    with time_machine.travel("2026-12-05 09:00 +0800", tick=False) as clock:
        token = log_in(station_manager)
        clock.shift(datetime.timedelta(hours=9, minutes=50))
        assert call(token).status_code == 200
        clock.shift(datetime.timedelta(hours=10, minutes=10))
        assert call(token).status_code == 401
        assert not AuthToken.objects.exists()


def test_each_use_extends_it_up_to_the_longest_life(station_manager, lifetime):
    with time_machine.travel("2026-12-05 09:00 +0800", tick=False) as clock:
        token = log_in(station_manager)
        for _ in range(7):  # used every 9 hours: 63 hours in all, each within 10 h of the last use
            clock.shift(datetime.timedelta(hours=9))
            assert call(token).status_code == 200
        clock.shift(datetime.timedelta(hours=9, minutes=1))  # past 72 h after the login: the longest life is over
        assert call(token).status_code == 401


def test_logout_deletes_the_callers_token_only(station_manager):
    phone, laptop = log_in(station_manager), log_in(station_manager)
    assert call(phone, "/api/v1/auth/logout/", "post").status_code == 204
    assert call(phone).status_code == 401
    assert call(laptop).status_code == 200


def test_logout_ends_a_session(client, station_manager):
    client.force_login(station_manager)
    assert client.post("/api/v1/auth/logout/").status_code == 204
    assert client.get(WHOAMI).status_code in (401, 403)


def test_logout_everywhere_ends_every_token_and_session(client, station_manager):
    client.force_login(station_manager)
    phone, laptop = log_in(station_manager), log_in(station_manager)
    assert call(phone, "/api/v1/auth/logout-everywhere/", "post").status_code == 204
    assert call(laptop).status_code == 401
    assert client.get(WHOAMI).status_code in (401, 403)


def test_the_anonymous_cannot_log_out(anon_client, db):
    assert anon_client.post("/api/v1/auth/logout/").status_code == 401


def set_password_and_save(user: User) -> None:
    user.set_password(NEW_PASSWORD)
    user.save()


def raw_update(user: User) -> None:
    User.objects.filter(pk=user.pk).update(password=make_password(NEW_PASSWORD))


def admin_password_form(user: User) -> None:
    admin = User.objects.create_superuser("13800000009", PASSWORD, name="管理员")
    web = Client()
    web.force_login(admin)
    url = f"/admin/accounts/user/{user.pk}/password/"
    response = web.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert response.status_code == 302, response.content.decode()[:500]


def management_command(user: User) -> None:
    import getpass

    original = getpass.getpass
    getpass.getpass = lambda prompt="": NEW_PASSWORD
    try:
        call_command("changepassword", user.phone, stdout=io.StringIO())
    finally:
        getpass.getpass = original


@pytest.mark.parametrize(
    "change",
    [
        lambda user: change_password(user, NEW_PASSWORD),
        set_password_and_save,
        raw_update,
        admin_password_form,
        management_command,
    ],
    ids=["service", "set_password", "queryset-update", "admin-form", "changepassword-command"],
)
def test_a_password_change_by_any_path_ends_every_token_and_session(client, station_manager, change):
    token = log_in(station_manager)
    client.force_login(station_manager)
    assert call(token).status_code == 200 and client.get(WHOAMI).status_code == 200
    change(User.objects.get(pk=station_manager.pk))
    assert call(token).status_code == 401
    assert client.get(WHOAMI).status_code in (401, 403)
    # A token from a login with the new password works.
    fresh = APIClient().post(TOKEN_URL, {"phone": station_manager.phone, "password": NEW_PASSWORD}).json()["token"]
    assert call(fresh).status_code == 200


def test_deactivation_ends_every_login_for_good(client, station_manager):
    token = log_in(station_manager)
    client.force_login(station_manager)
    deactivate_user(station_manager)
    assert not AuthToken.objects.filter(user=station_manager).exists()
    assert not Session.objects.exists()
    User.objects.filter(pk=station_manager.pk).update(is_active=True)
    # Reactivated: the old token and session are gone, a new login is needed.
    assert call(token).status_code == 401
    assert client.get(WHOAMI).status_code in (401, 403)


def test_deactivating_in_the_admin_ends_every_login(client, station_manager, admin_user):
    token = log_in(station_manager)
    client.force_login(station_manager)
    admin = Client()
    admin.force_login(admin_user)
    url = f"/admin/accounts/user/{station_manager.pk}/change/"
    form = {
        "phone": station_manager.phone,
        "name": station_manager.name,
        "is_staff": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
    }
    response = admin.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    station_manager.refresh_from_db()
    assert station_manager.is_active is False
    User.objects.filter(pk=station_manager.pk).update(is_active=True)
    assert call(token).status_code == 401
    assert client.get(WHOAMI).status_code in (401, 403)


def test_an_old_drf_token_header_is_not_accepted(anon_client, db):
    anon_client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert anon_client.get(WHOAMI).status_code == 401
