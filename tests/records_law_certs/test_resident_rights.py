"""Residents' personal-data rights, and the orders, ratings, refused scans and photos in a
volunteer's download (issue 20 item 4; PIPL art. 45, 47)."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from events.models import ActivityPhoto, ActivityRecord, RefusedScan
from orders import services as order_services
from orders.models import Order, OrderState, Rating
from tests.conftest import PASSWORD, client_for, make_manager
from tests.orders.conftest import menu, photo_upload, resident, teams  # noqa: F401
from volunteers.models import Volunteer

from .conftest import event_on

DATA, PDF, CLOSE = "/api/v1/me/data/", "/api/v1/me/data/pdf/", "/api/v1/me/close-account/"
PHONE, ADDRESS = "13612345678", "东门社区3栋2单元101"


def place(user, items, tree, **fields) -> Order:
    return order_services.place_order(
        item=items["haircut"],
        station=tree["S1"],
        contact_name="张桂兰",
        honorific="ms",
        contact_phone=PHONE,
        address=ADDRESS,
        description="母亲行动不便",
        by=user,
        **fields,
    )


def rated(user, items, tree, squads) -> Order:
    """A served and rated order, its rows written directly: the flow is tested in tests/orders."""
    now = timezone.now()
    order = Order.objects.create(
        item=items["haircut"],
        resident=user,
        contact_name="张桂兰",
        honorific="ms",
        contact_phone=PHONE,
        address="西门社区1栋",
        station=tree["S1"],
        handling_unit=tree["S1"],
        team=squads["a"],
        state=OrderState.RATED,
        completed_at=now,
    )
    Rating.objects.create(order=order, response=5, attitude=4, result=5, comment="很满意，谢谢", rated_by=user)
    return order


@pytest.fixture
def orders_of(menu, tree, teams):  # noqa: F811
    def make(user) -> dict[str, Order]:
        return {"waiting": place(user, menu, tree, photo=photo_upload()), "rated": rated(user, menu, tree, teams)}

    return make


def test_a_resident_downloads_their_orders_addresses_photos_and_ratings(resident, orders_of):  # noqa: F811
    orders = orders_of(resident)
    client = client_for(resident)
    response = client.get(DATA)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    data = response.json()
    assert data["account"]["phone"] == resident.phone and "profile" not in data
    by_id = {row["id"]: row for row in data["orders"]}
    waiting = by_id[orders["waiting"].pk]
    assert (waiting["address"], waiting["contact_phone"], waiting["description"]) == (ADDRESS, PHONE, "母亲行动不便")
    assert data["ratings"][0]["order_id"] == orders["rated"].pk and data["ratings"][0]["comment"] == "很满意，谢谢"
    photo = data["photos"][0]
    assert photo["kind"] == "order" and waiting["photo"] == photo["url"]
    download = client.get(photo["url"])
    assert download.status_code == 200 and download["Content-Type"] == "image/jpeg"


def test_a_residents_data_as_a_pdf(resident, orders_of):  # noqa: F811
    from .conftest import pdf_text

    orders_of(resident)
    response = client_for(resident).get(PDF)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "上门理发" in text and resident.phone in text and "/api/v1/me/data/photos/order/" in text


def test_nobody_else_downloads_a_residents_photo(resident, orders_of, volunteer, tree, django_user_model):  # noqa: F811
    url = client_for(resident).get(DATA).json()["photos"][0]["url"] if orders_of(resident) else ""
    assert client_for(volunteer.user).get(url).status_code == 404
    assert client_for(make_manager(django_user_model, tree["S1"], "东门站长")).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 401


def test_a_resident_closes_their_account_and_the_orders_forget_them(resident, orders_of, anon_client):  # noqa: F811
    orders = orders_of(resident)
    photo_name = orders["waiting"].photo.name
    storage = orders["waiting"].photo.storage
    phone = resident.phone
    with pytest.MonkeyPatch.context() as patch:
        # The photo is deleted once the closing commits; the test's transaction never does.
        patch.setattr("django.db.transaction.on_commit", lambda callback, *args, **kwargs: callback())
        response = client_for(resident).post(CLOSE, {"password": PASSWORD, "confirm": True}, format="json")
    assert response.status_code == 200 and response.json()["closed_at"]
    resident.refresh_from_db()
    assert not resident.is_active and resident.phone != phone
    login = anon_client.post("/api/v1/auth/token/", {"phone": phone, "password": PASSWORD}, format="json")
    assert login.status_code == 400
    waiting, served = (Order.objects.get(pk=orders[key].pk) for key in ("waiting", "rated"))
    assert waiting.state == OrderState.CANCELLED and served.state == OrderState.RATED
    for order in (waiting, served):
        assert (order.contact_phone, order.address, order.description, order.photo.name) == ("", "", "", "")
        assert order.contact_name == "张女士"
    rating = Rating.objects.get(order=served)
    assert (rating.response, rating.attitude, rating.result, rating.comment) == (5, 4, 5, "")
    assert not storage.exists(photo_name)


def test_a_resident_whose_order_is_being_served_closes_after_the_service(resident, menu, tree, teams):  # noqa: F811
    order = place(resident, menu, tree)
    Order.objects.filter(pk=order.pk).update(state=OrderState.ACCEPTED, team=teams["a"])
    response = client_for(resident).post(CLOSE, {"password": PASSWORD, "confirm": True}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "orders_in_service"
    resident.refresh_from_db()
    order.refresh_from_db()
    assert resident.is_active and order.address == ADDRESS


def test_a_resident_closes_their_account_from_the_page(resident, orders_of, client):  # noqa: F811
    orders_of(resident)
    client.force_login(resident)
    page = client.get("/me/").content.decode()
    assert 'id="my-data"' in page and "/me/close-account/" in page and "/api/v1/me/data/pdf/" in page
    assert 'id="my-data-link"' in client.get("/orders/mine/").content.decode()
    wrong = client.post("/me/close-account/", {"password": "wrong"})
    resident.refresh_from_db()
    assert wrong.status_code == 302 and resident.is_active
    response = client.post("/me/close-account/", {"password": PASSWORD})
    resident.refresh_from_db()
    assert response.status_code == 302 and not resident.is_active
    assert Order.objects.filter(resident=resident, address="").count() == 2


def test_a_volunteers_download_holds_their_orders_ratings_refused_scans_and_photos(volunteer, orders_of, tree):
    orders = orders_of(volunteer.user)
    event = event_on(tree["S1"], 1)
    RefusedScan.objects.create(
        volunteer=volunteer,
        event=event,
        action="in",
        code="outside_area",
        at=timezone.now() - datetime.timedelta(hours=1),
        ip="203.0.113.7",
        user_agent="Mozilla/5.0 (iPhone) test-browser",
    )
    record = ActivityRecord.objects.create(event=event, summary="清扫广场")
    photo = ActivityPhoto(record=record, caption="广场清扫", uploaded_by=volunteer.user)
    photo.image.save("a.jpg", ContentFile(photo_upload().read()), save=False)
    photo.thumbnail.save("t.jpg", ContentFile(b"thumb"), save=False)
    photo.save()
    client = client_for(volunteer.user)
    data = client.get(DATA).json()
    assert data["profile"]["real_name"] == volunteer.real_name
    assert {row["id"] for row in data["orders"]} == {order.pk for order in orders.values()}
    assert data["ratings"][0]["comment"] == "很满意，谢谢"
    scan = data["refused_scans"][0]
    assert (scan["code"], scan["ip"]) == ("outside_area", "203.0.113.7")
    assert scan["user_agent"] == "Mozilla/5.0 (iPhone) test-browser"
    assert {item["kind"] for item in data["photos"]} == {"order", "activity"}
    activity = next(item for item in data["photos"] if item["kind"] == "activity")
    assert activity["caption"] == "广场清扫" and client.get(activity["url"]).status_code == 200
    assert Volunteer.objects.get(pk=volunteer.pk).closed_at is None


def test_a_download_holds_no_rating_noted_for_someone_elses_order(resident, volunteer, orders_of):  # noqa: F811
    """A volunteer who noted a resident's answer on the return call (rated_by) gets their own ratings only."""
    theirs = orders_of(resident)["rated"]
    Rating.objects.filter(order=theirs).update(rated_by=volunteer.user, comment="邻居转述：很满意")
    data = client_for(volunteer.user).get(DATA).json()
    assert "邻居转述：很满意" not in str(data["ratings"])
