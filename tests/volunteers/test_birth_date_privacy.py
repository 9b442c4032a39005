"""A masked ID number hides the birth date (issue 10, item 7): nobody who sees the mask sees the date."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from tests import leak_scan
from tests.conftest import client_for


def masked_id(volunteer) -> str:
    return volunteer.id_number[:6] + "********" + volunteer.id_number[14:]


@pytest.mark.parametrize("persona", ["center_manager", "institute_manager", "station_manager"])
def test_managers_see_an_age_but_no_birth_date(request, volunteer, persona):
    client = client_for(request.getfixturevalue(persona))
    body = client.get(f"/api/v1/volunteers/{volunteer.pk}/").json()
    row = client.get("/api/v1/volunteers/").json()["results"][0]
    for shown in (body, row):
        assert shown["id_number"] == masked_id(volunteer)
        assert shown["birth_date"] is None
        assert shown["age"] == volunteer.age
        assert volunteer.birth_date.isoformat() not in str(shown)


def test_the_volunteer_and_admins_see_the_birth_date(volunteer_client, admin_client_api, volunteer):
    for client in (volunteer_client, admin_client_api):
        body = client.get(f"/api/v1/volunteers/{volunteer.pk}/").json()
        assert body["birth_date"] == volunteer.birth_date.isoformat()
    assert volunteer_client.get("/api/v1/me/").json()["birth_date"] == volunteer.birth_date.isoformat()


def test_a_manager_editing_a_volunteer_gets_no_birth_date_back(station_manager_client, volunteer):
    response = station_manager_client.patch(f"/api/v1/volunteers/{volunteer.pk}/", {"status": "active"})
    assert response.status_code == 200 and response.json()["birth_date"] is None


def scan(user, body: str) -> list[str]:
    request = RequestFactory().get("/somewhere/")
    request.user = user
    leak_scan.LeakScanMiddleware(lambda request: HttpResponse(body))(request)
    found = list(leak_scan.leaks)
    leak_scan.leaks.clear()
    return found


@pytest.mark.parametrize("spelling", ["%Y-%m-%d", "%Y%m%d", "%Y/%m/%d"])
def test_the_leak_scan_catches_a_masked_id_beside_its_birth_date(station_manager, volunteer, spelling):
    assert scan(station_manager, f"{masked_id(volunteer)} {volunteer.birth_date:{spelling}}") != []
    assert scan(station_manager, f"{masked_id(volunteer)} 年龄 {volunteer.age}") == []
    assert scan(volunteer.user, f"{masked_id(volunteer)} {volunteer.birth_date:{spelling}}") == []
