"""Who may open the venue and manager pages (the API has the permission matrix)."""

import pytest

from events.models import Signup
from tests.events.conftest import make_event

MANAGER_PAGES = ["/events/{pk}/kiosk/", "/events/{pk}/kiosk/state/", "/events/{pk}/scan/"]


@pytest.mark.parametrize("page", MANAGER_PAGES)
def test_the_events_managers_open_the_venue_pages(client, event, center_manager, page):
    client.force_login(center_manager)
    assert client.get(page.format(pk=event.pk)).status_code == 200


@pytest.mark.parametrize("page", MANAGER_PAGES)
@pytest.mark.parametrize("persona", ["other_station_manager", "volunteer"])
def test_others_get_404_on_the_venue_pages(request, client, event, page, persona):
    user = request.getfixturevalue(persona)
    client.force_login(getattr(user, "user", user))
    assert client.get(page.format(pk=event.pk)).status_code == 404


# The events list and detail are public (tests/pages/test_event_pages.py).
@pytest.mark.parametrize("page", [*MANAGER_PAGES, "/me/", "/c/anything"])
def test_the_anonymous_are_sent_to_the_login_page(client, event, page):
    response = client.get(page.format(pk=event.pk))
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def test_a_draft_event_page_is_404_for_volunteers(client, tree, volunteer):
    draft = make_event(tree["S1"], status="draft")
    client.force_login(volunteer.user)
    assert client.get(f"/events/{draft.pk}/").status_code == 404
    assert client.post(f"/events/{draft.pk}/signup/").status_code == 404
    assert not Signup.objects.exists()


def test_signing_up_on_the_page_needs_a_volunteer_profile(client, event, stranger):
    client.force_login(stranger)
    assert client.post(f"/events/{event.pk}/signup/").status_code == 404
    assert not Signup.objects.exists()


def test_an_odd_kiosk_action_is_a_400_not_a_500(client, event, station_manager):
    client.force_login(station_manager)
    assert client.get(f"/events/{event.pk}/kiosk/state/?action=sideways").status_code == 400
    assert client.get(f"/events/{event.pk}/kiosk/?action=sideways").status_code == 200


@pytest.mark.parametrize("query", ["date=2026-13-45", "category=nonsense", "scope=mars", "q=" + "长" * 500])
def test_odd_event_list_filters_are_ignored(client, volunteer, event, query):
    client.force_login(volunteer.user)
    assert client.get(f"/events/?{query}").status_code == 200
