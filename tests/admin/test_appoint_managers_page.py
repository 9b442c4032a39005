"""The admin's page for appointing managers: scoped to the units strictly below one's own,
refusing any other unit id a form carries, in Chinese, never a 500."""

import pytest
from django.test import Client

from stations.models import UnitManager
from tests.conftest import make_volunteer

OVERVIEW = "/admin/stations/practiceunit/managers/"


def unit_page(unit) -> str:
    return f"/admin/stations/practiceunit/{unit.pk}/managers/"


def remove_page(unit, user) -> str:
    return f"{unit_page(unit)}{user.pk}/remove/"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


def test_an_institute_manager_sees_the_stations_below_with_their_managers(tree, institute_manager, station_manager):
    page = text(logged_in(institute_manager).get(OVERVIEW))
    assert "S1 单位" in page and "S2 单位" in page
    assert "站管理员（" in page and station_manager.phone not in page
    assert "I1 单位</a>" not in page and "S3 单位" not in page and "S4 单位" not in page
    assert "欢迎，" in page and "所管理员" in page  # greeted by name


def test_an_institute_manager_appoints_a_station_manager_by_phone(tree, institute_manager, volunteer):
    client = logged_in(institute_manager)
    response = client.post(unit_page(tree["S1"]), {"phone": f"+86 {volunteer.phone}"}, follow=True)
    assert response.status_code == 200
    assert "李四" in text(response) and "管理员" in text(response)
    assert UnitManager.objects.filter(unit=tree["S1"], user=volunteer.user).exists()
    volunteer.user.refresh_from_db()
    assert volunteer.user.is_staff


@pytest.mark.parametrize(
    ("phone", "message"),
    [("13512345678", "手机号"), ("12345", "手机号"), ("", "必填")],
)
def test_a_bad_number_is_a_chinese_form_error(tree, institute_manager, phone, message):
    response = logged_in(institute_manager).post(unit_page(tree["S1"]), {"phone": phone})
    assert response.status_code == 200
    assert message in text(response)
    assert not UnitManager.objects.filter(unit=tree["S1"]).exists()


def test_appointing_someone_twice_says_so(tree, institute_manager, station_manager):
    response = logged_in(institute_manager).post(unit_page(tree["S1"]), {"phone": station_manager.phone})
    assert response.status_code == 200
    assert "已经是" in text(response) or "已是" in text(response)


@pytest.mark.parametrize("code", ["S1", "I1", "S2"])
def test_a_station_manager_cannot_appoint_for_their_own_station_their_institute_or_a_sibling(
    tree, station_manager, volunteer, code
):
    client = logged_in(station_manager)
    assert client.get(OVERVIEW).status_code == 403
    response = client.post(unit_page(tree[code]), {"phone": volunteer.phone})
    assert response.status_code == 403
    assert "上级单位" in text(response)
    assert not UnitManager.objects.filter(user=volunteer.user).exists()


def test_an_institute_manager_changing_the_unit_id_is_refused(tree, institute_manager, volunteer, far_volunteer):
    client = logged_in(institute_manager)
    for code in ("I1", "I2", "S3", "C", "S4"):
        response = client.post(unit_page(tree[code]), {"phone": volunteer.phone})
        assert response.status_code == 403, code
        assert "上级单位" in text(response)
    assert not UnitManager.objects.filter(user=volunteer.user).exists()


def test_removing_a_manager_of_another_unit_is_refused(tree, institute_manager, django_user_model):
    far_manager = make_volunteer(tree["S3"], "远方站长").user
    UnitManager.objects.create(unit=tree["S3"], user=far_manager)
    client = logged_in(institute_manager)
    assert client.post(remove_page(tree["S3"], far_manager)).status_code == 403
    assert UnitManager.objects.filter(unit=tree["S3"], user=far_manager).exists()


def test_removing_asks_first_then_removes_on_post(tree, institute_manager, station_manager):
    client = logged_in(institute_manager)
    question = client.get(remove_page(tree["S1"], station_manager))
    assert question.status_code == 200
    assert "站管理员" in text(question) and "最后" in text(question)
    assert UnitManager.objects.filter(user=station_manager).exists()

    response = client.post(remove_page(tree["S1"], station_manager), follow=True)
    assert response.status_code == 200
    assert not UnitManager.objects.filter(user=station_manager).exists()
    station_manager.refresh_from_db()
    assert not station_manager.is_staff


def test_removing_needs_the_csrf_token(tree, institute_manager, station_manager):
    client = Client(enforce_csrf_checks=True)
    client.force_login(institute_manager)
    assert client.post(remove_page(tree["S1"], station_manager)).status_code == 403
    assert client.post(unit_page(tree["S2"]), {"phone": station_manager.phone}).status_code == 403
    assert UnitManager.objects.filter(user=station_manager, unit=tree["S1"]).exists()


def test_volunteers_and_anonymous_visitors_never_reach_the_pages(tree, volunteer, station_manager):
    for client in (Client(), logged_in(volunteer.user)):
        for url in (OVERVIEW, unit_page(tree["S1"]), remove_page(tree["S1"], station_manager)):
            response = client.post(url, {"phone": volunteer.phone})
            assert response.status_code == 302 and "/admin/login/" in response["Location"], url
    assert UnitManager.objects.filter(user=station_manager).exists()
    assert not UnitManager.objects.filter(user=volunteer.user).exists()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/stations/practiceunit/99999999/managers/",
        "/admin/stations/practiceunit/999999999999999999/managers/",
        "/admin/stations/practiceunit/99999999999999999999999/managers/",
        "/admin/stations/practiceunit/1/managers/999999999999999999/remove/",
        OVERVIEW + "?parent=999999999999999999999&page=abc&level=planet&q=" + "x" * 500,
    ],
)
def test_odd_ids_and_queries_are_no_500(tree, admin_user, url):
    response = logged_in(admin_user).get(url)
    assert response.status_code in (200, 302, 404)


def test_admins_search_and_page_through_every_unit(tree, admin_user):
    client = logged_in(admin_user)
    page = text(client.get(OVERVIEW, {"q": "S4"}))
    assert "S4 单位" in page and "S1 单位" not in page
    page = text(client.get(OVERVIEW, {"parent": tree["I1"].pk}))
    assert "S1 单位" in page and "S2 单位" in page and "S3 单位" not in page


def test_the_unit_admin_links_to_the_page(tree, institute_manager):
    client = logged_in(institute_manager)
    assert OVERVIEW in text(client.get("/admin/stations/practiceunit/"))
    assert unit_page(tree["S1"]) in text(client.get(f"/admin/stations/practiceunit/{tree['S1'].pk}/change/"))
    own = text(client.get(f"/admin/stations/practiceunit/{tree['I1'].pk}/change/"))
    assert unit_page(tree["I1"]) not in own and f"parent={tree['I1'].pk}" in own
