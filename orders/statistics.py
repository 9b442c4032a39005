"""Figures of service orders: how many, how fast, how well served (for reports and the dashboard).

Times are from ordering to acceptance and to completion, in hours, as median and
90th percentile (nearest rank). Satisfaction is over rated orders only; orders
closed without a rating are counted apart as unrated, never as satisfied.
"""

from __future__ import annotations

import datetime
import math
import statistics as stats

from django.db.models import Avg, Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth

from orders.models import Order, OrderChange, OrderState

DONE = (OrderState.COMPLETED, OrderState.RATED, OrderState.CLOSED)
# A rated order is satisfied when its three scores average 4 stars or more.
SATISFIED_TOTAL = 12
GROUPS = {
    "team": ("team_id", "team__name"),
    "station": ("station_id", "station__name"),
    "item": ("item_id", "item__name"),
    "month": ("month", "month"),
}


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (``share`` 0-1) of ``values``; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _hours(pairs) -> list[float]:
    return [(end - start).total_seconds() / 3600 for start, end in pairs if start and end and end >= start]


def _timing(values: list[float]) -> dict:
    p90 = percentile(values, 0.9)
    return {
        "count": len(values),
        "median_hours": round(stats.median(values), 2) if values else None,
        "p90_hours": round(p90, 2) if p90 is not None else None,
    }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def satisfaction(orders: QuerySet[Order], group: str) -> list[dict]:
    """Rated and unrated counts, average stars and the satisfied share per team, station, item or month."""
    key, label = GROUPS[group]
    rows = (
        orders.filter(state__in=DONE)
        .annotate(month=TruncMonth("completed_at"))
        .annotate(total=F("rating__response") + F("rating__attitude") + F("rating__result"))
        .values(key, label)
        .annotate(
            completed=Count("pk"),
            rated=Count("rating"),
            unrated=Count("pk", filter=Q(state=OrderState.CLOSED, rating__isnull=True)),
            response=Avg("rating__response"),
            attitude=Avg("rating__attitude"),
            result=Avg("rating__result"),
            satisfied=Count("pk", filter=Q(total__gte=SATISFIED_TOTAL)),
        )
        .order_by(label)
    )
    out = []
    for row in rows:
        name = row[label]
        if isinstance(name, datetime.date):
            name = f"{name:%Y-%m}"
        averages = [row[field] for field in ("response", "attitude", "result")]
        out.append(
            {
                "key": row[key] if group != "month" else name,
                "name": name or "",
                "completed": row["completed"],
                "rated": row["rated"],
                "unrated": row["unrated"],
                "response": round(row["response"], 2) if row["response"] is not None else None,
                "attitude": round(row["attitude"], 2) if row["attitude"] is not None else None,
                "result": round(row["result"], 2) if row["result"] is not None else None,
                "average": round(sum(averages) / 3, 2) if None not in averages else None,
                "satisfied_rate": _rate(row["satisfied"], row["rated"]),
            }
        )
    return out


def order_statistics(orders: QuerySet[Order]) -> dict:
    """Every figure of the ``orders`` given (already scoped and filtered by the caller)."""
    orders = orders.order_by()
    by_state = dict(orders.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    by_item = [
        {"item": row["item_id"], "name": row["item__name"], "orders": row["n"], "completed": row["done"]}
        for row in orders.values("item_id", "item__name")
        .annotate(n=Count("pk"), done=Count("pk", filter=Q(state__in=DONE)))
        .order_by("-n", "item__name")
    ]
    total = sum(by_state.values())
    cancelled = by_state.get(OrderState.CANCELLED, 0)
    completed = sum(by_state.get(state, 0) for state in DONE)
    changes = OrderChange.objects.filter(order__in=orders.values("pk"))
    dispatched = changes.filter(action__in=("dispatch", "redispatch")).count()
    declined = changes.filter(action="decline").count()
    return {
        "total": total,
        "by_state": [{"state": state, "label": state.label, "orders": by_state.get(state, 0)} for state in OrderState],
        "by_item": by_item,
        "to_acceptance": _timing(_hours(orders.values_list("created_at", "accepted_at"))),
        "to_completion": _timing(_hours(orders.values_list("created_at", "completed_at"))),
        # Of the orders not withdrawn by their residents, the share served to the end.
        "completion_rate": _rate(completed, total - cancelled),
        # Of the dispatches to a team, the share the team declined.
        "decline_rate": _rate(declined, dispatched),
        "satisfaction": {group: satisfaction(orders, group) for group in GROUPS},
    }
