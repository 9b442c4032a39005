"""Brand projects, event venues and order projects in the admin, scoped like the other admin pages.

The clock is frozen at 10 December 2026, 12:00 Shanghai (conftest's ``frozen``).
"""

from __future__ import annotations

import pytest

from events.models import EventStatus, Project
from tests.conftest import make_user
from tests.projects.conftest import make_event, make_order, make_project
from tests.venues.conftest import make_venue
from venues.models import Booking, BookingStatus


def test_a_manager_lists_and_opens_only_projects_of_their_subtree(tree, client, station_manager):
    mine, theirs = make_project(tree["S1"], "本站项目"), make_project(tree["S2"], "邻站项目")
    client.force_login(station_manager)

    listing = client.get("/admin/events/project/").content.decode()
    assert "本站项目" in listing and "邻站项目" not in listing
    page = client.get(f"/admin/events/project/{mine.pk}/change/")
    assert page.status_code == 200
    assert "本站项目" in page.content.decode()
    assert client.get(f"/admin/events/project/{theirs.pk}/change/").status_code != 200


def test_the_admin_refuses_a_project_that_ends_before_it_starts(tree, client, station_manager):
    client.force_login(station_manager)

    response = client.post(
        "/admin/events/project/add/",
        {
            "lead_unit": tree["S1"].pk,
            "name": "倒着走的项目",
            "starts_on": "2026-12-10",
            "ends_on": "2026-12-01",
            "is_public": "on",
        },
    )

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not Project.objects.exists()


def test_the_admin_adds_a_project_for_the_manager_s_unit(tree, client, station_manager):
    client.force_login(station_manager)

    response = client.post(
        "/admin/events/project/add/",
        {"lead_unit": tree["S1"].pk, "name": "银龄陪伴", "starts_on": "2026-12-10", "is_public": "on"},
    )

    assert response.status_code == 302, response.content.decode()[-2000:]
    assert Project.objects.get().created_by == station_manager


def test_the_event_form_offers_venues_and_projects_of_the_manager_s_line_only(tree, client, station_manager):
    event = make_event(tree["S1"], day=15, status=EventStatus.DRAFT)
    make_venue(tree["S1"], name="本站书屋")
    make_venue(tree["C"], name="中心报告厅")
    make_venue(tree["S2"], name="邻站书屋")
    make_project(tree["C"], "中心项目")
    make_project(tree["S2"], "邻站项目")
    client.force_login(station_manager)

    html = client.get(f"/admin/events/event/{event.pk}/change/").content.decode()

    assert 'name="venue"' in html and 'name="project"' in html and 'name="theme"' in html
    assert "本站书屋" in html and "中心报告厅" in html and "邻站书屋" not in html
    assert "中心项目" in html and "邻站项目" not in html


def test_publishing_from_the_admin_list_books_the_venue(tree, client, station_manager):
    venue = make_venue(tree["S1"])
    event = make_event(tree["S1"], day=15, status=EventStatus.DRAFT, venue=venue, created_by=station_manager)
    client.force_login(station_manager)

    client.post("/admin/events/event/", {"action": "publish_selected", "_selected_action": [event.pk]}, follow=True)

    event.refresh_from_db()
    assert event.status == EventStatus.PUBLISHED
    assert event.venue_booking is not None
    assert event.venue_booking.status == BookingStatus.APPROVED
    assert Booking.objects.filter(venue=venue).count() == 1


@pytest.fixture
def order(tree, django_user_model):
    return make_order(tree["S1"], make_user(django_user_model, "居民"), "in_service")


def test_a_manager_files_an_order_under_a_project_of_their_subtree(tree, client, station_manager, order):
    ours, theirs = make_project(tree["S1"], "本站项目"), make_project(tree["S2"], "邻站项目")
    client.force_login(station_manager)
    url = f"/admin/orders/order/{order.pk}/project/"

    form = client.get(url).content.decode()
    assert "本站项目" in form and "邻站项目" not in form
    refused = client.post(url, {"project": theirs.pk})
    order.refresh_from_db()
    assert refused.status_code == 200 and order.project is None
    assert client.post(url, {"project": ours.pk}).status_code == 302
    order.refresh_from_db()
    assert order.project == ours


def test_a_manager_of_another_station_cannot_file_the_order(tree, client, other_station_manager, order):
    project = make_project(tree["S2"], "邻站项目")
    client.force_login(other_station_manager)

    response = client.post(f"/admin/orders/order/{order.pk}/project/", {"project": project.pk})

    assert response.status_code in (302, 403, 404)
    order.refresh_from_db()
    assert order.project is None


def test_the_order_api_shows_the_order_s_project(tree, station_manager, order):
    from tests.conftest import client_for

    order.project = make_project(tree["S1"], "本站项目")
    order.save()

    body = client_for(station_manager).get(f"/api/v1/orders/{order.pk}/").json()

    assert (body["project"], body["project_name"]) == (order.project.pk, "本站项目")
