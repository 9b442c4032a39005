"""The service orders' part of the permission matrix (tests/test_permission_matrix.py).

``order_request`` answers the matrix's ``request_for`` for the orders' operations:
a fresh order per call, brought by the services into the state the operation needs,
and a valid body. The resident of the "in" order is the matrix's volunteer (S1); the
team it goes to is led by the other volunteer (S2), so that persona acts as the
team leader. "out" orders are at S4, their team led by the volunteer of S4.
"""

from __future__ import annotations

import datetime
import io

from django.core.files.base import ContentFile
from PIL import Image

from orders import services
from orders.models import MenuCategory, MenuItem, Order
from volunteers.models import Team

# Numbers of nobody registered: the contact of an order placed for someone else.
CONTACT_PHONES = {"in": "13612340001", "out": "13612340002"}


def _photo() -> ContentFile:
    data = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(data, format="JPEG")
    return ContentFile(data.getvalue(), name="photo.jpg")


def _setting(world: dict) -> dict:
    if "orders" in world:
        return world["orders"]
    tree = world["tree"]
    leaders = {"in": world["people"]["other_volunteer"].volunteer, "out": world["volunteers"]["out"]}
    centers = {"in": tree["C"], "out": tree["C2"]}
    units = {"in": tree["S1"], "out": tree["S4"]}
    setting = {"categories": {}, "items": {}, "teams": {}, "local_items": {}}
    for target in ("in", "out"):
        category = MenuCategory.objects.create(center=centers[target], name="助老助残")
        setting["categories"][target] = category
        setting["items"][target] = MenuItem.objects.create(category=category, unit=centers[target], name="上门理发")
        setting["local_items"][target] = MenuItem.objects.create(category=category, unit=units[target], name="代取药品")
        team = Team.objects.create(name="点单服务队", unit=units[target], leader=leaders[target])
        team.members.add(leaders[target])
        setting["teams"][target] = team
    world["orders"] = setting
    return setting


# The state each operation acts on, reached by these steps in order.
STEPS = ["placed", "reviewed", "dispatched", "accepted", "completed", "rated"]
NEEDS = {
    "cancel": "placed",
    "review": "placed",
    "dispatch": "reviewed",
    "claim": "open",
    "accept": "dispatched",
    "decline": "dispatched",
    "start": "accepted",
    "complete": "accepted",
    "rate": "completed",
    "close": "rated",
}


def make_order(world: dict, target: str, state: str) -> Order:
    setting, tree, now = _setting(world), world["tree"], world["now"]
    admin = world["people"]["admin"]
    resident = world["people"]["volunteer"] if target == "in" else world["volunteers"]["out"].user
    station = {"in": tree["S1"], "out": tree["S4"]}[target]
    order = services.place_order(
        item=setting["items"][target],
        station=station,
        contact_name="张桂兰",
        honorific="ms",
        contact_phone=CONTACT_PHONES[target],
        address="东门社区3栋",
        photo=_photo(),
        by=resident,
    )
    if state == "placed":
        return order
    services.review_order(order, by=admin, accept=True)
    if state == "reviewed":
        return order
    if state == "open":
        return services.dispatch_order(order, by=admin, claim_unit=station)
    team = setting["teams"][target]
    services.dispatch_order(order, by=admin, team=team)
    if state == "dispatched":
        return order
    # Under way already, so that its report may be filed now: accepted an hour ago for half an hour ago.
    appointment = services.Appointment(
        starts_at=now - datetime.timedelta(minutes=30), ends_at=now + datetime.timedelta(hours=1)
    )
    services.accept_order(order, appointment, by=team.leader.user, at=now - datetime.timedelta(hours=1))
    if state == "accepted":
        return order
    services.complete_order(order, by=admin, summary="理发完成")
    if state == "completed":
        return order
    services.rate_order(order, by=resident, response=5, attitude=5, result=5)
    return order


def order_request(method: str, path: str, target: str | None, persona: str, world: dict) -> tuple[str, dict | None]:
    """The URL and a valid body for an orders operation (see the module's docstring)."""
    setting, tree, now = _setting(world), world["tree"], world["now"]
    side = target or "in"
    unit = {"in": tree["S1"], "out": tree["S4"]}[side]
    center = {"in": tree["C"], "out": tree["C2"]}[side]
    url = path
    if path.startswith("/api/v1/orders/{id}/"):
        action = path.split("/")[-2]
        order = make_order(world, side, NEEDS.get(action, "dispatched"))
        url = path.replace("{id}", str(order.pk))
    elif path.startswith("/api/v1/order-ratings/{id}/"):
        order = make_order(world, side, "rated")
        url = path.replace("{id}", str(order.rating.pk))
    elif path.startswith("/api/v1/menu-categories/{id}/"):
        category = MenuCategory.objects.create(center=center, name=f"类别{MenuCategory.objects.count()}")
        url = path.replace("{id}", str(category.pk))
    elif path.startswith("/api/v1/menu-items/{id}/"):
        item = MenuItem.objects.create(
            category=setting["categories"][side], unit=unit, name=f"项目{MenuItem.objects.count()}"
        )
        url = path.replace("{id}", str(item.pk))
    if path in ("/api/v1/orders/board/", "/api/v1/orders/statistics/") and target:
        url = f"{url}?unit={unit.pk}"
    start = now + datetime.timedelta(days=1)
    appointment = {"starts_at": start.isoformat(), "ends_at": (start + datetime.timedelta(hours=1)).isoformat()}
    bodies = {
        ("POST", "/api/v1/residents/register/"): {
            "name": "李红",
            "phone": "13512345678",
            "password": "a-long-secret-77",
            "consent": True,
        },
        ("POST", "/api/v1/menu-categories/"): {"center": center.pk, "name": "新类别"},
        ("PUT", "/api/v1/menu-categories/{id}/"): {"center": center.pk, "name": "改名类别"},
        ("PATCH", "/api/v1/menu-categories/{id}/"): {"name": "改名类别"},
        ("POST", "/api/v1/menu-items/"): {
            "category": setting["categories"][side].pk,
            "unit": unit.pk,
            "name": "新项目",
        },
        ("PUT", "/api/v1/menu-items/{id}/"): {
            "category": setting["categories"][side].pk,
            "unit": unit.pk,
            "name": "改名项目",
        },
        ("PATCH", "/api/v1/menu-items/{id}/"): {"description": "说明"},
        ("POST", "/api/v1/orders/"): {
            "item": setting["items"][side].pk,
            "station": unit.pk,
            "contact_name": "张桂兰",
            "contact_phone": CONTACT_PHONES[side],
            "address": "东门社区3栋",
            # The "in" and "out" rows: a station's manager enters it for a resident.
            "on_behalf": target is not None,
        },
        ("POST", "/api/v1/orders/{id}/cancel/"): {"reason": "已自行解决"},
        ("POST", "/api/v1/orders/{id}/review/"): {"accept": True},
        ("POST", "/api/v1/orders/{id}/dispatch/"): {"team": setting["teams"][side].pk},
        ("POST", "/api/v1/orders/{id}/accept/"): appointment,
        ("POST", "/api/v1/orders/{id}/claim/"): {**appointment, "team": setting["teams"][side].pk},
        ("POST", "/api/v1/orders/{id}/decline/"): {"reason": "队员不在"},
        ("POST", "/api/v1/orders/{id}/complete/"): {"summary": "理发完成", "people_served": 1},
        ("POST", "/api/v1/orders/{id}/rate/"): {"response": 5, "attitude": 4, "result": 5},
    }
    return url, bodies.get((method, path))
