"""A database error on a request is a 503 in Chinese with Retry-After, for the API and the phone pages.

The live test (test_database_restart.py, PostgreSQL) takes a real database away;
this one runs everywhere by making the database raise what a dropped connection raises.
"""

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client

from backend.metrics import DATABASE_UNAVAILABLE


@pytest.fixture
def database_down(db, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    # Undone before the test database is torn down (which runs queries itself).
    with monkeypatch.context() as patch:
        patch.setattr(CursorWrapper, "execute", refuse)
        yield


def test_the_api_answers_503_with_a_chinese_message_and_retry_after(database_down):
    before = DATABASE_UNAVAILABLE._value.get()
    response = Client().get("/api/v1/units/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {"code": "service_unavailable", "detail": "服务暂时不可用，请几秒钟后重试。"}
    assert DATABASE_UNAVAILABLE._value.get() == before + 1


def test_a_phone_page_tells_the_volunteer_to_try_again(database_down):
    response = Client().get("/events/")
    page = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "请重试" in page and "请重新扫码" in page
    assert 'href="/events/"' in page


def test_other_errors_stay_errors(db, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("a bug")

    with monkeypatch.context() as patch:
        patch.setattr(CursorWrapper, "execute", broken)
        assert Client(raise_request_exception=False).get("/api/v1/units/").status_code == 500
