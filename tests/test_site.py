"""The schema, the API docs and the admin site, as a newcomer first sees them."""

import re

from django.core.management import call_command

from tests.conftest import PASSWORD


def test_the_openapi_schema_generates_without_warnings(tmp_path, db):
    # --fail-on-warn turns every drf-spectacular warning (an undescribed body, a
    # guessed type) into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    schema = (tmp_path / "schema.yaml").read_text()
    assert "/api/v1/volunteers/register/" in schema and "/api/v1/units/{id}/managers/" in schema


def test_the_docs_page_renders_from_local_static_files(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html and "cdn" not in html.lower()


def test_the_admin_speaks_chinese(client, admin_user):
    client.force_login(admin_user)
    html = client.get("/admin/").content.decode()
    assert ("志愿者" in html and "实践单位" in html and "站点管理" in html) or "管理" in html


def test_a_manager_in_the_admin_sees_only_their_subtree(client, station_manager, volunteer, other_volunteer):
    client.force_login(station_manager)
    html = client.get("/admin/volunteers/volunteer/").content.decode()
    assert volunteer.real_name in html and other_volunteer.real_name not in html
    assert volunteer.id_number not in html and volunteer.phone not in html
    assert client.get(f"/admin/volunteers/volunteer/{other_volunteer.pk}/change/").status_code == 302


def test_a_manager_in_the_admin_sees_only_their_units(client, institute_manager, tree):
    client.force_login(institute_manager)
    html = client.get("/admin/stations/practiceunit/").content.decode()
    assert "S1 单位" in html and "S3 单位" not in html


def test_admins_see_personal_data_in_full_in_the_admin(client, admin_user, volunteer):
    client.force_login(admin_user)
    html = client.get("/admin/volunteers/volunteer/").content.decode()
    assert volunteer.id_number in html


def test_the_admin_login_takes_a_phone(client, admin_user):
    response = client.post("/admin/login/", {"username": admin_user.phone, "password": PASSWORD})
    assert response.status_code == 302


def test_an_institute_manager_saves_their_own_institute_in_the_admin(client, institute_manager, tree):
    client.force_login(institute_manager)
    url = f"/admin/stations/practiceunit/{tree['I1'].pk}/change/"
    response = client.post(
        url, {"parent": tree["C"].pk, "code": "I1", "name": "城关所", "is_active": "on", "address": ""}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert type(tree["I1"]).objects.get(pk=tree["I1"].pk).name == "城关所"


def test_managers_do_not_see_the_user_admin(client, station_manager):
    client.force_login(station_manager)
    assert client.get("/admin/accounts/user/").status_code == 403


def test_every_api_operation_has_a_declared_chinese_area_and_no_raw_action_name(client, db):
    schema = client.get("/api/schema/?format=json").json()
    declared = {tag["name"] for tag in schema["tags"]}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if "operationId" not in operation:
                continue
            assert operation["tags"] != ["其他"] and set(operation["tags"]) <= declared, (method, path)
            # An action without its own wording shows as "noun：action_name".
            assert not re.search(r"：[a-z_]+$", operation["summary"]), (method, path, operation["summary"])


def test_the_admin_index_links_the_statistics_and_the_dashboard_for_managers(client, station_manager):
    client.force_login(station_manager)
    html = client.get("/admin/").content.decode()
    links = html.split('id="report-links"', 1)[1].split("</p>", 1)[0]
    assert 'href="/admin/statistics/"' in links and 'href="/admin/dashboard/"' in links
    for link in ["/admin/statistics/", "/admin/dashboard/"]:
        assert client.get(link).status_code == 200


def test_staff_who_manage_no_unit_get_no_links_they_could_not_open(client, django_user_model, db):
    staff = django_user_model.objects.create_user("15800000999", PASSWORD, name="后台用户", is_staff=True)
    client.force_login(staff)
    html = client.get("/admin/").content.decode()
    assert 'id="report-links"' not in html
    assert client.get("/admin/dashboard/").status_code == 403
