"""A one-time password handed over by a manager or an admin opens nothing but the way to choose
one's own: on the pages (a redirect) and in the API (403 password_change_required)."""

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from tests.admin.conftest import page
from tests.conftest import PASSWORD

NEW = "my-own-secret-58"


def reset_by_manager(station_manager, volunteer) -> str:
    admin = Client()
    admin.force_login(station_manager)
    response = admin.post(f"/admin/volunteers/volunteer/{volunteer.pk}/reset_password/")
    return re.search(r'id="one-time-password"[^>]*>([^<]+)<', page(response)).group(1)


def token_login(phone: str, password: str) -> dict:
    response = APIClient().post("/api/v1/auth/token/", {"phone": phone, "password": password})
    assert response.status_code == 200, response.content
    return response.json()


def api(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_the_app_must_choose_a_password_before_anything_else(station_manager, volunteer):
    one_time = reset_by_manager(station_manager, volunteer)
    login = token_login(volunteer.user.phone, one_time)
    assert login["password_change_required"] is True
    app = api(login["token"])
    refused = app.get("/api/v1/me/")
    assert refused.status_code == 403 and refused.json()["code"] == "password_change_required"
    assert "一次性" in refused.json()["detail"]
    assert app.get("/api/v1/events/").status_code == 403
    assert app.get("/api/v1/auth/whoami/").status_code == 200

    wrong = app.post("/api/v1/auth/password/", {"old_password": "guess-123456", "new_password": NEW})
    assert wrong.status_code == 400 and wrong.json()["old_password"] == ["当前密码不正确。"]
    weak = app.post("/api/v1/auth/password/", {"old_password": one_time, "new_password": "12345678"})
    assert weak.status_code == 400 and weak.json()["new_password"]
    same = app.post("/api/v1/auth/password/", {"old_password": one_time, "new_password": one_time})
    assert same.status_code == 400 and same.json()["new_password"]

    chosen = app.post("/api/v1/auth/password/", {"old_password": one_time, "new_password": NEW})
    assert chosen.status_code == 200 and chosen.json()["password_change_required"] is False
    # The login made with the one-time password is over; the answer's new token works everywhere.
    assert app.get("/api/v1/auth/whoami/").status_code == 401
    assert api(chosen.json()["token"]).get("/api/v1/me/").status_code == 200
    assert token_login(volunteer.user.phone, NEW)["password_change_required"] is False


def test_the_pages_lead_to_the_password_page_and_back(client, station_manager, volunteer):
    one_time = reset_by_manager(station_manager, volunteer)
    assert client.post("/login/", {"username": volunteer.user.phone, "password": one_time}).status_code == 302
    for path in ("/me/", "/events/", "/workbench/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/me/password/?next=")
    # The session cannot reach the API either.
    assert client.get("/api/v1/me/").json()["code"] == "password_change_required"
    form = client.get("/me/password/?next=/me/")
    assert "一次性密码" in form.content.decode()

    data = {"old_password": one_time, "new_password1": NEW, "new_password2": NEW, "next": "/me/"}
    mistyped = client.post("/me/password/", {**data, "new_password2": "other-secret-58"})
    assert mistyped.status_code == 400 and "输入的两个密码不一致" in mistyped.content.decode()
    done = client.post("/me/password/", data)
    assert done.status_code == 302 and done["Location"] == "/me/"
    page_after = client.get("/me/")
    assert page_after.status_code == 200 and "密码已修改" in page_after.content.decode()
    user = User.objects.get(pk=volunteer.user.pk)
    assert user.check_password(NEW) and not user.password_change_required


def test_the_password_page_sends_nobody_to_another_site(client, volunteer):
    client.force_login(volunteer.user)
    data = {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW, "next": "https://evil.example/"}
    response = client.post("/me/password/", data)
    assert response.status_code == 302 and response["Location"] == "/"


def test_a_volunteer_changes_their_own_password_any_time(client, volunteer):
    client.force_login(volunteer.user)
    assert 'href="/me/password/"' in client.get("/me/").content.decode()
    data = {"old_password": "not-mine-12345", "new_password1": NEW, "new_password2": NEW}
    assert client.post("/me/password/", data).status_code == 400
    assert User.objects.get(pk=volunteer.user.pk).check_password(PASSWORD)


def test_registering_on_the_spot_hands_over_a_one_time_password(client, station_manager, tree):
    client.force_login(station_manager)
    from tests.conftest import make_id_number

    data = {
        "real_name": "周七",
        "id_number": make_id_number(),
        "phone": "13912345678",
        "home_station": tree["S1"].pk,
        "consent": "on",
    }
    response = client.post("/admin/volunteers/volunteer/add/", data)
    one_time = re.search(r'id="one-time-password"[^>]*>([^<]+)<', page(response)).group(1)
    assert token_login("13912345678", one_time)["password_change_required"] is True


@pytest.mark.parametrize("own", [False, True], ids=["someone-else", "own"])
def test_a_password_an_admin_sets_for_someone_else_is_one_time(client, admin_user, station_manager, own):
    client.force_login(admin_user)
    target = admin_user if own else station_manager
    response = client.post(
        f"/admin/accounts/user/{target.pk}/password/",
        {"password1": NEW, "password2": NEW, "usable_password": "true"},
    )
    assert response.status_code == 302
    assert User.objects.get(pk=target.pk).password_change_required is not own


def test_a_user_an_admin_creates_chooses_their_own_password_first(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        "/admin/accounts/user/add/",
        {"phone": "13712345678", "name": "新站长", "password1": NEW, "password2": NEW, "usable_password": "true"},
    )
    assert response.status_code == 302, page(response)[:2000]
    assert token_login("13712345678", NEW)["password_change_required"] is True
