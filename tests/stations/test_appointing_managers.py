"""Appointing a manager lets them work: admin access comes with the first appointment and goes
with the last, on every path (API, the admins' list of unit managers, deleting a unit), logged."""

import importlib

import pytest
from django.apps import apps
from django.contrib.admin.models import ADDITION, DELETION, LogEntry
from django.test import Client

from stations import services
from stations.models import UnitManager
from tests.conftest import PASSWORD, client_for, make_user


def managers_url(unit) -> str:
    return f"/api/v1/units/{unit.pk}/managers/"


def logged_into_admin(user) -> Client:
    client = Client()
    response = client.post("/admin/login/?next=/admin/", {"username": user.phone, "password": PASSWORD})
    assert response.status_code == 302, "the admin refused the login"
    return client


def refused_by_admin_login(user) -> bool:
    response = Client().post("/admin/login/?next=/admin/", {"username": user.phone, "password": PASSWORD})
    return response.status_code == 200 and "工作人员" in response.content.decode()


def test_a_manager_appointed_through_the_api_can_log_into_the_admin_and_publish(center_manager_client, tree, volunteer):
    user = volunteer.user
    assert not user.is_staff and refused_by_admin_login(user)

    assert center_manager_client.post(managers_url(tree["S1"]), {"phone": user.phone}).status_code == 201

    user.refresh_from_db()
    assert user.is_staff
    client = logged_into_admin(user)
    index = client.get("/admin/").content.decode()
    assert "/admin/events/event/" in index and "/admin/certificates/certificate/" in index
    assert client.get("/admin/events/event/add/").status_code == 200
    assert client.get("/admin/certificates/certificate/").status_code == 200


def test_removing_the_last_appointment_locks_the_manager_out_of_the_admin(center_manager_client, tree, volunteer):
    user = volunteer.user
    assert center_manager_client.post(managers_url(tree["S1"]), {"phone": user.phone}).status_code == 201
    assert center_manager_client.post(managers_url(tree["I1"]), {"phone": user.phone}).status_code == 201
    client = logged_into_admin(user)

    assert center_manager_client.delete(f"{managers_url(tree['S1'])}{user.pk}/").status_code == 204
    user.refresh_from_db()
    assert user.is_staff, "one appointment is left"
    assert client.get("/admin/").status_code == 200

    assert center_manager_client.delete(f"{managers_url(tree['I1'])}{user.pk}/").status_code == 204
    user.refresh_from_db()
    assert not user.is_staff
    assert client.get("/admin/").status_code == 302  # back to the login page
    assert refused_by_admin_login(user)


def test_an_admins_access_is_never_touched(tree, admin_user, center_manager):
    services.appoint_manager(tree["S1"], admin_user, by=center_manager)
    services.remove_unit_manager(tree["S1"], admin_user.pk, by=center_manager)
    admin_user.refresh_from_db()
    assert admin_user.is_staff and admin_user.is_superuser


def test_appointments_and_removals_are_logged_with_who_did_them(tree, center_manager, volunteer):
    role = services.add_unit_manager(tree["S1"], volunteer.phone, by=center_manager)
    services.remove_unit_manager(tree["S1"], volunteer.user.pk, by=center_manager)
    entries = LogEntry.objects.filter(object_id=str(role.pk)).order_by("pk")
    assert [(e.user_id, e.action_flag) for e in entries] == [
        (center_manager.pk, ADDITION),
        (center_manager.pk, DELETION),
    ]
    assert volunteer.real_name in entries[0].object_repr
    assert volunteer.phone not in entries[0].object_repr  # masked


def test_deleting_a_unit_takes_admin_access_from_its_only_managers(tree, center_manager, stranger):
    services.appoint_manager(tree["S3"], stranger, by=center_manager)
    services.appoint_manager(tree["S3"], center_manager, by=center_manager)
    services.delete_unit(tree["S3"])
    stranger.refresh_from_db()
    center_manager.refresh_from_db()
    assert not stranger.is_staff
    assert center_manager.is_staff, "still manages the center"


def test_the_admins_list_of_unit_managers_follows_the_same_rule(tree, admin_user, stranger):
    client = Client()
    client.force_login(admin_user)
    response = client.post("/admin/stations/unitmanager/add/", {"unit": tree["S1"].pk, "user": stranger.pk})
    assert response.status_code == 302
    stranger.refresh_from_db()
    assert stranger.is_staff
    role = UnitManager.objects.get(user=stranger)
    assert LogEntry.objects.filter(object_id=str(role.pk), action_flag=ADDITION, user=admin_user).count() == 1

    response = client.post(f"/admin/stations/unitmanager/{role.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    stranger.refresh_from_db()
    assert not stranger.is_staff and not UnitManager.objects.filter(user=stranger).exists()
    assert LogEntry.objects.filter(object_id=str(role.pk), action_flag=DELETION, user=admin_user).count() == 1


def test_an_appointment_is_never_edited_into_someone_else(tree, admin_user, station_manager, stranger):
    client = Client()
    client.force_login(admin_user)
    role = UnitManager.objects.get(user=station_manager)
    client.post(f"/admin/stations/unitmanager/{role.pk}/change/", {"unit": tree["S1"].pk, "user": stranger.pk})
    role.refresh_from_db()
    assert role.user == station_manager


def test_managers_of_stations_appoint_nobody(tree, station_manager, center_manager, admin_user, stranger):
    assert not services.appoints_anywhere(station_manager)
    assert services.appoints_anywhere(center_manager) and services.appoints_anywhere(admin_user)
    assert not services.appoints_anywhere(stranger)
    assert not services.appointing_scope(station_manager).exists()
    below_center = {unit.code for unit in services.appointing_scope(center_manager)}
    assert below_center == {"I1", "I2", "S1", "S2", "S3"}


def test_an_institute_manager_appoints_only_strictly_below(tree, institute_manager, volunteer):
    assert {unit.code for unit in services.appointing_scope(institute_manager)} == {"S1", "S2"}
    for code in ("I1", "I2", "S3", "C", "S4"):
        with pytest.raises(services.UnitError) as refused:
            services.add_unit_manager(tree[code], volunteer.phone, by=institute_manager)
        assert refused.value.code == "not_allowed"


@pytest.fixture
def migration():
    return importlib.import_module("stations.migrations.0005_admin_access_follows_appointments")


def test_the_migration_gives_existing_managers_admin_access(tree, django_user_model, migration, admin_user):
    manager = make_user(django_user_model, "旧站长")
    UnitManager.objects.create(user=manager, unit=tree["S1"])
    staff_without_units = make_user(django_user_model, "旧员工", is_staff=True)
    nobody = make_user(django_user_model, "路人甲")

    migration.grant_admin_access(apps, None)

    for user in (manager, staff_without_units, nobody, admin_user):
        user.refresh_from_db()
    assert manager.is_staff
    assert staff_without_units.is_staff, "kept: the migration only grants"
    assert not nobody.is_staff
    assert admin_user.is_staff and admin_user.is_superuser


def test_a_staff_user_without_appointments_sees_no_admin_page(tree, django_user_model):
    staff = make_user(django_user_model, "无单位员工", is_staff=True)
    client = client_for(None)
    client.force_login(staff)
    assert client.get("/admin/events/event/").status_code == 403
    assert client.get("/admin/stations/practiceunit/managers/").status_code == 403
