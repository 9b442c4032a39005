"""The admin's order pages: scoped, in Chinese, the contact masked to those it is not for,
and the workflows (accept, refuse, dispatch) through the same services."""

import pytest

from orders import services
from orders.models import OrderState
from tests.conftest import PASSWORD, make_manager


@pytest.fixture
def order(menu, tree, resident):
    return services.place_order(
        item=menu["haircut"],
        station=tree["S1"],
        contact_name="张桂兰",
        honorific="ms",
        contact_phone="13612345678",
        address="东门社区3栋",
        by=resident,
    )


def logged_in(client, user):
    assert client.login(phone=user.phone, password=PASSWORD)
    return client


def test_the_station_sees_the_contact_the_center_sees_it_masked(client, django_user_model, tree, order):
    station = make_manager(django_user_model, tree["S1"], "东门站长")
    page = logged_in(client, station).get(f"/admin/orders/order/{order.pk}/change/")
    assert page.status_code == 200 and "13612345678" in page.content.decode()
    client.logout()
    center = make_manager(django_user_model, tree["C"], "中心")
    page = logged_in(client, center).get(f"/admin/orders/order/{order.pk}/change/")
    text = page.content.decode()
    assert page.status_code == 200 and "136****5678" in text and "3栋" not in text and "张女士" in text


def test_another_station_does_not_reach_the_order(client, other_station_manager, order):
    admin_client = logged_in(client, other_station_manager)
    # The admin answers an id outside the queryset as it answers an unknown one: back to the list.
    assert admin_client.get(f"/admin/orders/order/{order.pk}/change/").status_code == 302
    assert admin_client.get("/admin/orders/order/").context["cl"].result_count == 0


def test_a_manager_accepts_and_dispatches_from_the_admin(client, django_user_model, tree, teams, order):
    station = make_manager(django_user_model, tree["S1"], "东门站长")
    admin_client = logged_in(client, station)
    admin_client.post("/admin/orders/order/", {"action": "accept_selected", "_selected_action": [order.pk]})
    order.refresh_from_db()
    assert order.state == OrderState.REVIEWED
    dispatched = admin_client.post(f"/admin/orders/order/{order.pk}/dispatch/", {"team": teams["b"].pk})
    assert dispatched.status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.DISPATCHED and order.team == teams["b"]
    listing = admin_client.get("/admin/orders/order/?overdue=yes")
    assert listing.status_code == 200
    # The center's menu is the center's to keep: a station keeps only its local items.
    assert "上门理发" not in admin_client.get("/admin/orders/menuitem/").content.decode()
    client.logout()
    center = logged_in(client, make_manager(django_user_model, tree["C"], "中心"))
    assert "上门理发" in center.get("/admin/orders/menuitem/").content.decode()
