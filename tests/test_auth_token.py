from tests.conftest import PASSWORD


def test_phone_and_password_give_a_token_that_authenticates(anon_client, station_manager):
    response = anon_client.post("/api/v1/auth/token/", {"phone": station_manager.phone, "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["is_manager"] is True and body["is_admin"] is False
    anon_client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert anon_client.get("/api/v1/volunteers/").status_code == 200


def test_a_wrong_password_is_a_400_in_chinese(anon_client, station_manager):
    response = anon_client.post("/api/v1/auth/token/", {"phone": station_manager.phone, "password": "nope"})
    assert response.status_code == 400
    assert response.json()["non_field_errors"] == ["手机号或密码错误。"]


def test_an_inactive_user_gets_no_token(anon_client, station_manager):
    station_manager.is_active = False
    station_manager.save(update_fields=["is_active"])
    response = anon_client.post("/api/v1/auth/token/", {"phone": station_manager.phone, "password": PASSWORD})
    assert response.status_code == 400


def test_missing_fields_are_named(anon_client, db):
    response = anon_client.post("/api/v1/auth/token/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"phone", "password"}


def test_session_login_works_for_the_api(client, station_manager):
    assert client.login(phone=station_manager.phone, password=PASSWORD)
    assert client.get("/api/v1/volunteers/").status_code == 200


def test_an_invalid_token_is_401(anon_client, db):
    anon_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert anon_client.get("/api/v1/volunteers/").status_code == 401


def test_whoami_answers_for_a_token_and_refuses_the_anonymous(anon_client, station_manager):
    token = anon_client.post("/api/v1/auth/token/", {"phone": station_manager.phone, "password": PASSWORD}).json()
    assert anon_client.get("/api/v1/auth/whoami/").status_code == 401
    anon_client.credentials(HTTP_AUTHORIZATION=f"Token {token['token']}")
    assert anon_client.get("/api/v1/auth/whoami/").json() == {"user_id": station_manager.pk, "name": "站管理员"}


def test_the_api_token_login_still_answers_with_a_token_field(anon_client, volunteer):
    body = anon_client.post("/api/v1/auth/token/", {"phone": volunteer.phone, "password": PASSWORD}).json()
    assert isinstance(body["token"], str) and len(body["token"]) >= 40 and body["expiry"]
