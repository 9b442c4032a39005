"""Volunteers and service records in the layout of the national system's bulk import.

The national volunteer service information system (全国志愿服务信息系统,
chinavolunteer.mca.gov.cn) lets an organisation import volunteers and service
hours from Excel templates it offers for download after login. What its public
help pages and the 志愿服务记录与证明出具办法 (art. 6-7: name, document type and
number, service content, place, start and end, hours, recording unit) show is
followed here; the exact column order is an assumption, listed in docs/features.md.
Closed accounts are left out: their ID numbers are kept masked only.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from events.models import ServiceCategory, ServiceRecord
from reports.files import workbook_response
from stations.models import PracticeUnit
from volunteers.models import Gender, PoliticalStatus, Volunteer


def _local(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def volunteer_header() -> list[str]:
    return [
        _("Name"),
        _("ID type"),
        _("ID document number"),
        _("Gender"),
        _("Birth date"),
        _("Mobile number"),
        _("Political status"),
        _("National volunteer number"),
        _("Platform volunteer number"),
        _("Station"),
        _("Registered on"),
    ]


def volunteer_rows(unit: PracticeUnit) -> Iterator[list]:
    """Open accounts of volunteers registered in the unit's subtree, with full numbers (admins only)."""
    genders, statuses = dict(Gender.choices), dict(PoliticalStatus.choices)
    volunteers = (
        Volunteer.objects.filter(home_station__in=PracticeUnit.objects.subtree_of(unit), closed_at__isnull=True)
        .select_related("user", "home_station")
        .order_by("id")
    )
    for volunteer in volunteers.iterator(chunk_size=2000):
        yield [
            volunteer.real_name,
            str(volunteer.get_id_type_display()),
            volunteer.id_number,
            str(genders.get(volunteer.gender, "")),
            volunteer.birth_date.isoformat(),
            volunteer.user.phone,
            str(statuses.get(volunteer.political_status, "")),
            volunteer.national_number,
            volunteer.number or "",
            volunteer.home_station.name,
            timezone.localtime(volunteer.created_at).date().isoformat(),
        ]


def record_header() -> list[str]:
    return [
        _("Name"),
        _("ID type"),
        _("ID document number"),
        _("National volunteer number"),
        _("Activity name"),
        _("Service category"),
        _("Service place"),
        _("Start time"),
        _("End time"),
        _("Service hours"),
        _("Recording unit"),
        _("Approved at"),
    ]


def record_rows(unit: PracticeUnit, date_from: datetime.date | None, date_to: datetime.date | None) -> Iterator[list]:
    """Approved records with hours of events in the unit's subtree, by the event's start date."""
    categories = dict(ServiceCategory.choices)
    records = (
        ServiceRecord.objects.approved()
        .filter(
            event__unit__in=PracticeUnit.objects.subtree_of(unit),
            credited_hours__gt=0,
            volunteer__closed_at__isnull=True,
        )
        .select_related("event__unit", "volunteer")
        .order_by("event__starts_at", "id")
    )
    tz = timezone.get_default_timezone()
    if date_from:
        records = records.filter(event__starts_at__gte=datetime.datetime.combine(date_from, datetime.time.min, tz))
    if date_to:
        end = datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min, tz)
        records = records.filter(event__starts_at__lt=end)
    for record in records.iterator(chunk_size=2000):
        volunteer, event = record.volunteer, record.event
        yield [
            volunteer.real_name,
            str(volunteer.get_id_type_display()),
            volunteer.id_number,
            volunteer.national_number,
            event.title,
            str(categories.get(event.category, event.category)),
            event.address,
            _local(record.checked_in_at),
            _local(record.checked_out_at),
            record.credited_hours,
            event.unit.name,
            _local(record.reviewed_at),
        ]


class ExportKind:
    VOLUNTEERS = "volunteers"
    RECORDS = "records"
    CHOICES = [(VOLUNTEERS, gettext_lazy("Volunteers")), (RECORDS, gettext_lazy("Service records"))]


def download(
    unit: PracticeUnit, kind: str, date_from: datetime.date | None = None, date_to: datetime.date | None = None
) -> FileResponse:
    """The import workbook named in Chinese, e.g. 全国志愿服务信息系统导入_志愿者_城关街道.xlsx."""
    if kind == ExportKind.VOLUNTEERS:
        sheet = (_("Volunteers"), volunteer_header(), volunteer_rows(unit))
    else:
        sheet = (_("Service records"), record_header(), record_rows(unit, date_from, date_to))
    # Not inside the f-string: xgettext does not look into f-strings, the name stayed English.
    prefix = _("National system import")
    filename = f"{prefix}_{sheet[0]}_{unit.name}.xlsx".replace("/", "-").replace("\\", "-")
    return workbook_response([sheet], filename, ascii_name=f"national-system-import-{kind}.xlsx")
