"""A body over the limit on a person's page is answered with a page in Chinese; the API keeps its JSON error."""

import json

from django.test import Client


def test_an_admin_form_over_the_limit_gets_a_chinese_page(settings, station_manager):
    settings.MAX_REQUEST_BODY_BYTES = 1000
    client = Client()
    client.force_login(station_manager)
    response = client.post("/admin/volunteers/volunteer/import/", {"encoded": "A" * 2000})
    assert response.status_code == 413 and response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "内容过大" in html and "too_large" not in html and "\\u" not in html
    assert 'href="/admin/volunteers/volunteer/import/"' in html


def test_the_api_and_a_pages_script_asking_for_json_get_json(settings, anon_client, db):
    settings.MAX_REQUEST_BODY_BYTES = 1000
    body = json.dumps({"real_name": "王" * 2000})
    api = anon_client.post("/api/v1/volunteers/register/", body, content_type="application/json")
    assert api.status_code == 413 and api.json()["code"] == "too_large"
    script = Client().post(
        "/events/1/record/photos/",
        "x=" + "A" * 2000,
        content_type="application/x-www-form-urlencoded",
        headers={"accept": "application/json"},
    )
    assert script.status_code == 413 and script.json()["code"] == "too_large"
