"""The admin in Chinese: people greeted by name, API tokens named in Chinese, no SQLite warning
about covering indexes printed by every manage.py call."""

import io

import pytest
from django.core.management import call_command
from django.test import Client

from tests.conftest import PASSWORD


def index(user) -> str:
    client = Client()
    assert client.login(username=user.phone, password=PASSWORD)  # still by mobile number
    return client.get("/admin/").content.decode()


def test_the_admin_greets_a_manager_by_name_not_by_number(tree, station_manager):
    page = index(station_manager)
    assert "欢迎，<strong>站管理员</strong>" in page
    assert station_manager.phone not in page


def test_a_user_without_a_name_is_greeted_by_the_masked_number(tree, django_user_model):
    user = django_user_model.objects.create_user("13912345678", PASSWORD, is_staff=True)
    assert user.get_short_name() == "139****5678"


def test_api_tokens_are_listed_in_chinese_for_admins_only(tree, admin_user, station_manager):
    page = index(admin_user)
    assert "登录令牌" in page and "Auth tokens" not in page and "/admin/knox/" not in page
    assert "/admin/accounts/logintoken/" in page
    assert "/admin/accounts/logintoken/" not in index(station_manager)
    client = Client()
    client.force_login(station_manager)
    assert client.get("/admin/accounts/logintoken/").status_code == 403


@pytest.mark.django_db
def test_sqlite_covering_index_warning_is_silenced():
    out, err = io.StringIO(), io.StringIO()
    call_command("check", databases=["default"], stdout=out, stderr=err)
    assert "W040" not in out.getvalue() + err.getvalue()
