"""Gifts to relatives and donations: the API (``me/gifts/``, ``me/donations/``) and the page (``/me/points/gifts/``)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from points.ledger import unit_account
from points.models import AccountKind, Gift, RequestStatus, Transfer, TransferKind
from tests.conftest import PASSWORD, client_for
from tests.points.test_gifts_support import balance, credit, generous_rule, set_rule  # noqa: F401

GIFTS = "/api/v1/me/gifts/"
DONATIONS = "/api/v1/me/donations/"


@pytest.fixture
def rich(volunteer, generous_rule):  # noqa: F811
    credit(volunteer, "100")
    return volunteer


def offer(client, receiver, amount="20", relation="子女"):
    return client.post(GIFTS, {"phone": receiver.user.phone, "amount": amount, "relation": relation}, format="json")


# The API -----------------------------------------------------------------------------------------------


def test_a_volunteer_offers_points_and_the_relative_accepts(rich, other_volunteer):
    response = offer(client_for(rich.user), other_volunteer)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["direction"] == "out" and body["status"] == "pending" and Decimal(body["amount"]) == 20
    # The receiver is named only masked: an offer must not turn a mobile number into a name.
    assert body["receiver"].startswith("王*") and other_volunteer.user.phone not in str(body)

    receiver = client_for(other_volunteer.user)
    listed = receiver.get(GIFTS).json()["results"]
    assert [(g["id"], g["direction"]) for g in listed] == [(body["id"], "in")]
    accepted = receiver.post(f"{GIFTS}{body['id']}/accept/")
    assert accepted.status_code == 200 and accepted.json()["status"] == "approved"
    assert (balance(rich), balance(other_volunteer)) == (Decimal("80.00"), Decimal("20.00"))


def test_the_receiver_declines_and_the_giver_cancels(rich, other_volunteer):
    giver, receiver = client_for(rich.user), client_for(other_volunteer.user)
    first, second = offer(giver, other_volunteer).json()["id"], offer(giver, other_volunteer).json()["id"]
    assert receiver.post(f"{GIFTS}{first}/decline/").json()["status"] == "declined"
    assert giver.post(f"{GIFTS}{second}/cancel/").json()["status"] == "cancelled"
    assert giver.post(f"{GIFTS}{second}/cancel/").status_code == 409
    assert balance(other_volunteer) == 0


def test_the_giver_cannot_accept_and_the_receiver_cannot_cancel(rich, other_volunteer):
    giver, receiver = client_for(rich.user), client_for(other_volunteer.user)
    gift = offer(giver, other_volunteer).json()["id"]
    assert giver.post(f"{GIFTS}{gift}/accept/").status_code == 403
    assert giver.post(f"{GIFTS}{gift}/decline/").status_code == 403
    assert receiver.post(f"{GIFTS}{gift}/cancel/").status_code == 403
    assert Gift.objects.get().status == RequestStatus.PENDING


def test_outsiders_do_not_see_or_answer_a_gift(rich, other_volunteer, far_volunteer, station_manager, stranger):
    gift = offer(client_for(rich.user), other_volunteer).json()["id"]
    for outsider in (far_volunteer.user, station_manager, stranger):
        client = client_for(outsider)
        assert client.get(GIFTS).json()["results"] == []
        for verb in ("accept", "decline", "cancel"):
            assert client.post(f"{GIFTS}{gift}/{verb}/").status_code == 404
    assert client_for(None).post(f"{GIFTS}{gift}/accept/").status_code == 401
    assert client_for(None).get(GIFTS).status_code == 401
    assert Gift.objects.get().status == RequestStatus.PENDING


def test_a_number_not_found_gets_one_answer_whoever_owns_it(rich, station_manager, other_volunteer):
    client = client_for(rich.user)
    unknown = client.post(GIFTS, {"phone": "13912345678", "amount": "5", "relation": "父母"}, format="json")
    manager = client.post(GIFTS, {"phone": station_manager.phone, "amount": "5", "relation": "父母"}, format="json")
    assert unknown.status_code == manager.status_code == 400
    assert unknown.json() == manager.json() and unknown.json()["code"] == "volunteer_not_found"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", "0"),
        ("amount", "-3"),
        ("amount", "NaN"),
        ("amount", "Infinity"),
        ("amount", "10000000000"),
        ("amount", "1.005"),
        ("amount", "abc"),
        ("phone", "12345"),
        ("relation", ""),
        ("relation", "x" * 21),
    ],
)
def test_bad_offers_are_answered_400_with_a_message_for_the_field(rich, other_volunteer, field, value):
    data = {"phone": other_volunteer.user.phone, "amount": "5", "relation": "父母", field: value}
    response = client_for(rich.user).post(GIFTS, data, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Gift.objects.exists()


def test_an_offer_above_the_balance_or_where_the_rules_forbid_is_refused(rich, other_volunteer):
    client = client_for(rich.user)
    assert offer(client, other_volunteer, amount="100.01").status_code == 409
    set_rule(gifts_allowed=False)
    refused = offer(client, other_volunteer)
    assert refused.status_code == 400 and refused.json()["code"] == "not_allowed"


def test_people_without_a_volunteer_profile_cannot_offer_or_donate(station_manager, other_volunteer, tree):
    client = client_for(station_manager)
    assert offer(client, other_volunteer).json()["code"] == "not_volunteer"
    assert client.post(DONATIONS, {"unit": tree["S1"].pk, "amount": "5"}, format="json").json()["code"] == (
        "not_volunteer"
    )


def test_a_huge_gift_id_is_not_found(rich):
    assert client_for(rich.user).post(f"{GIFTS}{'9' * 30}/accept/").status_code == 404


def test_a_volunteer_donates_to_their_stations_pool(rich, tree):
    response = client_for(rich.user).post(DONATIONS, {"unit": tree["S1"].pk, "amount": "12.50"}, format="json")
    assert response.status_code == 201, response.json()
    assert Decimal(response.json()["balance"]) == Decimal("87.50")
    assert unit_account(tree["S1"], AccountKind.POOL).balance == Decimal("12.50")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"amount": "1.001"}, "amount"),
        ({"amount": "-1"}, "amount"),
        ({"unit": 10**20}, "unit"),
        ({"unit": "abc"}, "unit"),
        ({"unit": None}, "unit"),
    ],
)
def test_bad_donations_are_answered_400(rich, tree, data, field):
    response = client_for(rich.user).post(DONATIONS, {"unit": tree["S1"].pk, "amount": "5", **data}, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not Transfer.objects.filter(kind=TransferKind.DONATION).exists()


def test_no_donation_to_a_unit_outside_the_volunteers_line(rich, tree):
    client = client_for(rich.user)
    for unit in (tree["S2"], tree["C2"]):
        response = client.post(DONATIONS, {"unit": unit.pk, "amount": "5"}, format="json")
        assert response.status_code == 400 and response.json()["code"] == "wrong_pool_unit"
    assert client_for(None).post(DONATIONS, {"unit": tree["S1"].pk, "amount": "5"}, format="json").status_code == 401


# The page ----------------------------------------------------------------------------------------------


@pytest.fixture
def browser(client, rich):
    client.login(phone=rich.user.phone, password=PASSWORD)
    return client


def test_the_page_offers_a_gift_and_the_relative_accepts_it_on_theirs(browser, client, rich, other_volunteer):
    page = reverse("gift-page")
    response = browser.post(
        page, {"do": "offer", "phone": other_volunteer.user.phone, "amount": "15", "relation": "子女"}
    )
    assert response.status_code == 302
    gift = Gift.objects.get()
    assert gift.giver == rich and 'id="my-offers"' in browser.get(page).content.decode()

    client.logout()
    client.login(phone=other_volunteer.user.phone, password=PASSWORD)
    shown = client.get(page).content.decode()
    assert 'id="offers-to-me"' in shown and "15.00" in shown
    client.post(page, {"do": "accept", "gift": gift.pk})
    assert balance(other_volunteer) == Decimal("15.00")


def test_the_page_says_plainly_when_the_rules_do_not_allow_it(browser):
    set_rule(gifts_allowed=False, donations_allowed=False)
    shown = browser.get(reverse("gift-page")).content.decode()
    assert 'id="gifts-not-allowed"' in shown and 'id="donations-not-allowed"' in shown
    assert 'name="phone"' not in shown


def test_the_page_shows_a_refusal_as_a_message(browser, other_volunteer):
    page = reverse("gift-page")
    response = browser.post(
        page, {"do": "offer", "phone": "13912345678", "amount": "5", "relation": "父母"}, follow=True
    )
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1 and "13912345678" not in messages[0]
    bad = browser.post(
        page, {"do": "offer", "phone": other_volunteer.user.phone, "amount": "NaN", "relation": "父母"}, follow=True
    )
    assert len(list(bad.context["messages"])) == 1
    assert not Gift.objects.exists()


def test_the_page_donates_and_refuses_another_stations_pool(browser, rich, tree):
    page = reverse("gift-page")
    browser.post(page, {"do": "donate", "unit": tree["S1"].pk, "amount": "10"})
    browser.post(page, {"do": "donate", "unit": tree["S2"].pk, "amount": "10"})
    browser.post(page, {"do": "donate", "unit": "9" * 30, "amount": "10"})
    assert balance(rich) == Decimal("90.00")


def test_the_page_answers_only_the_volunteers_own_gifts(browser, client, other_volunteer, far_volunteer):
    credit(other_volunteer, "50")
    theirs = client_for(other_volunteer.user).post(
        GIFTS, {"phone": far_volunteer.user.phone, "amount": "5", "relation": "父母"}, format="json"
    )
    gift_id = theirs.json()["id"]
    page = reverse("gift-page")
    for verb in ("accept", "decline", "cancel"):
        browser.post(page, {"do": verb, "gift": gift_id})
    browser.post(page, {"do": "accept", "gift": "9" * 30})
    browser.post(page, {"do": "nonsense"})
    assert Gift.objects.get(pk=gift_id).status == RequestStatus.PENDING


def test_the_page_sends_strangers_to_log_in_and_managers_to_their_page(client, station_manager):
    page = reverse("gift-page")
    assert client.get(page).status_code == 302 and "login" in client.get(page)["Location"]
    client.login(phone=station_manager.phone, password=PASSWORD)
    assert client.post(page, {"do": "donate", "unit": 1, "amount": "5"})["Location"] == reverse("me-page")


def test_offers_are_throttled_so_nobody_can_try_number_after_number(rich, other_volunteer):
    client = client_for(rich.user)
    statuses = [offer(client, other_volunteer, amount="1").status_code for _ in range(31)]
    assert statuses[:30] == [201] * 30 and statuses[30] == 429


def test_the_gift_list_costs_the_same_queries_for_one_gift_or_five(rich, other_volunteer):
    client = client_for(other_volunteer.user)
    offer(client_for(rich.user), other_volunteer, amount="1")
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(GIFTS).json()["results"]) == 1
    for _ in range(4):
        offer(client_for(rich.user), other_volunteer, amount="1")
    with CaptureQueriesContext(connection) as five:
        assert len(client.get(GIFTS).json()["results"]) == 5
    assert len(five) == len(one)


def test_refusals_are_told_in_chinese(rich):
    missing = client_for(rich.user).post(GIFTS, {"phone": "13912345678", "amount": "5", "relation": "父母"})
    assert missing.json()["detail"] == "未找到该手机号对应的志愿者，或该手机号不属于志愿者。"
