from django.core.management import call_command

from orders.demo import RESIDENT_PASSWORD, RESIDENT_PHONE, load_demo_orders
from orders.models import Order, OrderState
from tests.conftest import client_for


def test_demo_orders_show_each_step_once_however_often_they_load(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo")
    first = load_demo_orders()
    again = load_demo_orders()
    assert first == again and (first[0].phone, first[0].password) == (RESIDENT_PHONE, RESIDENT_PASSWORD)
    assert sorted(Order.objects.values_list("state", flat=True)) == sorted(
        [OrderState.SUBMITTED, OrderState.DISPATCHED, OrderState.RATED]
    )
    served = Order.objects.get(state=OrderState.RATED)
    assert served.event.records.count() == 0 and served.event.activity_record.people_served == 1
    board = client_for(None).get(f"/api/v1/orders/board/?unit={served.station.parent.parent_id}").json()
    assert [row["resident"] for row in board["results"]] == ["王先生"]
    leader = Order.objects.get(state=OrderState.DISPATCHED).team.leader.user
    assert client_for(leader).get("/api/v1/orders/inbox/").json()["count"] == 1
