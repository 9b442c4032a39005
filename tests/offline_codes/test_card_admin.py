import pytest

from events.models import CardKey, VolunteerCard

pytestmark = pytest.mark.django_db

CARDS = "/admin/events/volunteercard/"


def test_a_manager_issues_a_card_by_volunteer_number_and_lands_on_the_print_page(
    client, clock, station_manager, volunteer, card
):
    client.force_login(station_manager)
    assert client.get(f"{CARDS}add/").status_code == 200
    response = client.post(f"{CARDS}add/", {"number": volunteer.number})
    new = VolunteerCard.objects.get(volunteer=volunteer, serial=2)
    assert response.status_code == 302 and response["Location"] == f"/cards/{new.pk}/print/"
    card.refresh_from_db()
    assert card.revoked_at is not None


def test_a_number_outside_the_managers_units_issues_nothing(client, clock, station_manager, other_volunteer):
    client.force_login(station_manager)
    response = client.post(f"{CARDS}add/", {"number": other_volunteer.number})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not VolunteerCard.objects.exists()


def test_the_list_shows_the_managers_cards_and_revokes_with_a_reason(
    client, clock, station_manager, center_manager, volunteer, other_volunteer, card
):
    from events import card_services

    theirs = card_services.issue_card(other_volunteer, center_manager)
    client.force_login(station_manager)
    html = client.get(CARDS).content.decode()
    assert f"/cards/{card.pk}/print/" in html and f"/cards/{theirs.pk}/print/" not in html
    client.post(
        CARDS, {"action": "revoke_selected", "_selected_action": [card.pk, theirs.pk], "apply": "1", "reason": "遗失"}
    )
    card.refresh_from_db()
    theirs.refresh_from_db()
    assert card.revoke_reason == "遗失" and theirs.revoked_at is None


def test_only_admins_see_the_signing_keys(client, clock, admin_user, station_manager, card):
    client.force_login(station_manager)
    assert client.get("/admin/events/cardkey/").status_code == 403
    client.force_login(admin_user)
    html = client.get("/admin/events/cardkey/").content.decode()
    key = CardKey.objects.get()
    assert f"/admin/events/cardkey/{key.pk}/change/" in html
    assert client.get("/admin/events/cardkey/add/").status_code == 403
