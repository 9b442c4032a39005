import pytest


@pytest.mark.parametrize("path", ["/login/", "/events/", "/api/docs/", "/api/v1/units/", "/admin/login/"])
def test_every_page_has_a_content_security_policy_without_inline_scripts(client, db, path):
    response = client.get(path, follow=True)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"


def test_our_pages_carry_no_inline_script(client, volunteer, event):
    client.force_login(volunteer.user)
    for path in ["/events/", f"/events/{event.pk}/", "/me/"]:
        html = client.get(path).content.decode()
        assert "<script>" not in html, path


@pytest.fixture
def event(tree):
    from tests.events.conftest import make_event

    return make_event(tree["S1"])


def test_a_body_over_the_limit_is_refused_before_parsing(anon_client, settings, db):
    settings.MAX_REQUEST_BODY_BYTES = 1000
    response = anon_client.post("/api/v1/volunteers/register/", {"real_name": "王" * 2000}, format="json")
    assert response.status_code == 413 and response.json()["code"] == "too_large"


def test_the_page_size_is_capped_at_200(admin_client_api, tree):
    from stations.models import Level
    from tests.conftest import make_unit

    for n in range(200):
        make_unit(f"X{n}", Level.STATION, tree["I3"])
    body = admin_client_api.get("/api/v1/units/?page_size=100000").json()
    assert body["count"] == 209 and len(body["results"]) == 200
    assert admin_client_api.get("/api/v1/units/?page_size=abc").status_code == 200


@pytest.mark.parametrize("path", ["/events/?q=%00", "/verify/C-2026-000001%00?code=x", "/api/v1/units/?q=%00"])
def test_nul_characters_are_a_400(client, db, path):
    assert client.get(path).status_code == 400
