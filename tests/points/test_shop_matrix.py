"""Who may call the shop's API: each operation × each persona of tests/test_permission_matrix.py,
with an item (and a redemption) inside the persona's reach (S1) and outside it (S4).

``ROWS`` are in the matrix's table format and ``shop_request`` builds the request, so
that the site-wide matrix can take both as it takes the orders' (tests/orders/matrix.py).
"""

from decimal import Decimal

import pytest
from django.db import transaction

from events.checkin_codes import make_volunteer_code
from points import ledger, shop
from points.models import AccountKind, ShopItem, TransferKind
from tests.conftest import client_for
from tests.test_permission_matrix import PERSONAS, world  # noqa: F401  (the matrix's world)

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
POST   /api/v1/me/exchange-code/                    -    400 400 400 400 400 201 201 401
"""

CASES = [
    pytest.param(method, path, target, persona, int(status), id=f"{method} {path} {target} {persona}")
    for method, path, target, *statuses in (line.split() for line in ROWS.strip().splitlines())
    for persona, status in zip(PERSONAS, statuses, strict=True)
]


def shop_world(world: dict) -> None:  # noqa: F811
    """An item with stock at each side's station, the side's volunteer with points and one redemption of it."""
    if "shop_items" in world:
        return
    admin, tree = world["people"]["admin"], world["tree"]
    world["shop_items"], world["redemptions"] = {}, {}
    for target, unit in (("in", tree["S1"]), ("out", tree["S4"])):
        item = ShopItem.objects.create(unit=unit, name="一袋大米", price=Decimal("10"))
        shop.receive_stock(item, 10, by=admin)
        person = world["volunteers"][target]
        with transaction.atomic():
            ledger.post(
                TransferKind.AWARD,
                ledger.unit_account(unit, AccountKind.ISSUE),
                ledger.volunteer_account(person),
                Decimal("100"),
                unit=unit,
            )
        world["shop_items"][target] = item
        world["redemptions"][target] = shop.redeem(item, person, by=admin)


def shop_request(method: str, path: str, target: str | None, persona: str, world: dict) -> tuple[str, dict | None]:  # noqa: F811
    """The URL and a body with which the operation can succeed."""
    shop_world(world)
    if target is None:
        return path, None
    objects = world["redemptions"] if path.startswith("/api/v1/redemptions/") else world["shop_items"]
    url = path.replace("{id}", str(objects[target].pk))
    if path.endswith("/redeem/"):
        return url, {"token": make_volunteer_code(world["volunteers"][target].pk, world["now"])}
    return url, None


@pytest.mark.parametrize(("method", "path", "target", "persona", "expected"), CASES)
def test_shop_permission_matrix(world, method, path, target, persona, expected):  # noqa: F811
    url, body = shop_request(method, path, None if target == "-" else target, persona, world)
    client = client_for(world["people"][persona])
    response = getattr(client, method.lower())(url, body, format="json")
    assert response.status_code == expected, response.content[:300]
