"""The order's photo and the completion report's photos: refused from their headers, capped and throttled (issue 20)."""

import time_machine

from accounts.throttles import ScopedThrottle
from events.photos import MAX_PHOTOS_PER_REQUEST
from orders.models import Order
from tests.conftest import client_for
from tests.orders.conftest import local, photo_upload
from tests.orders.test_flow import accepted_haircut, world  # noqa: F401
from tests.upload_bombs import bomb_upload, spy_on_decodings


def order_body(world, **extra) -> dict:  # noqa: F811
    return {
        "item": world["menu"]["haircut"].pk,
        "station": world["tree"]["S1"].pk,
        "contact_name": "张桂兰",
        "contact_phone": "13612345678",
        "address": "东门社区3栋2单元101",
        **extra,
    }


def test_an_order_with_the_bomb_is_a_400_on_the_photo_field(world, resident, monkeypatch):  # noqa: F811
    decodings = spy_on_decodings(monkeypatch)
    response = client_for(resident).post("/api/v1/orders/", order_body(world, photo=bomb_upload()), format="multipart")
    assert response.status_code == 400 and list(response.json()) == ["photo"]
    assert decodings == [] and not Order.objects.exists()


def test_placing_orders_is_throttled_per_resident(world, resident, monkeypatch):  # noqa: F811
    monkeypatch.setitem(ScopedThrottle.THROTTLE_RATES, "photos", "1/hour")
    first = client_for(resident).post("/api/v1/orders/", order_body(world, photo=photo_upload()), format="multipart")
    second = client_for(resident).post("/api/v1/orders/", order_body(world), format="multipart")
    assert (first.status_code, second.status_code) == (201, 429)


def complete(world, photos) -> object:  # noqa: F811
    team = world["teams"]["b"]
    with time_machine.travel(local(2026, 12, 1, 9, 0), tick=False) as clock:
        order = accepted_haircut(world, team)
        clock.move_to(local(2026, 12, 1, 11, 5))
        return client_for(team.leader.user).post(
            f"/api/v1/orders/{order.pk}/complete/", {"summary": "理发完成", "photos": photos}, format="multipart"
        )


def test_a_completion_report_with_the_bomb_is_a_400_on_the_photos_field(world, monkeypatch):  # noqa: F811
    decodings = spy_on_decodings(monkeypatch)
    response = complete(world, [photo_upload("a.jpg"), bomb_upload()])
    assert response.status_code == 400 and list(response.json()) == ["photos"]
    assert decodings == []


def test_a_completion_report_takes_at_most_nine_photos(world):  # noqa: F811
    response = complete(world, [photo_upload(f"{n}.jpg") for n in range(MAX_PHOTOS_PER_REQUEST + 1)])
    assert response.status_code == 400 and list(response.json()) == ["photos"]


def test_completion_reports_are_throttled(world, monkeypatch):  # noqa: F811
    monkeypatch.setitem(ScopedThrottle.THROTTLE_RATES, "photos", "0/hour")
    assert complete(world, [photo_upload()]).status_code == 429


def transactions_open_at_each_decoding(monkeypatch) -> list[int]:
    """How many transactions of ours (savepoints inside the test's own) were open at each decoding."""
    from django.db import connection
    from PIL import ImageFile

    seen: list[int] = []
    original = ImageFile.ImageFile.load

    def load(image):
        seen.append(len(connection.savepoint_ids))
        return original(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return seen


def test_photos_decode_outside_any_transaction(world, resident, monkeypatch):  # noqa: F811
    """On SQLite a transaction holds the whole database: nobody else writes while a photo decodes."""
    open_transactions = transactions_open_at_each_decoding(monkeypatch)
    placed = client_for(resident).post("/api/v1/orders/", order_body(world, photo=photo_upload()), format="multipart")
    completed = complete(world, [photo_upload("a.jpg"), photo_upload("b.jpg")])
    assert (placed.status_code, completed.status_code) == (201, 200)
    assert open_transactions and set(open_transactions) == {0}
