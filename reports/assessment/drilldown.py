"""The records behind each self-assessment figure: querysets (or unit rows) and their table cells.

Personal data is masked as elsewhere in the reports: volunteers by ``mask_name``, residents by
``masked_resident``; no ID or phone number is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import is_documented
from orders.models import masked_resident
from reports.assessment.indicators import SPEC_BY_KEY, Assessment, length_hours
from reports.rollups import reading
from stations.models import Level, PracticeUnit
from volunteers.names import mask_name


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: object  # a queryset or a list
    cells: object  # item -> list of cells


def local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def child_units(a: Assessment) -> list[PracticeUnit]:
    if a.unit.level == Level.STATION:
        return [a.unit]
    level = Level.INSTITUTE if a.unit.level == Level.CENTER else Level.STATION
    return list(PracticeUnit.objects.filter(parent=a.unit, level=level).order_by("path"))


def unit_rows(a: Assessment) -> list[dict]:
    """Per child unit: registered volunteers, active volunteers and hours in the period (from the rollups),
    in two grouped statements whatever the number of units: the year's hours up to the period's last
    month, less those up to the month before it began (the period never spans two years)."""
    units = child_units(a)
    if not units:
        return []
    level = units[0].level
    since = a.active_since()
    last = {
        row.path: row for row in reading.month_figures_by_unit(a.reach, level, a.period.last_month, active_since=since)
    }
    before: dict[str, Decimal] = {}
    if a.period.start.month > 1:
        previous = a.period.start.replace(month=a.period.start.month - 1)
        before = {
            row.path: Decimal(str(row.year_hours or 0))
            for row in reading.month_figures_by_unit(a.reach, level, previous, active_since=since)
        }
    rows = []
    for unit in units:
        found = last.get(unit.path)
        hours = (Decimal(str(found.year_hours or 0)) if found else Decimal(0)) - before.get(unit.path, Decimal(0))
        rows.append(
            {
                "unit": unit,
                "registered": found.registered if found else 0,
                "active": found.active if found else 0,
                "hours": hours.quantize(Decimal("0.01")),
                "population": unit.population,
            }
        )
    return rows


def station_rows(a: Assessment) -> list[dict]:
    months = a.station_months()
    wanted = len(a.period.months)
    return [
        {
            "unit": station,
            "months": months.get(station.pk, 0),
            "every": wanted > 0 and months.get(station.pk, 0) >= wanted,
        }
        for station in a.stations()
    ]


def yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def table(a: Assessment, key: str) -> Table:
    """The drill-down of one figure: the records (or units) it counts, with their cells."""
    kind = SPEC_BY_KEY[key].drilldown
    if kind == "stations":
        return Table(
            [_("Station"), _("Months with events"), _("Every month")],
            station_rows(a),
            lambda row: [row["unit"].name, row["months"], yes_no(row["every"])],
        )
    if kind == "events":
        events = a.events_held().select_related("unit").annotate(documented=Q(is_documented()))
        return Table(
            [_("Event"), _("Unit"), _("Starts at"), _("Documented")],
            events,
            lambda event: [event.title, event.unit.name, local(event.starts_at), yes_no(event.documented)],
        )
    if kind == "units":
        return Table(
            [_("Unit"), _("Resident population"), _("Registered volunteers"), _("Active volunteers"), _("Hours")],
            unit_rows(a),
            lambda row: [
                row["unit"].name,
                "" if row["population"] is None else row["population"],
                row["registered"],
                row["active"],
                row["hours"],
            ],
        )
    if kind == "party":
        return Table(
            [_("Volunteer"), _("Home station"), _("Registered at")],
            a.party_volunteers().select_related("home_station"),
            lambda volunteer: [
                mask_name(volunteer.real_name),
                volunteer.home_station.name,
                local(volunteer.created_at),
            ],
        )
    if kind == "records":
        return Table(
            [_("Event"), _("Volunteer"), _("Activity ended"), _("Status")],
            a.overdue_records().select_related("event", "volunteer"),
            lambda record: [
                record.event.title,
                mask_name(record.volunteer.real_name),
                local(record.event.ends_at),
                record.get_status_display(),
            ],
        )
    if kind.startswith("orders-"):
        orders = {
            "orders-received": a.orders_received,
            "orders-settled": a.orders_settled,
            "orders-overdue": a.orders_overdue,
        }[kind]()
        return Table(
            [_("Service item"), _("Resident"), _("Station"), _("Ordered at"), _("State"), _("Due on")],
            orders.select_related("item", "station"),
            lambda order: [
                order.item.name,
                masked_resident(order.contact_name, order.honorific),
                order.station.name,
                local(order.created_at),
                order.get_state_display(),
                order.due_on or "",
            ],
        )
    if kind == "ratings":
        return Table(
            [_("Service item"), _("Station"), _("Rated at"), _("Response"), _("Attitude"), _("Result")],
            a.ratings().select_related("order__item", "order__station"),
            lambda rating: [
                rating.order.item.name,
                rating.order.station.name,
                local(rating.rated_at),
                rating.response,
                rating.attitude,
                rating.result,
            ],
        )
    if kind == "venues":
        used = set(a.venues_used().values_list("pk", flat=True))
        return Table(
            [_("Venue"), _("Unit"), _("Used in the period")],
            a.venues().select_related("unit"),
            lambda venue: [venue.name, venue.unit.name, yes_no(venue.pk in used)],
        )
    if kind == "bookings":
        return Table(
            [_("Venue"), _("Purpose"), _("Starts at"), _("Ends at"), _("Hours")],
            a.bookings_approved().select_related("venue"),
            lambda booking: [
                booking.venue.name,
                booking.purpose,
                local(booking.starts_at),
                local(booking.ends_at),
                length_hours(booking.starts_at, booking.ends_at),
            ],
        )
    if kind == "projects":
        held = a.events_held().order_by().values("pk")
        projects = (
            a.projects_running().select_related("lead_unit").annotate(held=Count("events", filter=Q(events__in=held)))
        )
        return Table(
            [_("Brand project"), _("Lead unit"), _("Starts on"), _("Events held in the period")],
            projects,
            lambda project: [project.name, project.lead_unit.name, project.starts_on, project.held],
        )
    if kind == "trainings":
        return Table(
            [_("Training"), _("Recording unit"), _("Training date"), _("Hours")],
            a.trainings().select_related("unit"),
            lambda training: [training.name, training.unit.name, training.held_on, training.hours],
        )
    raise KeyError(key)
