"""The MarkedTheme admin: a center's managers mark their own center's theme days; nobody else sees it."""

import pytest
from django.test import Client

from events.models import MarkedTheme

pytestmark = pytest.mark.django_db

LIST = "/admin/events/markedtheme/"


def admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_center_manager_lists_only_their_centers_marked_days(tree, center_manager, marked):
    response = admin_client(center_manager).get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "学雷锋纪念日" in html and "植树节" in html
    assert "元宵节" not in html  # the other center's


def test_a_center_manager_marks_a_day_for_their_center(tree, center_manager):
    client = admin_client(center_manager)
    response = client.post(f"{LIST}add/", {"center": tree["C"].pk, "theme": "volunteer_day"})
    assert response.status_code == 302
    assert MarkedTheme.objects.get().center == tree["C"]


def test_another_center_cannot_be_chosen(tree, center_manager):
    response = admin_client(center_manager).post(f"{LIST}add/", {"center": tree["C2"].pk, "theme": "volunteer_day"})
    assert response.status_code == 200 and not MarkedTheme.objects.exists()


def test_a_day_is_marked_once_and_must_be_one_of_the_52(tree, center_manager, marked):
    client = admin_client(center_manager)
    client.post(f"{LIST}add/", {"center": tree["C"].pk, "theme": "lei_feng_day"})
    client.post(f"{LIST}add/", {"center": tree["C"].pk, "theme": "christmas"})
    assert MarkedTheme.objects.filter(center=tree["C"]).count() == 2


def test_a_center_manager_unmarks_a_day(tree, center_manager, marked):
    row = MarkedTheme.objects.get(center=tree["C"], theme="arbor_day")
    response = admin_client(center_manager).post(f"{LIST}{row.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not MarkedTheme.objects.filter(pk=row.pk).exists()


def test_the_other_centers_row_is_out_of_reach(tree, center_manager, marked):
    row = MarkedTheme.objects.get(center=tree["C2"])
    client = admin_client(center_manager)
    assert client.get(f"{LIST}{row.pk}/change/").status_code in (302, 404)
    client.post(f"{LIST}{row.pk}/delete/", {"post": "yes"})
    assert MarkedTheme.objects.filter(pk=row.pk).exists()


def test_station_and_institute_managers_do_not_get_in(tree, station_manager, institute_manager, marked):
    for user in (station_manager, institute_manager):
        assert admin_client(user).get(LIST).status_code == 403
