"""A ledger as files: PDF (WeasyPrint, A4, the certificates' fonts), XLSX (XlsxWriter) and a ZIP
of a unit's ledger with one per unit below it.

Ledgers are documents in Chinese, whatever language the person who asks for them
reads, like certificates. The PDF is rendered with the process-wide font
configuration of ``jobs.pdfs``; photos are linked as files, which WeasyPrint reads directly.
"""

from __future__ import annotations

import datetime
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import xlsxwriter
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from weasyprint.document import Document

from jobs import pdfs
from reports.files import safe_cell
from reports.ledgers.contents import POINTS_RULE, SIGN_IN_RULE, Ledger, Period, build_ledger
from stations.models import PracticeUnit

DOCUMENT = "reports/ledger/document.html"
FRONT = ["reports/ledger/cover.html", "reports/ledger/contents.html"]
EVERYTHING = [
    *FRONT,
    "reports/ledger/profile.html",
    "reports/ledger/activity_list.html",
    "reports/ledger/activities.html",
    "reports/ledger/hours.html",
    "reports/ledger/certificates.html",
    "reports/ledger/shop.html",
    "reports/ledger/venues.html",
    "reports/ledger/projects.html",
]
# The chapters after the activities, laid out as the last part.
CLOSING = [
    "reports/ledger/hours.html",
    "reports/ledger/certificates.html",
    "reports/ledger/shop.html",
    "reports/ledger/venues.html",
    "reports/ledger/projects.html",
]
# Activities laid out per document: WeasyPrint holds every page of a document until it is
# written (about 2 MB a page), so a year's ledger in one piece took 700 MB.
ACTIVITIES_PER_PART = 15
Progress = Callable[[int], None]


def _ignore(percent: int) -> None:
    return None


@dataclass(frozen=True)
class Entry:
    """A line of the contents: where a chapter or activity starts."""

    anchor: str
    title: str
    level: int
    page: int | str = ""


def file_stem(unit: PracticeUnit, period: Period) -> str:
    """E.g. 台账-东门社区-2026-03; no path separators from a unit's name."""
    with translation.override(settings.LANGUAGE_CODE):
        name = f"{_('Ledger')}-{unit.name}-{period.slug}"
    return name.replace("/", "-").replace("\\", "-")


def contents(ledger: Ledger) -> list[Entry]:
    return [
        Entry("profile", _("Profile of the unit"), 1),
        Entry("activities", _("Activities"), 1),
        *(Entry(a.anchor, f"{a.number}. {a.event.title}", 2) for a in ledger.activities),
        Entry("hours", _("Hours statistics"), 1),
        Entry("certificates", _("Certificates issued in the period"), 1),
        Entry("shop", _("Points and the shop register"), 1),
        Entry("venues", _("Venue use"), 1),
        Entry("projects", _("Brand projects"), 1),
    ]


def _context(ledger: Ledger) -> dict:
    before, _number, after = _("Page %(number)s").partition("%(number)s")
    return {
        "ledger": ledger,
        "title": f"{_('Ledger')} · {ledger.unit.name} · {ledger.period.label}",
        "sign_in_rule": SIGN_IN_RULE,
        "points_rule": POINTS_RULE,
        "page_before": before,
        "page_after": after,
        "activities": ledger.activities,
        "contents": contents(ledger),
        "linked": True,
    }


def ledger_html(ledger: Ledger) -> str:
    """The whole ledger as one HTML document (contents numbered by WeasyPrint's target counters)."""
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(DOCUMENT, {**_context(ledger), "parts": EVERYTHING})


def _layout(context: dict, **part) -> Document:
    html = render_to_string(DOCUMENT, {**context, **part, "linked": False})
    return pdfs.layout(html)


