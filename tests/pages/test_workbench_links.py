"""The workbench links a manager to every job of theirs in the admin: appointing the managers below
(only where they may), the trainings, awards and evaluations, and the legal exports once they exist."""

from django.test import Client
from django.urls import NoReverseMatch, reverse

from backend.workbench import page_url


def workbench(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/workbench/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_center_manager_is_linked_to_the_appointments_and_the_records(tree, center_manager):
    page = workbench(center_manager)
    assert 'id="appoint-managers" href="/admin/stations/practiceunit/managers/"' in page
    for name in ("volunteers_training_changelist", "volunteers_award_changelist", "events_evaluation_changelist"):
        assert reverse(f"admin:{name}") in page, name


def test_a_station_manager_appoints_nobody_so_sees_no_such_link(tree, station_manager):
    assert "/admin/stations/practiceunit/managers/" not in workbench(station_manager)


def test_the_legal_exports_are_linked_once_their_pages_exist(tree, center_manager):
    page = workbench(center_manager)
    for name in ("admin-national-export", "admin-annual-report"):
        try:
            url = reverse(name)
        except NoReverseMatch:
            assert page_url(name) == ""
        else:
            assert f'href="{url}"' in page, name
