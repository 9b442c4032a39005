"""The points' part of the permission matrix (tests/test_permission_matrix.py): the shop, gifts and
donations, the volunteer's points and the points statistics.

``ROWS`` are in the matrix's table format; ``points_request`` answers the matrix's ``request_for``
for these operations. Both centers let volunteers give points to relatives and donate them; each
side has an item with stock at its station, and its volunteer 100 points and one redemption. An
"in" gift goes from the volunteer (S1) to the other volunteer (S2), an "out" one between two
people of S4, fresh and pending for each call.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from events.checkin_codes import make_volunteer_code
from points import ledger, shop
from points.models import AccountKind, Gift, PointsRule, ShopItem, TransferKind
from tests.conftest import make_volunteer

# method, path, target: statuses for admin, center, institute, station, other manager,
# volunteer (S1), other volunteer (S2), anonymous.
ROWS = """
GET    /api/v1/shop-items/                          -    200 200 200 200 200 200 200 401
GET    /api/v1/shop-items/{id}/                     in   200 200 200 200 404 200 404 401
GET    /api/v1/shop-items/{id}/                     out  200 404 404 404 404 404 404 401
POST   /api/v1/shop-items/{id}/redeem/              in   201 201 201 201 404 403 404 401
POST   /api/v1/shop-items/{id}/redeem/              out  201 404 404 404 404 404 404 401
GET    /api/v1/redemptions/                         -    200 200 200 200 200 200 200 401
GET    /api/v1/redemptions/{id}/                    in   200 200 200 200 404 200 404 401
GET    /api/v1/redemptions/{id}/                    out  200 404 404 404 404 404 404 401
POST   /api/v1/me/exchange-code/                    -    403 403 403 403 403 201 201 401
GET    /api/v1/me/points/                           -    403 403 403 403 403 200 200 401
GET    /api/v1/me/gifts/                            -    200 200 200 200 200 200 200 401
POST   /api/v1/me/gifts/                            -    403 403 403 403 403 201 201 401
POST   /api/v1/me/gifts/{id}/accept/                in   404 404 404 404 404 403 200 401
POST   /api/v1/me/gifts/{id}/accept/                out  404 404 404 404 404 404 404 401
POST   /api/v1/me/gifts/{id}/decline/               in   404 404 404 404 404 403 200 401
POST   /api/v1/me/gifts/{id}/decline/               out  404 404 404 404 404 404 404 401
POST   /api/v1/me/gifts/{id}/cancel/                in   404 404 404 404 404 200 403 401
POST   /api/v1/me/gifts/{id}/cancel/                out  404 404 404 404 404 404 404 401
POST   /api/v1/me/donations/                        in   403 403 403 403 403 201 400 401
POST   /api/v1/me/donations/                        out  403 403 403 403 403 400 400 401
GET    /api/v1/stats/points/                        -    200 200 200 200 200 403 403 401
GET    /api/v1/stats/points/                        in   200 200 200 200 404 403 403 401
GET    /api/v1/stats/points/                        out  200 404 404 404 404 403 403 401
"""

PATHS = (
    "/api/v1/shop-items/",
    "/api/v1/redemptions/",
    "/api/v1/me/exchange-code/",
    "/api/v1/me/points/",
    "/api/v1/me/gifts/",
    "/api/v1/me/donations/",
)


def _give(unit, person, amount: str) -> None:
    with transaction.atomic():
        ledger.post(
            TransferKind.AWARD,
            ledger.unit_account(unit, AccountKind.ISSUE),
            ledger.volunteer_account(person),
            Decimal(amount),
            unit=unit,
        )


def points_world(world: dict) -> None:
    """The rules, items, points, redemptions and the S4 gift pair, made once per world."""
    if "shop_items" in world:
        return
    admin, tree = world["people"]["admin"], world["tree"]
    for center in (tree["C"], tree["C2"]):
        PointsRule.objects.create(unit=center, gifts_allowed=True, donations_allowed=True)
    world["shop_items"], world["redemptions"] = {}, {}
    other = world["people"]["other_volunteer"].volunteer
    far_relative = make_volunteer(tree["S4"], "赵七")
    world["gift_pairs"] = {"in": (world["volunteers"]["in"], other), "out": (world["volunteers"]["out"], far_relative)}
    for target, unit in (("in", tree["S1"]), ("out", tree["S4"])):
        item = ShopItem.objects.create(unit=unit, name="一袋大米", price=Decimal("10"))
        shop.receive_stock(item, 10, by=admin)
        for person in world["gift_pairs"][target]:
            _give(unit, person, "100")
        world["shop_items"][target] = item
        world["redemptions"][target] = shop.redeem(item, world["volunteers"][target], by=admin)


def points_request(method: str, path: str, target: str | None, persona: str, world: dict) -> tuple[str, dict | None]:
    """The URL and a body with which the operation can succeed."""
    points_world(world)
    if path.startswith("/api/v1/me/gifts/{id}/") and target is not None:
        giver, receiver = world["gift_pairs"][target]
        gift = Gift.objects.create(giver=giver, receiver=receiver, relation="母亲", amount=Decimal("5"))
        return path.replace("{id}", str(gift.pk)), {}
    if path == "/api/v1/me/gifts/" and method == "POST":
        people = world["people"]
        receiver = people["other_volunteer"] if persona == "volunteer" else people["volunteer"]
        return path, {"phone": receiver.phone, "amount": "5", "relation": "母亲"}
    if path == "/api/v1/me/donations/" and target is not None:
        unit = {"in": world["tree"]["S1"], "out": world["tree"]["S4"]}[target]
        return path, {"unit": unit.pk, "amount": "5"}
    if target is None or not path.startswith(("/api/v1/shop-items/", "/api/v1/redemptions/")):
        return path, None
    objects = world["redemptions"] if path.startswith("/api/v1/redemptions/") else world["shop_items"]
    url = path.replace("{id}", str(objects[target].pk))
    if path.endswith("/redeem/"):
        return url, {"token": make_volunteer_code(world["volunteers"][target].pk, world["now"])}
    return url, None