def write_pdf(ledger: Ledger, target: Path, progress: Progress = _ignore) -> None:
    """The ledger as one PDF, laid out in parts so that memory holds one part's pages at a time.

    Every chapter and activity starts a page, so the parts break where the whole
    document would. Each part's page numbers continue the previous part's; the cover
    and contents are laid out last, once the page of every chapter and activity is
    known, and the parts are joined (with their bookmarks) into ``target``.
    """
    with translation.override(settings.LANGUAGE_CODE), tempfile.TemporaryDirectory(prefix="ledger-pdf-") as name:
        folder, context = Path(name), _context(ledger)
        entries = context["contents"]
        # The contents' length does not depend on the numbers in it: laid out once to count its pages.
        placeholders = [replace(entry, page="000") for entry in entries]
        front_pages = len(_layout(context, parts=FRONT, contents=placeholders).pages)
        parts: list[dict] = [{"parts": ["reports/ledger/profile.html", "reports/ledger/activity_list.html"]}]
        activities = ledger.activities
        parts += [
            {"parts": ["reports/ledger/activities.html"], "activities": activities[start : start + ACTIVITIES_PER_PART]}
            for start in range(0, len(activities), ACTIVITIES_PER_PART)
        ]
        parts.append({"parts": CLOSING})
        starts: dict[str, int] = {}
        files, next_page = [], front_pages + 1
        for index, part in enumerate(parts):
            document = _layout(context, **part, first_page=next_page)
            for number, page in enumerate(document.pages, start=next_page):
                for anchor in page.anchors:
                    starts.setdefault(anchor, number)
            next_page += len(document.pages)
            files.append(folder / f"part-{index:04d}.pdf")
            document.write_pdf(files[-1])
            del document
            progress(20 + 75 * (index + 1) // len(parts))
        numbered = [replace(entry, page=starts.get(entry.anchor, "")) for entry in entries]
        front = folder / "front.pdf"
        _layout(context, parts=FRONT, contents=numbered).write_pdf(front)
        with target.open("wb") as output:
            pdfs.merge_pdfs([str(front), *(str(path) for path in files)], output)


def _time(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


class _Sheet:
    """Rows written one after another (XlsxWriter's constant-memory mode writes each row once)."""

    def __init__(self, book: xlsxwriter.Workbook, name: str, widths: Sequence[int], bold) -> None:
        self.sheet = book.add_worksheet(name[:31])
        self.bold, self.row = bold, 0
        for column, width in enumerate(widths):
            self.sheet.set_column(column, column, width)

    def write(self, values: Iterable, *, header: bool = False) -> None:
        cells = [safe_cell(value) for value in values]
        self.sheet.write_row(self.row, 0, cells, self.bold if header else None)
        self.row += 1

    def gap(self) -> None:
        self.row += 1


def write_xlsx(ledger: Ledger, target: Path) -> None:
    """Sheets: profile, activities, sign-in sheets, hours, certificates, points and the shop register,
    venue use and brand projects."""
    with translation.override(settings.LANGUAGE_CODE):
        book = xlsxwriter.Workbook(
            str(target), {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
        )
        bold = book.add_format({"bold": True})
        _profile_sheet(_Sheet(book, _("Overview"), [18, 24, 22, 14, 12, 14, 10, 12], bold), ledger)
        _activities_sheet(_Sheet(book, _("Activities"), [6, 18, 30, 16, 24, 16, 12, 10, 10, 10, 12, 50], bold), ledger)
        _signin_sheet(_Sheet(book, _("Sign-in sheets"), [6, 30, 18, 8, 12, 22, 18, 18, 12, 12], bold), ledger)
        _hours_sheet(_Sheet(book, _("Hours statistics"), [18, 22, 14, 14], bold), ledger)
        _certificates_sheet(_Sheet(book, _("Certificates"), [20, 12, 22, 36, 10, 10, 12, 10], bold), ledger)
        _shop_sheet(_Sheet(book, _("Points and shop"), [18, 18, 14, 10, 10, 10, 18, 10, 14, 24], bold), ledger)
        _venues_sheet(_Sheet(book, _("Venue use"), [6, 12, 13, 20, 24, 10, 10, 12, 16, 16, 24], bold), ledger)
        _projects_sheet(_Sheet(book, _("Brand projects"), [6, 24, 18, 26, 24, 10, 12, 12, 12, 10], bold), ledger)
        book.close()


def _profile_sheet(sheet: _Sheet, ledger: Ledger) -> None:
    unit, period = ledger.unit, ledger.period
    for label, value in [
        (_("Unit"), unit.name),
        (_("Level"), ledger.level_label),
        (_("Parent unit"), unit.parent.name if unit.parent else ""),
        (_("Period"), f"{period.label}（{period.first_day:%Y-%m-%d} — {period.last_day:%Y-%m-%d}）"),
        (_("Person in charge"), unit.person_in_charge),
        (_("Made by"), ledger.made_by),
        (_("Date made"), ledger.made_on.isoformat()),
        (_("Address"), unit.address),
        (_("Contact person"), unit.contact_name),
        (_("Contact phone"), unit.contact_phone),
        (_("Registered volunteers"), ledger.registered),
        (_("Active volunteers"), ledger.active),
        (_("Newly registered"), ledger.newly_registered),
        (_("Activities held"), len(ledger.activities)),
    ]:
        sheet.write([label, value])
    sheet.gap()
    sheet.write([_("Managers")], header=True)
    sheet.write([_("No."), _("Name"), _("Mobile number")], header=True)
    for number, manager in enumerate(ledger.managers, start=1):
        sheet.write([number, manager.name, manager.masked_phone])
    sheet.gap()
    sheet.write([_("Volunteer teams")], header=True)
    sheet.write([_("No."), _("Team"), _("Leader"), _("Members")], header=True)
    for number, team in enumerate(ledger.teams, start=1):
        sheet.write([number, team.name, team.leader.real_name if team.leader else "", team.member_count])
    sheet.gap()
    if ledger.is_station:
        sheet.write([_("Volunteer roster")], header=True)
        sheet.write(
            [
                _("No."),
                _("Volunteer number"),
                _("Name"),
                _("ID number"),
                _("Gender"),
                _("Registered on"),
                _("Status"),
                _("Hours here"),
            ],
            header=True,
        )
        for number, row in enumerate(ledger.roster, start=1):
            sheet.write(
                [
                    *(number, row.number, row.name, row.masked_id, row.gender),
                    *(row.registered_on.isoformat(), row.status, row.hours),
                ]
            )
    else:
        sheet.write([_("Stations below")], header=True)
        sheet.write(
            [
                _("No."),
                _("Institute"),
                _("Station"),
                _("Registered volunteers"),
                _("Active volunteers"),
                _("Activities held"),
                _("Approved hours"),
            ],
            header=True,
        )
        for number, station in enumerate(ledger.stations, start=1):
            sheet.write(
                [
                    number,
                    station.institute,
                    station.name,
                    station.registered,
                    station.active,
                    station.activities,
                    station.hours,
                ]
            )


def _activities_sheet(sheet: _Sheet, ledger: Ledger) -> None:
    sheet.write(
        [
            _("No."),
            _("Time"),
            _("Theme"),
            _("Category"),
            _("Place"),
            _("Organiser"),
            _("Activity lead"),
            _("Signed in"),
            _("Approved hours"),
            _("People served"),
            _("Photos"),
            _("Summary"),
        ],
        header=True,
    )
    for activity in ledger.activities:
        event = activity.event
        sheet.write(
            [
                activity.number,
                f"{_time(event.starts_at)} — {_time(event.ends_at)}",
                event.title,
                activity.category_label,
                event.address,
                event.unit.name,
                event.lead_name,
                len(activity.sign_ins),
                activity.approved_hours,
                activity.people_served,
                len(activity.photos),
                activity.summary,
            ]
        )


def _signin_sheet(sheet: _Sheet, ledger: Ledger) -> None:
    sheet.write([str(SIGN_IN_RULE)])
    sheet.write(
        [
            _("No."),
            _("Activity"),
            _("Time"),
            _("No. on the sheet"),
            _("Name"),
            _("ID number"),
            _("Check-in time"),
            _("Check-out time"),
            _("Status"),
            _("Credited hours"),
        ],
        header=True,
    )
    for activity in ledger.activities:
        for number, row in enumerate(activity.sign_ins, start=1):
            sheet.write(
                [
                    activity.number,
                    activity.event.title,
                    _time(activity.event.starts_at),
                    number,
                    row.name,
                    row.masked_id,
                    _time(row.checked_in_at),
                    _time(row.checked_out_at),
                    row.status_label,
                    row.hours,
                ]
            )


def _hours_sheet(sheet: _Sheet, ledger: Ledger) -> None:
    hours = ledger.hours
    sheet.write([_("Approved hours at this ledger's activities, from their sign-in sheets.")])
    sheet.write([_("Approved hours"), hours.total])
    sheet.write([_("Approved records"), hours.services])
    sheet.write([_("Volunteers who served"), hours.volunteers])
    for title, key, rows in [
        (_("By month"), _("Month"), hours.by_month),
        (_("By service category"), _("Category"), hours.by_category),
    ]:
        sheet.gap()
        sheet.write([title], header=True)
        sheet.write([key, _("Approved records"), _("Approved hours")], header=True)
        for row in rows:
            sheet.write([row.label, row.services, row.hours])
    sheet.gap()
    sheet.write([_("By volunteer")], header=True)
    sheet.write([_("Name"), _("ID number"), _("Approved records"), _("Approved hours")], header=True)
    for row in hours.by_volunteer:
        sheet.write([row.label, row.masked_id, row.services, row.hours])


def _certificates_sheet(sheet: _Sheet, ledger: Ledger) -> None:
    sheet.write(
        [
            _("Certificate number"),
            _("Name"),
            _("ID number"),
            _("Service time"),
            _("Hours"),
            _("Records"),
            _("Issued on"),
            _("Status"),
        ],
        header=True,
    )
    for row in ledger.certificates:
        sheet.write(
            [
                row.number,
                row.name,
                row.masked_id,
                row.service_time,
                row.hours,
                row.record_count,
                row.issued_on.isoformat(),
                _("Revoked") if row.revoked else _("Valid"),
            ]
        )


def _shop_sheet(sheet: _Sheet, ledger: Ledger) -> None:
    sheet.write([str(POINTS_RULE)])
    sheet.write([_("Month"), _("Points issued"), _("Points redeemed"), _("Points expired")], header=True)
    for month in [*ledger.points, ledger.points_total]:
        sheet.write([month.label, month.issued, month.redeemed, month.expired])
    sheet.gap()
    sheet.write([_("Shop register (爱心超市)")], header=True)
    sheet.write(
        [
            _("Item"),
            _("Received"),
            _("Redeemed"),
            _("Returned"),
            _("Stocktaking difference"),
            _("Stock at the end"),
        ],
        header=True,
    )
    for item in ledger.shop.items:
        sheet.write([item.item, item.received, item.redeemed, item.returned, item.counted, item.stock_at_end])
    sheet.gap()
    sheet.write(
        [
            _("No."),
            _("Time"),
            _("Item"),
            _("Kind"),
            _("Quantity"),
            _("Stock after"),
            _("Received by or donor"),
            _("Points"),
            _("Handled by"),
            _("Note"),
        ],
        header=True,
    )
    for number, row in enumerate(ledger.shop.rows, start=1):
        sheet.write(
            [
                *(number, _time(row.at), row.item, row.kind_label, row.quantity, row.stock_after),
                *(row.party, row.points, row.by, row.note),
            ]
        )


def _venues_sheet(sheet: _Sheet, ledger: Ledger) -> None:
    section = ledger.venues
    for label, value in [
        (_("Venues"), len(section.venues)),
        (_("Venues used"), section.used),
        (_("Bookings"), section.count),
        (_("Booked hours"), section.hours),
        (_("Attendees"), section.attendees),
        (_("Held by events"), section.events),
    ]:
        sheet.write([label, value])
    sheet.gap()
    sheet.write([_("By venue")], header=True)
    sheet.write(
        [_("No."), _("Venue"), _("Unit"), _("Kind"), _("Capacity"), _("Bookings"), _("Booked hours"), _("Attendees")],
        header=True,
    )
    for number, venue in enumerate(section.venues, start=1):
        sheet.write(
            [
                number,
                venue.name,
                venue.unit,
                venue.kind_label,
                venue.capacity,
                venue.count,
                venue.hours,
                venue.attendees,
            ]
        )
    sheet.gap()
    sheet.write(
        [
            _("No."),
            _("Date"),
            _("Time"),
            _("Venue"),
            _("Purpose"),
            _("Attendees"),
            _("Hours"),
            _("Booked by"),
            _("Mobile number"),
            _("For team"),
            _("Event held"),
        ],
        header=True,
    )
    for number, row in enumerate(section.bookings, start=1):
        start, end = timezone.localtime(row.starts_at), timezone.localtime(row.ends_at)
        sheet.write(
            [
                *(number, start.strftime("%Y-%m-%d"), f"{start:%H:%M}–{end:%H:%M}", row.venue, row.purpose),
                *(row.attendees, row.hours, row.booker, row.masked_phone, row.team, row.event),
            ]
        )


def _projects_sheet(sheet: _Sheet, ledger: Ledger) -> None:
    sheet.write(
        [
            _("No."),
            _("Project"),
            _("Lead unit"),
            _("Project period"),
            _("Teams"),
            _("Events"),
            _("Approved hours"),
            _("Volunteers"),
            _("People served"),
            _("Mean rating"),
        ],
        header=True,
    )
    for number, project in enumerate(ledger.projects, start=1):
        summary = project.summary
        sheet.write(
            [
                *(number, project.name, project.lead_unit, project.period_label, "、".join(project.teams)),
                *(summary.events_held, summary.service_hours, summary.volunteers_served, summary.people_served),
                summary.mean_rating,
            ]
        )
    sheet.gap()
    sheet.write(
        [
            _("Project"),
            _("Time"),
            _("Activity"),
            _("Organiser"),
            _("Approved hours"),
            _("Volunteers"),
            _("People served"),
        ],
        header=True,
    )
    for project in ledger.projects:
        for event in project.events:
            sheet.write(
                [
                    *(project.name, _time(event.starts_at), event.title, event.unit),
                    *(event.hours, event.volunteers, event.people_served),
                ]
            )


def zip_units(unit: PracticeUnit) -> list[PracticeUnit]:
    """The unit first, then every unit below it in tree order (institutes before their stations)."""
    return [unit, *PracticeUnit.objects.subtree_of(unit).exclude(pk=unit.pk).select_related("parent").order_by("path")]


def write_zip(
    unit: PracticeUnit, period: Period, target: Path, folder: Path, *, made_by=None, progress: Progress = _ignore
) -> None:
    """The unit's own ledger and one per unit below it, each as PDF and XLSX, in one ZIP.

    One unit at a time, through files in ``folder``: memory holds one ledger, not the county's.
    """
    units = zip_units(unit)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as archive:
        for index, member in enumerate(units):
            ledger = build_ledger(member, period, made_by=made_by)
            stem = f"{index:03d}-{file_stem(member, period)}"
            for suffix, writer in ((".pdf", write_pdf), (".xlsx", write_xlsx)):
                path = folder / f"part{suffix}"
                writer(ledger, path)
                archive.write(path, stem + suffix)
                path.unlink()
            progress(min(99, (index + 1) * 100 // len(units)))
