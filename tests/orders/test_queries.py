"""The orders' lists cost the same number of queries whatever the page size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders import services
from tests.conftest import client_for, make_manager


@pytest.fixture
def many_orders(django_user_model, tree, menu, teams, resident):
    station = make_manager(django_user_model, tree["S1"], "东门站长")
    for n in range(12):
        order = services.place_order(
            item=menu["haircut"],
            station=tree["S1"],
            contact_name=f"张{n}",
            contact_phone="13612345678",
            address="东门社区",
            by=resident,
        )
        services.review_order(order, by=station, accept=True)
        services.dispatch_order(order, by=station, team=teams["b"])
    return station


def queries_for(user, url: str) -> int:
    client = client_for(type(user).objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", ["/api/v1/orders/", "/api/v1/orders/inbox/"])
def test_order_lists_do_not_grow_with_the_page(many_orders, center_manager, teams, url):
    user = teams["b"].leader.user if "inbox" in url else center_manager
    assert queries_for(user, f"{url}?page_size=2") == queries_for(user, f"{url}?page_size=200")


def test_the_board_does_not_grow_with_the_page(many_orders, tree):
    from orders.models import Order

    Order.objects.update(state="closed", completed_at="2026-12-01T10:00:00+08:00")
    client = client_for(None)
    counts = []
    for size in (2, 200):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/api/v1/orders/board/?unit={tree['C'].pk}&page_size={size}").status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]
