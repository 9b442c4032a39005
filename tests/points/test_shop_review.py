"""The shop as a red team and its users found it: the counter's Enter, guessing exchange codes,
deactivated accounts and malformed requests."""

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from events.checkin_codes import make_volunteer_code
from points import shop
from points.errors import PointsError
from points.models import Account, ExchangeCode, Redemption
from tests.points.test_shop import give_points, make_item

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def rice(tree, station_manager):
    return make_item(tree["S1"], station_manager)


def test_the_counters_form_has_a_submit_button_so_enter_redeems(rice, tree, station_manager):
    # A form of two fields submits on Enter (a handheld scanner's last key) only with a submit button.
    html = logged_in(station_manager).get(f"/shop/{tree['S1'].pk}/redeem/").content.decode()
    form = html[html.index('<form id="typed"') : html.index("</form>", html.index('<form id="typed"'))]
    assert '<button type="submit"' in form and "兑换" in form


def test_a_keeper_who_types_many_wrong_exchange_codes_is_stopped_for_an_hour(
    rice, station_manager, volunteer, monkeypatch
):
    monkeypatch.setattr(shop, "EXCHANGE_CODE_MISSES", 3)
    give_points(volunteer, "100")
    code = shop.issue_exchange_code(volunteer, now=timezone.now()).code
    wrong = [guess for guess in ("00000001", "00000002", "00000003") if guess != code]
    for guess in wrong[:3]:
        with pytest.raises(PointsError) as refusal:
            shop.redeem_by_exchange_code(rice, guess, by=station_manager, at=timezone.now())
        assert refusal.value.code == "code_invalid"
    with pytest.raises(PointsError) as refusal:
        shop.redeem_by_exchange_code(rice, code, by=station_manager, at=timezone.now())
    assert refusal.value.code == "code_attempts" and refusal.value.status_code == 429
    assert ExchangeCode.objects.get(code=code).used_at is None
    # Scanning the personal code still works at once.
    token = make_volunteer_code(volunteer.pk, timezone.now())
    assert shop.redeem_by_personal_code(rice, token, by=station_manager, at=timezone.now()).quantity == 1


def test_wrong_exchange_codes_count_per_keeper(rice, tree, station_manager, institute_manager, volunteer, monkeypatch):
    monkeypatch.setattr(shop, "EXCHANGE_CODE_MISSES", 1)
    give_points(volunteer, "100")
    with pytest.raises(PointsError):
        shop.redeem_by_exchange_code(rice, "00000000", by=station_manager, at=timezone.now())
    code = shop.issue_exchange_code(volunteer, now=timezone.now()).code
    assert shop.redeem_by_exchange_code(rice, code, by=institute_manager, at=timezone.now()).volunteer == volunteer


def test_the_counter_answers_too_many_wrong_codes_in_words(rice, tree, station_manager, monkeypatch):
    monkeypatch.setattr(shop, "EXCHANGE_CODE_MISSES", 1)
    client, url = logged_in(station_manager), f"/shop/{tree['S1'].pk}/redeem/answer/"
    body = json.dumps({"item": rice.pk, "code": "00000000"})
    assert client.post(url, body, content_type="application/json").status_code == 400
    refused = client.post(url, body, content_type="application/json")
    assert refused.status_code == 429 and refused.json()["kind"] == "code_attempts"
    assert "个人码" in refused.json()["message"]


def test_a_deactivated_volunteers_code_buys_nothing(rice, station_manager, volunteer):
    give_points(volunteer, "100")
    code = shop.issue_exchange_code(volunteer, now=timezone.now()).code
    token = make_volunteer_code(volunteer.pk, timezone.now())
    volunteer.user.is_active = False
    volunteer.user.save(update_fields=["is_active"])
    for redeem, shown in ((shop.redeem_by_exchange_code, code), (shop.redeem_by_personal_code, token)):
        with pytest.raises(PointsError) as refusal:
            redeem(rice, shown, by=station_manager, at=timezone.now())
        assert refusal.value.code == "not_volunteer"
    assert not Redemption.objects.exists()


def test_json_nested_too_deep_at_the_counter_is_a_400(rice, tree, station_manager):
    body = b"[" * 100_000 + b"]" * 100_000
    response = logged_in(station_manager).post(
        f"/shop/{tree['S1'].pk}/redeem/answer/", body, content_type="application/json"
    )
    assert response.status_code == 400 and not response.json()["ok"]


def test_frozen_points_mark_nothing_as_redeemable_and_say_why(tree, station_manager, volunteer, volunteer_client):
    towel = make_item(tree["S1"], station_manager, name="毛巾", price="5")
    give_points(volunteer, "20")
    Account.objects.filter(volunteer=volunteer).update(frozen_reason="服务记录有争议")
    html = logged_in(volunteer.user).get("/shop/").content.decode()
    assert 'class="affordable"' not in html and "冻结" in html
    listed = volunteer_client.get("/api/v1/shop-items/").json()["results"]
    assert [(row["id"], row["affordable"]) for row in listed] == [(towel.pk, False)]


def test_an_item_had_up_to_the_limit_is_not_marked_as_redeemable(tree, station_manager, volunteer):
    soap = make_item(tree["S1"], station_manager, name="肥皂", price="1", stock=5, limit_per_person=2, limit_days=30)
    towel = make_item(tree["S1"], station_manager, name="毛巾", price="1", stock=5, limit_per_person=2)
    give_points(volunteer, "20")
    shop.redeem(soap, volunteer, by=station_manager, quantity=2)
    shop.redeem(towel, volunteer, by=station_manager)
    html = logged_in(volunteer.user).get("/shop/").content.decode()
    assert f'class="" data-item="{soap.pk}"' in html
    assert f'class="affordable" data-item="{towel.pk}"' in html


def test_asking_for_codes_all_day_keeps_one_unused_code(rice, station_manager, volunteer):
    give_points(volunteer, "100")
    now = timezone.now()
    for minute in range(50):
        shop.issue_exchange_code(volunteer, now=now + datetime.timedelta(minutes=minute))
    used = shop.issue_exchange_code(volunteer, now=now + datetime.timedelta(minutes=50))
    shop.redeem_by_exchange_code(rice, used.code, by=station_manager, at=now + datetime.timedelta(minutes=51))
    shop.issue_exchange_code(volunteer, now=now + datetime.timedelta(minutes=52))
    assert ExchangeCode.objects.filter(volunteer=volunteer).count() == 2
    assert ExchangeCode.objects.filter(volunteer=volunteer, used_at__isnull=False).get().code == used.code
