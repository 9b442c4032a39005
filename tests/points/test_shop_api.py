"""The shop's API: items, redeeming by code, redemptions and the volunteer's exchange code."""

from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.throttles import ScopedThrottle
from events.checkin_codes import make_volunteer_code
from points import shop
from points.models import ExchangeCode, Redemption, ShopKeeper
from tests.conftest import client_for, make_user, make_volunteer
from tests.points.test_shop import give_points, make_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def shops(tree, station_manager, other_station_manager, institute_manager, center_manager):
    """Rice at S1 (50), towels at I1 (5), soap at C (5, none left), tea at S2, a retired item at S1."""
    return {
        "rice": make_item(tree["S1"], station_manager),
        "towel": make_item(tree["I1"], institute_manager, name="毛巾", price="5"),
        "soap": make_item(tree["C"], center_manager, name="肥皂", price="5", stock=0),
        "tea": make_item(tree["S2"], other_station_manager, name="茶叶", price="20"),
        "old": make_item(tree["S1"], station_manager, name="旧物", price="1", is_active=False),
    }


def names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


def test_a_volunteer_sees_the_items_of_their_shops_and_what_they_can_afford(shops, volunteer_client, volunteer):
    give_points(volunteer, "10")
    response = volunteer_client.get("/api/v1/shop-items/")
    assert names(response) == {"一袋大米", "毛巾", "肥皂"}
    affordable = {row["name"]: row["affordable"] for row in response.json()["results"]}
    assert affordable == {"一袋大米": False, "毛巾": True, "肥皂": False}


def test_managers_see_their_units_items_and_others_none(
    shops, station_manager_client, other_station_manager, stranger, anon_client
):
    assert names(station_manager_client.get("/api/v1/shop-items/")) == {"一袋大米", "旧物"}
    assert names(client_for(other_station_manager).get("/api/v1/shop-items/")) == {"茶叶"}
    assert names(client_for(stranger).get("/api/v1/shop-items/")) == set()
    assert anon_client.get("/api/v1/shop-items/").status_code == 401


def test_a_keeper_sees_the_items_of_their_shop(shops, tree, django_user_model):
    keeper = make_user(django_user_model, "店员")
    ShopKeeper.objects.create(unit=tree["S2"], user=keeper)
    assert names(client_for(keeper).get("/api/v1/shop-items/")) == {"茶叶"}


def test_items_filter_by_unit_search_and_ordering(shops, center_manager_client, tree):
    assert names(center_manager_client.get(f"/api/v1/shop-items/?unit={tree['I1'].pk}")) == {
        "一袋大米",
        "毛巾",
        "茶叶",
        "旧物",
    }
    assert names(center_manager_client.get("/api/v1/shop-items/?q=大米")) == {"一袋大米"}
    ordered = center_manager_client.get("/api/v1/shop-items/?ordering=-price").json()["results"]
    assert [row["name"] for row in ordered][:2] == ["一袋大米", "茶叶"]
    assert center_manager_client.get("/api/v1/shop-items/?unit=99999999999999999999999").status_code == 400


