"""The shop in the admin: items with 入库 and 盘点, the stock register, returns, shop keepers."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from points import shop
from points.models import Redemption, RedemptionStatus, ShopItem, ShopKeeper, StockMovement
from tests.conftest import make_user
from tests.points.test_shop import give_points, make_item, register_adds_up
from tests.upload_bombs import bomb_upload

pytestmark = pytest.mark.django_db


def admin_browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def rice(tree, station_manager):
    return make_item(tree["S1"], station_manager)


def test_a_manager_receives_stock_through_the_admin(rice, station_manager):
    client = admin_browser(station_manager)
    url = f"/admin/points/shopitem/{rice.pk}/receive/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"quantity": "5", "donor": "某超市", "note": "捐赠"})
    assert response.status_code == 302
    rice.refresh_from_db()
    assert rice.stock == 8 and StockMovement.objects.filter(donor="某超市", quantity=5).exists()


def test_stocktaking_that_differs_needs_a_note(rice, station_manager):
    client = admin_browser(station_manager)
    url = f"/admin/points/shopitem/{rice.pk}/count/"
    refused = client.post(url, {"counted": "2", "note": ""})
    assert refused.status_code == 200 and "盘点数与库存不符" in refused.content.decode()
    assert client.post(url, {"counted": "2", "note": "一袋破损"}).status_code == 302
    rice.refresh_from_db()
    assert rice.stock == 2 and register_adds_up(rice)


@pytest.mark.parametrize("quantity", ["0", "-1", "100001", "abc", ""])
def test_receiving_a_bad_quantity_is_refused_in_the_form(rice, station_manager, quantity):
    response = admin_browser(station_manager).post(f"/admin/points/shopitem/{rice.pk}/receive/", {"quantity": quantity})
    assert response.status_code == 200
    rice.refresh_from_db()
    assert rice.stock == 3


def test_outsiders_cannot_receive_or_count_or_see_the_item(rice, other_station_manager, volunteer, stranger):
    client = admin_browser(other_station_manager)
    for tool in ("receive", "count"):
        form = {"quantity": "5", "counted": "0", "note": "x"}
        assert client.post(f"/admin/points/shopitem/{rice.pk}/{tool}/", form).status_code == 404
    assert "一袋大米" not in client.get("/admin/points/shopitem/").content.decode()
    for user in (volunteer.user, stranger):
        response = admin_browser(user).post(f"/admin/points/shopitem/{rice.pk}/receive/", {"quantity": "5"})
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    rice.refresh_from_db()
    assert rice.stock == 3 and StockMovement.objects.count() == 1


def test_the_stock_cannot_be_edited_by_hand(rice, station_manager, tree):
    client = admin_browser(station_manager)
    page = client.get(f"/admin/points/shopitem/{rice.pk}/change/").content.decode()
    assert f"/admin/points/shopitem/{rice.pk}/receive/" in page and f"/admin/points/shopitem/{rice.pk}/count/" in page
    form = {
        "unit": tree["S1"].pk,
        "name": "一袋大米",
        "description": "",
        "kind": "goods",
        "price": "50.00",
        "stock": "999",
        "donor": "",
        "limit_per_person": "",
        "limit_days": "",
        "is_active": "on",
        "movements-TOTAL_FORMS": "0",
        "movements-INITIAL_FORMS": "1",
        "movements-MIN_NUM_FORMS": "0",
        "movements-MAX_NUM_FORMS": "0",
    }
    response = client.post(f"/admin/points/shopitem/{rice.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    rice.refresh_from_db()
    assert rice.stock == 3


def test_a_manager_adds_items_only_to_units_they_manage(station_manager, tree):
    client = admin_browser(station_manager)
    form = {"unit": tree["S2"].pk, "name": "茶叶", "kind": "goods", "price": "10", "is_active": "on"}
    response = client.post("/admin/points/shopitem/add/", form)
    assert response.status_code == 200 and not ShopItem.objects.filter(name="茶叶").exists()
    form["unit"] = tree["S1"].pk
    assert client.post("/admin/points/shopitem/add/", form).status_code == 302
    assert ShopItem.objects.get(name="茶叶").stock == 0


def test_the_stock_register_is_read_only_and_scoped(rice, station_manager, other_station_manager):
    client = admin_browser(station_manager)
    assert "一袋大米" in client.get("/admin/points/stockmovement/").content.decode()
    assert client.get("/admin/points/stockmovement/add/").status_code == 403
    movement = StockMovement.objects.get()
    assert client.post(f"/admin/points/stockmovement/{movement.pk}/delete/").status_code == 403
    assert "一袋大米" not in admin_browser(other_station_manager).get("/admin/points/stockmovement/").content.decode()
    assert client.get("/admin/points/stockmovement/?kind=in").status_code == 200


def test_a_return_in_the_admin_needs_a_reason(rice, station_manager, volunteer):
    give_points(volunteer, "100")
    redemption = shop.redeem(rice, volunteer, by=station_manager)
    client = admin_browser(station_manager)
    ask = client.post("/admin/points/redemption/", {"action": "return_selected", "_selected_action": [redemption.pk]})
    assert ask.status_code == 200
    blank = client.post(
        "/admin/points/redemption/",
        {"action": "return_selected", "_selected_action": [redemption.pk], "apply": "1", "reason": ""},
    )
    assert blank.status_code == 200
    redemption.refresh_from_db()
    assert redemption.status == RedemptionStatus.DONE
    done = client.post(
        "/admin/points/redemption/",
        {"action": "return_selected", "_selected_action": [redemption.pk], "apply": "1", "reason": "米已受潮"},
    )
    assert done.status_code == 302
    redemption.refresh_from_db()
    assert redemption.status == RedemptionStatus.RETURNED and redemption.return_reason == "米已受潮"
    rice.refresh_from_db()
    assert rice.stock == 3


def test_a_return_from_the_redemptions_page(rice, station_manager, volunteer):
    give_points(volunteer, "100")
    redemption = shop.redeem(rice, volunteer, by=station_manager)
    client = admin_browser(station_manager)
    assert (
        f"/admin/points/redemption/{redemption.pk}/take_back/"
        in client.get(f"/admin/points/redemption/{redemption.pk}/change/").content.decode()
    )
    assert client.post(f"/admin/points/redemption/{redemption.pk}/take_back/", {"reason": "换货"}).status_code == 302
    redemption.refresh_from_db()
    assert redemption.status == RedemptionStatus.RETURNED


def test_outsiders_cannot_return_a_redemption(rice, station_manager, other_station_manager, volunteer):
    give_points(volunteer, "100")
    redemption = shop.redeem(rice, volunteer, by=station_manager)
    client = admin_browser(other_station_manager)
    assert client.post(f"/admin/points/redemption/{redemption.pk}/take_back/", {"reason": "x"}).status_code == 404
    client.post(
        "/admin/points/redemption/",
        {"action": "return_selected", "_selected_action": [redemption.pk], "apply": "1", "reason": "x"},
    )
    assert Redemption.objects.get().status == RedemptionStatus.DONE
    assert Decimal(shop.points_of(volunteer)) == Decimal("50.00")


def test_a_unit_manager_appoints_a_shop_keeper_by_mobile_number(tree, station_manager, django_user_model):
    keeper = make_user(django_user_model, "店员")
    client = admin_browser(station_manager)
    response = client.post("/admin/points/shopkeeper/add/", {"unit": tree["S1"].pk, "phone": keeper.phone})
    assert response.status_code == 302
    assert ShopKeeper.objects.filter(unit=tree["S1"], user=keeper).exists()
    again = client.post("/admin/points/shopkeeper/add/", {"unit": tree["S1"].pk, "phone": keeper.phone})
    assert again.status_code == 200 and ShopKeeper.objects.count() == 1
    unknown = client.post("/admin/points/shopkeeper/add/", {"unit": tree["S1"].pk, "phone": "13912345678"})
    assert unknown.status_code == 200
    listing = client.get("/admin/points/shopkeeper/").content.decode()
    assert "店员" in listing and keeper.phone not in listing


def test_a_manager_cannot_appoint_keepers_of_other_units(
    tree, station_manager, other_station_manager, django_user_model
):
    keeper = make_user(django_user_model, "店员")
    response = admin_browser(station_manager).post(
        "/admin/points/shopkeeper/add/", {"unit": tree["S2"].pk, "phone": keeper.phone}
    )
    assert response.status_code == 200 and not ShopKeeper.objects.exists()
    ShopKeeper.objects.create(unit=tree["S2"], user=keeper)
    role = ShopKeeper.objects.get()
    delete = f"/admin/points/shopkeeper/{role.pk}/delete/"
    assert admin_browser(station_manager).post(delete, {"post": "yes"}).status_code == 302  # "not found": to the list
    assert ShopKeeper.objects.filter(pk=role.pk).exists()
    assert admin_browser(other_station_manager).post(delete, {"post": "yes"}).status_code == 302
    assert not ShopKeeper.objects.exists()


def item_form(unit, **extra) -> dict:
    return {"unit": unit.pk, "name": "毛巾", "kind": "goods", "price": "5", "is_active": "on", **extra}


def test_an_items_photo_is_kept_as_plain_pixels(station_manager, tree):
    photo = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "某品牌手机"  # Make
    Image.new("RGB", (40, 30), "red").save(photo, format="JPEG", exif=exif)
    upload = SimpleUploadedFile("towel.jpg", photo.getvalue(), content_type="image/jpeg")
    response = admin_browser(station_manager).post("/admin/points/shopitem/add/", item_form(tree["S1"], photo=upload))
    assert response.status_code == 302
    stored = ShopItem.objects.get(name="毛巾").photo
    with Image.open(stored.open("rb")) as image:
        assert image.format == "JPEG" and not image.getexif()


def test_a_photo_too_large_to_decode_is_refused(station_manager, tree):
    response = admin_browser(station_manager).post(
        "/admin/points/shopitem/add/", item_form(tree["S1"], photo=bomb_upload())
    )
    assert response.status_code == 200 and not ShopItem.objects.filter(name="毛巾").exists()
