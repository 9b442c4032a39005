import pytest
from django.test import override_settings


def test_the_address_printed_on_certificates_opens_a_form(client, db):
    html = client.get("/verify/").content.decode()
    assert 'name="number"' in html and 'name="code"' in html and "核验" in html


def test_the_form_sends_the_typed_number_and_code_to_the_verification_page(client, db):
    response = client.get("/verify/", {"number": " c-2026-000001 ", "code": "abcd2345efgh"})
    assert response["Location"] == "/verify/C-2026-000001?code=ABCD2345EFGH"


def test_an_unknown_certificate_offers_the_form_again(client, db):
    response = client.get("/verify/C-2026-000001?code=ABCD2345EFGH")
    html = response.content.decode()
    assert response.status_code == 404 and 'id="verify-form"' in html and 'value="C-2026-000001"' in html


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_the_not_found_page_is_in_chinese_and_offers_the_verification_form(client):
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404 and "页面不存在" in html and 'id="verify-form"' in html


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_the_forbidden_page_is_in_chinese(client, volunteer):
    client.force_login(volunteer.user)
    response = client.get("/workbench/")
    assert response.status_code == 403 and "无权访问" in response.content.decode()


def test_the_server_error_page_is_in_chinese_and_needs_no_context():
    from django.template.loader import get_template

    html = get_template("500.html").render()
    assert "出错了" in html and "<html" in html


def test_a_favicon_is_served(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
