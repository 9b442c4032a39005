import re

import pytest
from django.test import Client

from events import card_services, offline_codes
from events.models import Method, ServiceRecord
from tests.events.conftest import at, decode_qr_svg

pytestmark = pytest.mark.django_db


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def card_qr(html: str) -> str:
    return decode_qr_svg(re.search(r'id="card-qr">(.*?)</div>', html, re.S).group(1))


def test_the_printable_card_shows_the_code_masked_name_and_number_only(clock, station_manager, volunteer, card):
    response = page_client(station_manager).get(f"/cards/{card.pk}/print/")
    html = response.content.decode()
    assert response.status_code == 200
    assert card_qr(html) == offline_codes.card_code(card)
    assert 'id="card-name">李*<' in html and volunteer.number in html
    for secret in (volunteer.real_name, volunteer.id_number, volunteer.phone):
        assert secret not in html
    assert "@page" in html and "85.6mm" in html


def test_only_the_volunteers_managers_and_the_volunteer_print_a_card_in_use(
    clock, station_manager, other_station_manager, volunteer, other_volunteer, card
):
    url = f"/cards/{card.pk}/print/"
    assert page_client(other_station_manager).get(url).status_code == 404
    assert page_client(other_volunteer.user).get(url).status_code == 404
    assert page_client(volunteer.user).get(url).status_code == 200
    assert Client().get(url).status_code == 302
    card_services.revoke_card(card, station_manager, "损坏")
    assert page_client(station_manager).get(url).status_code == 404


def test_the_volunteer_sees_their_card_in_use_on_their_card_page(clock, station_manager, volunteer, card):
    client = page_client(volunteer.user)
    html = client.get("/me/card/").content.decode()
    assert card_qr(html) == offline_codes.card_code(card) and f"/cards/{card.pk}/print/" in html
    card_services.revoke_card(card, station_manager, "遗失")
    html = client.get("/me/card/").content.decode()
    assert 'id="no-card"' in html and 'id="card-qr"' not in html


def test_an_account_without_a_volunteer_profile_has_no_card(station_manager):
    html = page_client(station_manager).get("/me/card/").content.decode()
    assert 'id="no-card"' in html


def test_the_scan_page_checks_a_card_in_online_and_refuses_it_once_revoked(
    clock, event, station_manager, volunteer, card
):
    client = page_client(station_manager)
    url = f"/events/{event.pk}/scan/answer/"
    clock.move_to(at(9))
    body = {"volunteer_token": offline_codes.card_code(card), "action": "in"}
    answer = client.post(url, body, content_type="application/json")
    assert answer.status_code == 201 and answer.json()["kind"] == "checked_in"
    assert ServiceRecord.objects.get(volunteer=volunteer).method == Method.VOLUNTEER_QR
    card_services.revoke_card(card, station_manager, "遗失")
    refused = client.post(url, {**body, "action": "out"}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["kind"] == "card_revoked"
