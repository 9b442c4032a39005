"""Service-order statistics (``orders.statistics``) of a unit and period, laid out as tables and files.

Orders belong to the resident's station, as on the dashboard: a unit's report holds
the orders of residents in its subtree, whoever handled or served them. The period
is the day ordered, Asia/Shanghai. The workbook has a sheet per table; the CSV holds
the same figures in one long table (table, entry, figure, value), so that one header
serves every table and the file still sorts and filters in a spreadsheet.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _

from orders.models import Order
from orders.statistics import order_statistics
from reports.dashboard.indicators import local_midnight
from reports.files import csv_download, workbook_response
from stations.models import PracticeUnit
from stations.scoping import scoped, under

Sheet = tuple[str, list[str], list[Sequence]]


@dataclass
class OrderReport:
    root: PracticeUnit | None
    date_from: datetime.date
    date_to: datetime.date
    figures: dict

    @property
    def scope_name(self) -> str:
        return self.root.name if self.root else _("All units")


def orders_in_reach(user, root: PracticeUnit | None) -> QuerySet[Order]:
    """Orders of residents in ``root``'s subtree, or in every subtree the user manages (admins: all)."""
    if root is not None:
        return Order.objects.filter(under(root, "station__path"))
    return scoped(Order.objects.all(), user, "station__path")


def order_report(user, root: PracticeUnit | None, date_from: datetime.date, date_to: datetime.date) -> OrderReport:
    """The order statistics of ``root`` (None: the user's whole reach) for orders placed from ``date_from``
    to ``date_to`` inclusive."""
    orders = orders_in_reach(user, root).filter(
        created_at__gte=local_midnight(date_from),
        created_at__lt=local_midnight(date_to + datetime.timedelta(days=1)),
    )
    return OrderReport(root, date_from, date_to, order_statistics(orders))


def percent(rate: float | None) -> Decimal | None:
    if rate is None:
        return None
    return (Decimal(str(rate)) * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)


def blank(value: object) -> object:
    return "" if value is None else value


def sheets(report: OrderReport) -> list[Sheet]:
    figures = report.figures
    acceptance, completion = figures["to_acceptance"], figures["to_completion"]
    summary = [
        (_("Unit"), report.scope_name),
        (_("Ordered on or after"), report.date_from.isoformat()),
        (_("Ordered on or before"), report.date_to.isoformat()),
        (_("Orders"), figures["total"]),
        (_("Completion rate (%)"), percent(figures["completion_rate"])),
        (_("Decline rate (%)"), percent(figures["decline_rate"])),
        (_("Orders accepted"), acceptance["count"]),
        (_("Median hours from order to acceptance"), acceptance["median_hours"]),
        (_("90th percentile hours from order to acceptance"), acceptance["p90_hours"]),
        (_("Orders completed"), completion["count"]),
        (_("Median hours from order to completion"), completion["median_hours"]),
        (_("90th percentile hours from order to completion"), completion["p90_hours"]),
    ]
    out: list[Sheet] = [
        (_("Overview"), [_("Figure"), _("Value")], [(name, blank(value)) for name, value in summary]),
        (_("By state"), [_("State"), _("Orders")], [(str(row["label"]), row["orders"]) for row in figures["by_state"]]),
        (
            _("By service item"),
            [_("Service item"), _("Orders"), _("Completed")],
            [(row["name"], row["orders"], row["completed"]) for row in figures["by_item"]],
        ),
    ]
    groups = {"team": _("Team"), "station": _("Station"), "item": _("Service item"), "month": _("Month completed")}
    satisfaction_header = [
        _("Completed"),
        _("Rated"),
        _("Closed unrated"),
        _("Response"),
        _("Attitude"),
        _("Result"),
        _("Mean stars"),
        _("Satisfied (%)"),
    ]
    for group, label in groups.items():
        rows: list[Sequence] = [
            (
                row["name"],
                row["completed"],
                row["rated"],
                row["unrated"],
                blank(row["response"]),
                blank(row["attitude"]),
                blank(row["result"]),
                blank(row["average"]),
                blank(percent(row["satisfied_rate"])),
            )
            for row in figures["satisfaction"][group]
        ]
        out.append((_("Satisfaction by %(group)s") % {"group": label}, [label, *satisfaction_header], rows))
    return out


def long_rows(tables: Iterable[Sheet]) -> Iterable[list]:
    """Each cell of each table as (table, entry, figure, value)."""
    for name, header, rows in tables:
        for row in rows:
            for figure, value in zip(header[1:], row[1:], strict=True):
                yield [name, row[0], figure, value]


def file_name(report: OrderReport, extension: str) -> str:
    name = "_".join(
        [_("Service order statistics"), report.scope_name, report.date_from.isoformat(), report.date_to.isoformat()]
    )
    return f"{name.replace('/', '-').replace(chr(92), '-')}.{extension}"


def report_file(report: OrderReport, file_format: str) -> StreamingHttpResponse:
    tables = sheets(report)
    if file_format == "xlsx":
        return workbook_response(tables, file_name(report, "xlsx"))
    header = [_("Table"), _("Entry"), _("Figure"), _("Value")]
    return csv_download(header, long_rows(tables), file_name(report, "csv"))
