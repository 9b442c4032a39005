"""The order the tests of the order flow as its people live it share: placed by a resident with a photo and
reviewed by its station on 2026-12-01 at 09:00, the clock frozen there."""

import datetime

import pytest
import time_machine
from django.test import Client

from orders import services
from orders.models import Order
from tests.conftest import make_manager
from tests.orders.conftest import local, photo_upload

PHONE = "13612345678"
HOME = "东门社区3栋2单元101"


def html(response) -> str:
    return response.content.decode()


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def clock():
    with time_machine.travel(local(2026, 12, 1, 9, 0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def station(django_user_model, tree):
    return make_manager(django_user_model, tree["S1"], "东门站长")


@pytest.fixture
def order(clock, menu, tree, resident, station) -> Order:
    order = services.place_order(
        item=menu["haircut"],
        station=tree["S1"],
        contact_name="张桂兰",
        honorific="ms",
        contact_phone=PHONE,
        address=HOME,
        photo=photo_upload(),
        by=resident,
    )
    return services.review_order(order, by=station, accept=True)


def accept(order: Order, team, start=None) -> Order:
    start = start or local(2026, 12, 2, 10)
    appointment = services.Appointment(starts_at=start, ends_at=start + datetime.timedelta(hours=1), place="服务站门口")
    services.accept_order(order, appointment, by=team.leader.user)
    order.refresh_from_db()
    return order
