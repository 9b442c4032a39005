"""Volunteers in the admin: masked numbers cannot be probed, registration on the spot, password reset."""

import re

import pytest

from tests.admin.conftest import page
from tests.conftest import make_id_number
from volunteers.models import Volunteer


@pytest.mark.parametrize(
    "query",
    [
        "id_number__startswith=110105",
        "id_number=110105",
        "id_number__gte=2",
        "user__phone__startswith=158",
        "birth_date__year=1970",
        "birth_date=1970-01-01",
    ],
)
def test_a_manager_cannot_probe_personal_numbers_with_lookups(client, station_manager, volunteer, query):
    client.force_login(station_manager)
    assert client.get(f"/admin/volunteers/volunteer/?{query}").status_code == 400


def test_records_and_certificates_refuse_lookups_through_the_volunteer_too(client, station_manager, volunteer):
    client.force_login(station_manager)
    assert client.get("/admin/events/servicerecord/?volunteer__id_number__startswith=11").status_code == 400
    assert client.get("/admin/events/signup/?volunteer__user__phone__startswith=15").status_code == 400


def test_an_admin_may_still_filter_by_number(client, admin_user, volunteer):
    client.force_login(admin_user)
    assert client.get(f"/admin/volunteers/volunteer/?id_number={volunteer.id_number}").status_code == 200


def test_search_finds_a_whole_number_in_scope_but_no_prefix(client, station_manager, volunteer, far_volunteer):
    client.force_login(station_manager)
    found = page(client.get("/admin/volunteers/volunteer/", {"q": volunteer.id_number}))
    assert "李四" in found
    assert "李四" in page(client.get("/admin/volunteers/volunteer/", {"q": volunteer.phone}))
    assert "李四" not in page(client.get("/admin/volunteers/volunteer/", {"q": volunteer.id_number[:10]}))
    assert "李四" not in page(client.get("/admin/volunteers/volunteer/", {"q": volunteer.phone[:7]}))
    outside = page(client.get("/admin/volunteers/volunteer/", {"q": far_volunteer.id_number}))
    assert "赵六" not in outside


def test_a_manager_sees_the_age_not_the_birth_date(client, station_manager, volunteer):
    client.force_login(station_manager)
    birth = volunteer.birth_date
    for url in ("/admin/volunteers/volunteer/", f"/admin/volunteers/volunteer/{volunteer.pk}/change/"):
        html = page(client.get(url))
        assert f"{birth:%Y-%m-%d}" not in html and f"{birth.year}年{birth.month}月{birth.day}日" not in html
        assert f"{volunteer.age} 岁" in html


def test_a_manager_registers_a_volunteer_on_the_spot_and_sees_the_password_once(client, station_manager, tree):
    client.force_login(station_manager)
    id_number = make_id_number()
    data = {"real_name": "周七", "id_number": id_number, "phone": "13912345678", "home_station": tree["S1"].pk}
    refused = client.post("/admin/volunteers/volunteer/add/", data)
    assert refused.status_code == 200 and not Volunteer.objects.filter(real_name="周七").exists()
    response = client.post("/admin/volunteers/volunteer/add/", {**data, "consent": "on"})
    volunteer = Volunteer.objects.get(real_name="周七")
    password = re.search(r'id="one-time-password"[^>]*>([^<]+)<', page(response)).group(1)
    assert "no-store" in response["Cache-Control"]
    assert volunteer.consented_at is not None and volunteer.home_station == tree["S1"]
    assert volunteer.user.check_password(password)


def test_an_id_number_already_registered_is_a_field_error(client, station_manager, tree, volunteer):
    client.force_login(station_manager)
    response = client.post(
        "/admin/volunteers/volunteer/add/",
        {
            "real_name": "周七",
            "id_number": volunteer.id_number,
            "phone": "13912345678",
            "home_station": tree["S1"].pk,
            "consent": "on",
        },
    )
    assert "该身份证号已注册" in page(response) or "已注册" in page(response)


def test_a_password_reset_shows_a_new_one_time_password_and_ends_the_old_logins(
    client, station_manager, volunteer, django_user_model
):
    from django.test import Client

    lost_phone = Client()
    lost_phone.force_login(volunteer.user)
    client.force_login(station_manager)
    url = f"/admin/volunteers/volunteer/{volunteer.pk}/reset_password/"
    assert "重置密码" in page(client.get(f"/admin/volunteers/volunteer/{volunteer.pk}/change/"))
    response = client.post(url)
    password = re.search(r'id="one-time-password"[^>]*>([^<]+)<', page(response)).group(1)
    volunteer.user.refresh_from_db()
    assert volunteer.user.check_password(password)
    assert lost_phone.get("/api/v1/auth/whoami/").status_code in (401, 403)


def test_an_outsider_cannot_reset_a_password(client, other_station_manager, volunteer):
    client.force_login(other_station_manager)
    assert client.post(f"/admin/volunteers/volunteer/{volunteer.pk}/reset_password/").status_code == 404