def test_the_item_list_answers_in_constant_queries(tree, volunteer, station_manager, django_assert_max_num_queries):
    client = client_for(volunteer.user)
    make_item(tree["S1"], station_manager)
    with django_assert_max_num_queries(8) as one:
        client.get("/api/v1/shop-items/")
    for n in range(10):
        make_item(tree["S1"], station_manager, name=f"物品{n}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(client.get("/api/v1/shop-items/").json()["results"]) == 11


def test_a_keeper_redeems_by_scanning_the_personal_code(shops, station_manager_client, volunteer):
    give_points(volunteer, "120")
    token = make_volunteer_code(volunteer.pk, timezone.now())
    rice = shops["rice"]
    response = station_manager_client.post(
        f"/api/v1/shop-items/{rice.pk}/redeem/", {"token": token, "quantity": 2}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["item_name"] == "一袋大米" and body["quantity"] == 2 and Decimal(body["points"]) == 100
    assert body["volunteer_name"] == volunteer.real_name and body["stock_after"] == 1
    assert body["method"] == "personal_code" and body["by_name"] == "站管理员"


def test_an_exchange_code_redeems_once_through_the_api(shops, station_manager_client, volunteer_client, volunteer):
    give_points(volunteer, "200")
    issued = volunteer_client.post("/api/v1/me/exchange-code/")
    assert issued.status_code == 201
    code = issued.json()["code"]
    assert len(code) == 8 and issued.json()["expires_at"]
    url = f"/api/v1/shop-items/{shops['rice'].pk}/redeem/"
    assert station_manager_client.post(url, {"code": code}, format="json").status_code == 201
    again = station_manager_client.post(url, {"code": code}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "code_used"


def test_redeeming_the_last_item_twice_answers_409(tree, station_manager, station_manager_client, volunteer):
    give_points(volunteer, "500")
    last = make_item(tree["S1"], station_manager, stock=1)
    url = f"/api/v1/shop-items/{last.pk}/redeem/"
    token = make_volunteer_code(volunteer.pk, timezone.now())
    assert station_manager_client.post(url, {"token": token}).status_code == 201
    refused = station_manager_client.post(url, {"token": token})
    assert refused.status_code == 409 and refused.json()["code"] == "out_of_stock"


def test_outsiders_cannot_redeem(shops, volunteer, other_station_manager, stranger, anon_client, tree):
    give_points(volunteer, "200")
    url = f"/api/v1/shop-items/{shops['rice'].pk}/redeem/"
    body = {"token": make_volunteer_code(volunteer.pk, timezone.now())}
    # The volunteer sees the item but keeps no shop.
    refused = client_for(volunteer.user).post(url, body, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "not_shop_keeper"
    assert client_for(other_station_manager).post(url, body, format="json").status_code == 404
    assert client_for(stranger).post(url, body, format="json").status_code == 404
    assert anon_client.post(url, body, format="json").status_code == 401
    assert not Redemption.objects.exists()


def test_a_volunteer_of_another_station_is_refused_at_this_shop(shops, station_manager_client, tree):
    stranger_volunteer = make_volunteer(tree["S2"], "钱七")
    give_points(stranger_volunteer, "200")
    token = make_volunteer_code(stranger_volunteer.pk, timezone.now())
    response = station_manager_client.post(f"/api/v1/shop-items/{shops['rice'].pk}/redeem/", {"token": token})
    assert response.status_code == 400 and response.json()["code"] == "foreign_shop"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"token": "x", "code": "12345678"},
        {"code": "1234"},
        {"code": "abcdefgh"},
        {"token": "x", "quantity": 0},
        {"token": "x", "quantity": 1001},
        {"token": "x", "quantity": "many"},
        {"token": "x" * 501},
    ],
)
def test_bad_redeem_input_is_a_400_with_field_messages(shops, station_manager_client, body):
    response = station_manager_client.post(f"/api/v1/shop-items/{shops['rice'].pk}/redeem/", body, format="json")
    assert response.status_code == 400
    assert response.json()


def test_a_wrong_code_is_refused_in_chinese(shops, station_manager_client):
    url = f"/api/v1/shop-items/{shops['rice'].pk}/redeem/"
    unknown = station_manager_client.post(url, {"code": "00000000"}, format="json")
    assert unknown.status_code == 400 and unknown.json()["code"] == "code_invalid"
    malformed = station_manager_client.post(url, {"code": "1234"}, format="json")
    assert malformed.json() == {"code": ["兑换码为 8 位数字。"]}


def test_guessing_codes_is_throttled(shops, station_manager_client, monkeypatch):
    monkeypatch.setitem(ScopedThrottle.THROTTLE_RATES, "scan", "3/minute")
    url = f"/api/v1/shop-items/{shops['rice'].pk}/redeem/"
    statuses = [station_manager_client.post(url, {"code": f"{n:08d}"}).status_code for n in range(4)]
    assert statuses == [400, 400, 400, 429]


def test_redemptions_are_seen_by_the_shop_and_the_volunteer_only(
    shops, station_manager, volunteer, other_volunteer, other_station_manager, institute_manager
):
    give_points(volunteer, "200")
    give_points(other_volunteer, "200")
    shop.redeem(shops["rice"], volunteer, by=station_manager)
    shop.redeem(shops["towel"], other_volunteer, by=institute_manager)

    def items(user) -> list[str]:
        response = client_for(user).get("/api/v1/redemptions/")
        assert response.status_code == 200
        return sorted(row["item_name"] for row in response.json()["results"])

    assert items(volunteer.user) == ["一袋大米"]
    assert items(other_volunteer.user) == ["毛巾"]
    assert items(station_manager) == ["一袋大米"]
    assert items(other_station_manager) == []
    assert items(institute_manager) == ["一袋大米", "毛巾"]


def test_redemptions_filter_by_item_and_refuse_unknown_items(shops, station_manager, station_manager_client, volunteer):
    give_points(volunteer, "200")
    shop.redeem(shops["rice"], volunteer, by=station_manager)
    assert station_manager_client.get(f"/api/v1/redemptions/?item={shops['rice'].pk}").json()["count"] == 1
    assert station_manager_client.get(f"/api/v1/redemptions/?item={shops['old'].pk}").json()["count"] == 0
    for foreign in [shops["tea"].pk, "99999999999999999999999", "x"]:
        assert station_manager_client.get(f"/api/v1/redemptions/?item={foreign}").status_code == 400


def test_the_redemption_list_answers_in_constant_queries(
    tree, shops, station_manager, volunteer, django_assert_max_num_queries
):
    give_points(volunteer, "10000")
    client = client_for(station_manager)
    shop.redeem(shops["rice"], volunteer, by=station_manager)
    with django_assert_max_num_queries(8) as one:
        client.get("/api/v1/redemptions/")
    shop.receive_stock(shops["rice"], 20, by=station_manager)
    for _ in range(10):
        shop.redeem(shops["rice"], volunteer, by=station_manager)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get("/api/v1/redemptions/").json()["count"] == 11


def test_only_volunteers_get_exchange_codes(stranger, anon_client, volunteer_client):
    refused = client_for(stranger).post("/api/v1/me/exchange-code/")
    assert refused.status_code == 403 and refused.json()["code"] == "not_volunteer"
    assert anon_client.post("/api/v1/me/exchange-code/").status_code == 401
    assert volunteer_client.get("/api/v1/me/exchange-code/").status_code == 405
    assert not ExchangeCode.objects.exists()
