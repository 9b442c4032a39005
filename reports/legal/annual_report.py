"""The annual report on recording and certificates a unit makes (志愿服务记录与证明出具办法 art. 18).

Per month of the year, for the unit's subtree: volunteers registered, approved
service records (with hours) and the volunteers who served, trainings and their
attendances, awards, and certificates issued. Records count by their event's start;
everything by the Asia/Shanghai calendar.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractMonth
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.models import Certificate
from events.models import ServiceRecord
from reports.files import workbook_response
from stations.models import PracticeUnit
from volunteers.models import Award, Training, Volunteer


@dataclass
class Month:
    month: int
    volunteers_registered: int = 0
    records: int = 0
    volunteers_served: int = 0
    hours: Decimal = Decimal("0.00")
    trainings: int = 0
    training_attendances: int = 0
    awards: int = 0
    certificates: int = 0


@dataclass
class AnnualReport:
    unit: PracticeUnit
    year: int
    months: list[Month] = field(default_factory=list)
    volunteers_at_year_end: int = 0
    volunteers_served_in_year: int = 0


def _bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_default_timezone()
    return (
        datetime.datetime(year, 1, 1, tzinfo=tz),
        datetime.datetime(year + 1, 1, 1, tzinfo=tz),
    )


def _by_month(queryset, moment: str, **aggregates) -> dict[int, dict]:
    tz = timezone.get_default_timezone()
    rows = queryset.annotate(m=ExtractMonth(moment, tzinfo=tz)).values("m").annotate(**aggregates).order_by("m")
    return {row["m"]: row for row in rows}


def annual_report(unit: PracticeUnit, year: int) -> AnnualReport:
    """The unit's report for ``year``, in a handful of grouped queries."""
    start, end = _bounds(year)
    units = PracticeUnit.objects.subtree_of(unit)
    volunteers = _by_month(
        Volunteer.objects.filter(home_station__in=units, created_at__gte=start, created_at__lt=end),
        "created_at",
        n=Count("id"),
    )
    records_in_year = ServiceRecord.objects.approved().filter(
        event__unit__in=units, event__starts_at__gte=start, event__starts_at__lt=end
    )
    records = _by_month(
        records_in_year,
        "event__starts_at",
        n=Count("id", filter=Q(credited_hours__gt=0)),
        people=Count("volunteer", distinct=True, filter=Q(credited_hours__gt=0)),
        hours=Sum("credited_hours"),
    )
    trainings = Training.objects.filter(unit__in=units, held_on__gte=start.date(), held_on__lt=end.date())
    training_months = {
        row["held_on__month"]: row for row in trainings.values("held_on__month").annotate(n=Count("id")).order_by()
    }
    attendances = {
        row["held_on__month"]: row["n"]
        for row in trainings.values("held_on__month").annotate(n=Count("attendees")).order_by()
    }
    awards = {
        row["awarded_on__month"]: row["n"]
        for row in Award.objects.filter(volunteer__home_station__in=units, awarded_on__year=year)
        .values("awarded_on__month")
        .annotate(n=Count("id"))
        .order_by()
    }
    certificates = _by_month(
        Certificate.objects.filter(unit__in=units, issued_at__gte=start, issued_at__lt=end),
        "issued_at",
        n=Count("id"),
    )
    report = AnnualReport(unit=unit, year=year)
    for number in range(1, 13):
        record = records.get(number, {})
        report.months.append(
            Month(
                month=number,
                volunteers_registered=volunteers.get(number, {}).get("n", 0),
                records=record.get("n", 0),
                volunteers_served=record.get("people", 0),
                # SQLite sums decimals as floats: back to two places.
                hours=Decimal(record.get("hours") or 0).quantize(Decimal("0.01")),
                trainings=training_months.get(number, {}).get("n", 0),
                training_attendances=attendances.get(number, 0),
                awards=awards.get(number, 0),
                certificates=certificates.get(number, {}).get("n", 0),
            )
        )
    report.volunteers_at_year_end = Volunteer.objects.filter(home_station__in=units, created_at__lt=end).count()
    report.volunteers_served_in_year = (
        records_in_year.filter(credited_hours__gt=0).values("volunteer").distinct().count()
    )
    return report


def header() -> list[str]:
    return [
        _("Month"),
        _("Volunteers registered"),
        _("Service records"),
        _("Volunteers who served"),
        _("Service hours"),
        _("Trainings held"),
        _("Training attendances"),
        _("Awards given"),
        _("Certificates issued"),
    ]


def rows(report: AnnualReport) -> list[list]:
    """One row a month and a total row (volunteers who served counted once over the year)."""
    lines: list[list] = [
        [
            f"{report.year}-{month.month:02d}",
            month.volunteers_registered,
            month.records,
            month.volunteers_served,
            month.hours,
            month.trainings,
            month.training_attendances,
            month.awards,
            month.certificates,
        ]
        for month in report.months
    ]
    total: list = [_("Year total")]
    for index in range(1, 9):
        total.append(sum(line[index] for line in lines))
    total[3] = report.volunteers_served_in_year
    lines.append(total)
    lines.append([_("Volunteers registered at year end"), report.volunteers_at_year_end])
    return lines


def download(unit: PracticeUnit, year: int) -> FileResponse:
    """The report as a workbook named in Chinese, e.g. 2026年度志愿服务记录与证明情况报告_城关街道.xlsx."""
    title = _("Annual report %(year)d") % {"year": year}
    filename = f"{title}_{unit.name}.xlsx".replace("/", "-").replace("\\", "-")
    report = annual_report(unit, year)
    return workbook_response([(title, header(), rows(report))], filename, ascii_name=f"annual-report-{year}.xlsx")
