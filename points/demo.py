"""Demo points: the demo center's rule (10 积分 an hour, at most 2 hours counted per activity,
as 海林 counts), the 爱心超市 of 东门社区 with rice, oil and a haircut, and the demo volunteers'
approved hours credited (run after load_demo)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from events.models import RecordStatus, ServiceRecord
from points.earning import settle
from points.models import ItemKind, PointsRule, ShopItem
from points.shop import receive_stock
from stations.models import PracticeUnit, UnitManager

# name, kind, price in points, stock received, donor, description
ITEMS = [
    ("一袋大米", ItemKind.GOODS, "50", 3, "东门粮油店", "5 公斤装东北大米。"),
    ("食用油", ItemKind.GOODS, "80", 5, "东门粮油店", "5 升装花生油。"),
    ("理发服务", ItemKind.SERVICE, "20", 10, "阿芳理发店", "到店理发一次，周二、周四上午。"),
]


@transaction.atomic
def load_demo_points() -> dict[str, int]:
    """Create the demo rule and shop if missing and credit the approved demo hours (safe to run again)."""
    center = PracticeUnit.objects.get(code="DEMO-C")
    station = PracticeUnit.objects.get(code="DEMO-S1")
    PointsRule.objects.get_or_create(
        unit=center,
        defaults={
            "points_per_hour": Decimal("10.00"),
            "activity_hours_cap": Decimal("2.00"),
            "expiry_years": 3,
            "gifts_allowed": True,
            "donations_allowed": True,
        },
    )
    keeper = UnitManager.objects.filter(unit=station).select_related("user").first()
    for name, kind, price, stock, donor, description in ITEMS:
        item, created = ShopItem.objects.get_or_create(
            unit=station,
            name=name,
            defaults={"kind": kind, "price": Decimal(price), "donor": donor, "description": description},
        )
        if created and keeper is not None:
            receive_stock(item, stock, by=keeper.user, donor=donor, note="演示数据")
    records = list(
        ServiceRecord.objects.filter(
            event__unit__path__startswith=center.path, status=RecordStatus.APPROVED
        ).values_list("pk", flat=True)
    )
    # Settling is idempotent: records already credited are left as they are.
    transaction.on_commit(lambda: settle(records))
    return {"items": len(ITEMS), "records": len(records)}
