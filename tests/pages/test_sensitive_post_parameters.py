"""Error reports of the pages that take a password (mails to ADMINS, Sentry) carry no password:
the request marks its sensitive fields, and the registration and password pages hide the local
variables of every frame under them, where the validated passwords travel on."""

import sys

import pytest
from django.core.signals import got_request_exception
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from tests.conftest import PASSWORD
from volunteers.id_numbers import check_character

SECRET = "a-long-pass-phrase-9"
ID_NUMBER = "11010519900517123" + check_character("11010519900517123")
STARS = SafeExceptionReporterFilter.cleansed_substitute


class Failure(Exception):
    pass


def fail(*args, **kwargs):
    raise Failure("the database went away")


@pytest.fixture
def failing_request(client):
    """Posts to a page that fails, and returns the failed request and its report: the HTML one,
    which lists every frame's local variables (AdminEmailHandler attaches it with include_html)."""
    caught = {}

    def keep(sender, request, **kwargs):
        caught["request"], caught["exc_info"] = request, sys.exc_info()

    client.raise_request_exception = False
    got_request_exception.connect(keep)

    def post(url: str, data: dict):
        response = client.post(url, data)
        assert response.status_code == 500
        request = caught["request"]
        return request, ExceptionReporter(request, *caught["exc_info"]).get_traceback_html()

    yield post
    got_request_exception.disconnect(keep)


def test_a_failing_registration_reports_neither_the_passwords_nor_the_id_number(failing_request, tree, monkeypatch):
    # Fails deep in the service, where the password is an argument of every frame above.
    monkeypatch.setattr("volunteers.services.check_registration_age", fail)
    values = {
        "real_name": "周九",
        "id_number": ID_NUMBER,
        "phone": "13912345678",
        "password": SECRET,
        "password2": SECRET,
        "home_station": str(tree["S1"].pk),
        "consent": "true",
    }
    request, report = failing_request("/register/", values)
    assert set(request.sensitive_post_parameters) == {"password", "password2", "id_number"}
    post = SafeExceptionReporterFilter().get_post_parameters(request)
    assert post["password"] == post["password2"] == post["id_number"] == STARS
    assert post["phone"] == "13912345678"
    assert "Failure" in report
    assert SECRET not in report and ID_NUMBER not in report


def test_a_failing_password_change_reports_no_password(failing_request, volunteer, client, monkeypatch):
    client.force_login(volunteer.user)
    monkeypatch.setattr("backend.pages.choose_password", fail)
    values = {"old_password": PASSWORD, "new_password1": SECRET, "new_password2": SECRET}
    request, report = failing_request("/me/password/", values)
    assert set(request.sensitive_post_parameters) == {"old_password", "new_password1", "new_password2"}
    post = SafeExceptionReporterFilter().get_post_parameters(request)
    assert post["old_password"] == post["new_password1"] == post["new_password2"] == STARS
    assert "Failure" in report
    assert SECRET not in report and PASSWORD not in report


def test_a_failing_resident_registration_reports_the_password_as_stars(failing_request, tree, monkeypatch):
    monkeypatch.setattr("orders.services.register_resident", fail)
    values = {"name": "李红", "phone": "13512345678", "password": SECRET, "consent": "true"}
    request, report = failing_request("/orders/register/", values)
    assert tuple(request.sensitive_post_parameters) == ("password",)
    post = SafeExceptionReporterFilter().get_post_parameters(request)
    assert post["password"] == STARS and post["name"] == "李红"
    assert "Failure" in report and SECRET not in report


@pytest.fixture
def failing_api_call(client):
    """As failing_request, for the API's JSON bodies: they are not in a report, the frames' locals are."""
    caught = {}

    def keep(sender, request, **kwargs):
        caught["request"], caught["exc_info"] = request, sys.exc_info()

    client.raise_request_exception = False
    got_request_exception.connect(keep)

    def post(url: str, data: dict, **extra):
        response = client.post(url, data, content_type="application/json", **extra)
        assert response.status_code == 500
        return ExceptionReporter(caught["request"], *caught["exc_info"]).get_traceback_html()

    yield post
    got_request_exception.disconnect(keep)


def test_closing_an_account_from_the_page_reports_no_password(failing_request, volunteer, client, monkeypatch):
    client.force_login(volunteer.user)
    monkeypatch.setattr("volunteers.services.close_account", fail)
    request, report = failing_request("/me/close-account/", {"password": PASSWORD})
    assert SafeExceptionReporterFilter().get_post_parameters(request)["password"] == STARS
    assert "Failure" in report and PASSWORD not in report


@pytest.mark.parametrize(
    ("url", "target", "as_volunteer", "body"),
    [
        ("/api/v1/auth/token/", "backend.login.token_response", False, {"phone": "13700000001", "password": PASSWORD}),
        (
            "/api/v1/auth/password/",
            "backend.login.choose_password",
            True,
            {"old_password": PASSWORD, "new_password": SECRET},
        ),
        (
            "/api/v1/me/close-account/",
            "volunteers.services.close_account",
            True,
            {"password": PASSWORD, "confirm": True},
        ),
    ],
)
def test_a_failing_api_call_with_a_password_reports_none(
    failing_api_call, volunteer, client, monkeypatch, url, target, as_volunteer, body
):
    monkeypatch.setattr(target, fail)
    if as_volunteer:
        client.force_login(volunteer.user)
    else:
        body = {**body, "phone": volunteer.user.phone}
    report = failing_api_call(url, body)
    assert "Failure" in report
    assert PASSWORD not in report and SECRET not in report


def test_a_failing_api_registration_reports_neither_password_nor_id_number(failing_api_call, tree, monkeypatch):
    monkeypatch.setattr("volunteers.services.check_registration_age", fail)
    body = {
        "real_name": "周九",
        "id_number": ID_NUMBER,
        "phone": "13912345678",
        "password": SECRET,
        "home_station": tree["S1"].pk,
        "consent": True,
    }
    report = failing_api_call("/api/v1/volunteers/register/", body)
    assert "Failure" in report
    assert SECRET not in report and ID_NUMBER not in report
