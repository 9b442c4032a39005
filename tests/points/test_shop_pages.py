"""The shop's pages: the volunteer's 爱心超市 with the exchange code, the keeper's redeem counter."""

import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from accounts.throttles import ScopedThrottle
from events.checkin_codes import make_volunteer_code
from points import shop
from points.models import ExchangeCode, Redemption
from tests.conftest import make_volunteer
from tests.points.test_shop import give_points, make_item

pytestmark = pytest.mark.django_db


def browser(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def items(tree, station_manager, institute_manager, other_station_manager):
    return {
        "rice": make_item(tree["S1"], station_manager),
        "towel": make_item(tree["I1"], institute_manager, name="毛巾", price="5"),
        "tea": make_item(tree["S2"], other_station_manager, name="茶叶", price="20"),
    }


def answer(user, unit, body) -> tuple[int, dict]:
    response = browser(user).post(f"/shop/{unit.pk}/redeem/answer/", json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def test_the_shop_page_shows_the_balance_and_marks_what_the_volunteer_can_afford(items, volunteer):
    give_points(volunteer, "20")
    page = browser(volunteer.user).get("/shop/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="balance">20.00<' in html
    assert "一袋大米" in html and "毛巾" in html and "茶叶" not in html
    assert f'class="affordable" data-item="{items["towel"].pk}"' in html
    assert f'class="" data-item="{items["rice"].pk}"' in html
    assert "出示兑换码" in html


def test_showing_an_exchange_code_displays_a_fresh_one_time_code(volunteer):
    page = browser(volunteer.user).post("/shop/exchange-code/")
    assert page.status_code == 200
    code = ExchangeCode.objects.get(volunteer=volunteer)
    assert f"{code.code[:4]} {code.code[4:]}" in page.content.decode()
    assert timezone.localtime(code.expires_at).strftime("%H:%M") in page.content.decode()


def test_only_volunteers_get_an_exchange_code_page(stranger):
    assert browser().post("/shop/exchange-code/").status_code == 302
    assert browser(stranger).post("/shop/exchange-code/").status_code == 403
    assert browser(stranger).get("/shop/exchange-code/").status_code == 405
    assert not ExchangeCode.objects.exists()


def test_a_keeper_sees_the_redeem_counter_with_the_last_redemptions(items, tree, station_manager, volunteer):
    give_points(volunteer, "100")
    shop.redeem(items["rice"], volunteer, by=station_manager)
    page = browser(station_manager).get(f"/shop/{tree['S1'].pk}/redeem/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "一袋大米" in html and "库存 2" in html and "经手人 站管理员" in html and volunteer.real_name in html
    assert "茶叶" not in html
    assert browser(station_manager).get("/shop/").content.decode().count(f"/shop/{tree['S1'].pk}/redeem/") == 1


def test_outsiders_do_not_reach_the_redeem_counter(items, tree, other_station_manager, volunteer, stranger):
    url = f"/shop/{tree['S1'].pk}/redeem/"
    for user in (other_station_manager, volunteer.user, stranger):
        assert browser(user).get(url).status_code == 404
    assert browser().get(url).status_code == 302
    assert browser(other_station_manager).get("/shop/999999/redeem/").status_code == 404


def test_a_typed_exchange_code_hands_the_item_over(items, tree, station_manager, volunteer):
    give_points(volunteer, "100")
    code = shop.issue_exchange_code(volunteer, now=timezone.now()).code
    status, body = answer(station_manager, tree["S1"], {"item": items["rice"].pk, "code": code[:4] + " " + code[4:]})
    assert status == 201 and body["ok"] and body["name"] == volunteer.real_name and body["stock"] == 2
    assert "库存剩 2" in body["message"] and "一袋大米" in body["message"]
    status, body = answer(station_manager, tree["S1"], {"item": items["rice"].pk, "code": code})
    assert status == 409 and body["kind"] == "code_used" and not body["ok"]


def test_a_scanned_personal_code_hands_the_item_over(items, tree, station_manager, volunteer):
    give_points(volunteer, "100")
    token = make_volunteer_code(volunteer.pk, timezone.now())
    status, body = answer(station_manager, tree["S1"], {"item": items["rice"].pk, "code": token, "quantity": 2})
    assert status == 201 and body["stock"] == 1
    assert Redemption.objects.get().quantity == 2


def test_refusals_are_answered_in_words(items, tree, station_manager, volunteer):
    give_points(volunteer, "10")
    token = make_volunteer_code(volunteer.pk, timezone.now())
    status, body = answer(station_manager, tree["S1"], {"item": items["rice"].pk, "code": token})
    assert status == 409 and body["kind"] == "insufficient_points" and body["message"]
    foreigner = make_volunteer(tree["S2"], "钱七")
    give_points(foreigner, "100")
    foreign_token = make_volunteer_code(foreigner.pk, timezone.now())
    status, body = answer(station_manager, tree["S1"], {"item": items["rice"].pk, "code": foreign_token})
    assert status == 400 and body["kind"] == "foreign_shop" and "本爱心超市" in body["message"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"item": 1},
        {"code": "12345678"},
        {"item": "x", "code": "12345678"},
        {"item": "99999999999999999999999", "code": "12345678"},
        {"item": "ITEM", "code": "12345678", "quantity": 0},
        {"item": "ITEM", "code": "12345678", "quantity": "2"},
        {"item": "ITEM", "code": "   "},
        ["not", "an", "object"],
    ],
)
def test_bad_answers_input_is_a_400(items, tree, station_manager, body):
    if isinstance(body, dict) and body.get("item") == "ITEM":
        body["item"] = items["rice"].pk
    status, reply = answer(station_manager, tree["S1"], body)
    assert status == 400 and not reply["ok"] and reply["message"]


def test_an_item_of_another_shop_cannot_be_redeemed_at_this_counter(items, tree, station_manager, volunteer):
    give_points(volunteer, "100")
    token = make_volunteer_code(volunteer.pk, timezone.now())
    status, _ = answer(station_manager, tree["S1"], {"item": items["tea"].pk, "code": token})
    assert status == 400 and not Redemption.objects.exists()


def test_outsiders_cannot_redeem_through_the_page(items, tree, other_station_manager, volunteer, stranger):
    give_points(volunteer, "100")
    body = {"item": items["rice"].pk, "code": make_volunteer_code(volunteer.pk, timezone.now())}
    for user in (other_station_manager, volunteer.user, stranger):
        response = browser(user).post(
            f"/shop/{tree['S1'].pk}/redeem/answer/", json.dumps(body), content_type="application/json"
        )
        assert response.status_code == 404
    assert not Redemption.objects.exists()


def test_typing_codes_at_random_is_throttled(items, tree, station_manager, monkeypatch):
    monkeypatch.setitem(ScopedThrottle.THROTTLE_RATES, "scan", "2/minute")
    statuses = [
        answer(station_manager, tree["S1"], {"item": items["rice"].pk, "code": f"{n:08d}"})[0] for n in range(3)
    ]
    assert statuses == [400, 400, 429]


def test_the_redeem_page_loads_its_own_script(items, tree, station_manager):
    html = browser(station_manager).get(f"/shop/{tree['S1'].pk}/redeem/").content.decode()
    assert re.search(r'src="[^"]*points/shop_redeem\.js"', html) and "jsQR" in html
