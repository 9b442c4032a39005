"""The ledger's 阵地使用 and 品牌项目 chapters: exactly the approved bookings that start in the period
(Shanghai midnights), bookers masked, brand projects with their figures, in the PDF and the XLSX.

Dates are fixed in November 2026; the ``places`` fixture freezes the clock at 5 December 2026.
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook

from reports.ledgers.contents import Period, build_ledger
from reports.ledgers.files import write_pdf, write_xlsx
from tests.certificates.conftest import pdf_text
from tests.reports_places.conftest import NOVEMBER, book, local
from tests.venues.conftest import make_venue

LEDGERS = "/api/v1/reports/ledgers/"


@pytest.fixture(autouse=True)
def tasks_run_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def purposes(ledger) -> list[str]:
    return [row.purpose for row in ledger.venues.bookings]


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


def test_the_venue_chapter_lists_exactly_the_approved_bookings_starting_in_the_period(tree, places):
    ledger = build_ledger(tree["I1"], Period("month", 2026, 11))
    # 00:00 on 1 November and 22:30 on 30 November, Shanghai, are in; 23:00 on 31 October and 00:00 on
    # 1 December are out, as are the pending, refused and cancelled bookings and the other center's.
    assert purposes(ledger) == ["晨练", "重阳敬老", "读书会", "合唱排练"]
    venues = {venue.name: venue for venue in ledger.venues.venues}
    assert list(venues) == ["东门文化礼堂", "东门球场", "西湖书屋"]
    assert (venues["东门文化礼堂"].count, venues["东门文化礼堂"].hours, venues["东门文化礼堂"].attendees) == (
        3,
        Decimal("4.50"),
        97,
    )
    assert venues["东门球场"].bookings == []  # listed with zeros, not left out
    section = ledger.venues
    assert (section.count, section.hours, section.attendees, section.used, section.events) == (
        4,
        Decimal("6.50"),
        112,
        2,
        1,
    )
    event_row = next(row for row in section.bookings if row.is_event)
    assert (event_row.purpose, event_row.event) == ("重阳敬老", "重阳敬老")
    team_row = next(row for row in section.bookings if row.team)
    assert team_row.team == "西湖读书队"


def test_a_stations_ledger_holds_its_own_venues_only(tree, places):
    ledger = build_ledger(tree["S2"], Period("month", 2026, 11))
    assert purposes(ledger) == ["读书会"]
    assert [venue.name for venue in ledger.venues.venues] == ["西湖书屋"]


def test_an_approval_in_the_period_shows_and_a_cancellation_goes(tree, places):
    from venues.models import BookingStatus

    bookings = places["bookings"]
    bookings["pending"].status = BookingStatus.APPROVED
    bookings["pending"].save(update_fields=["status"])
    bookings["last"].status = BookingStatus.CANCELLED
    bookings["last"].save(update_fields=["status"])
    assert purposes(build_ledger(tree["S1"], Period("month", 2026, 11))) == ["晨练", "待批讲座", "重阳敬老"]


def test_bookers_are_shown_by_name_and_masked_mobile(tree, places):
    ledger = build_ledger(tree["S1"], Period("month", 2026, 11))
    resident = places["resident"]
    row = ledger.venues.bookings[0]
    assert (row.booker, row.masked_phone) == ("陈静", f"{resident.phone[:3]}****{resident.phone[7:]}")
    assert resident.phone not in {row.masked_phone for row in ledger.venues.bookings}


def test_the_brand_project_chapter_lists_the_projects_running_in_the_period(tree, places):
    ledger = build_ledger(tree["C"], Period("month", 2026, 11))
    assert [project.name for project in ledger.projects] == ["邻里守望"]
    watch = ledger.projects[0]
    summary = watch.summary
    # The October event is the project's, but not the ledger's month.
    assert (summary.events_held, summary.service_hours, summary.volunteers_served, summary.people_served) == (
        1,
        Decimal("4.00"),
        2,
        30,
    )
    assert [(event.title, event.hours, event.volunteers, event.people_served) for event in watch.events] == [
        ("守望巡访", Decimal("4.00"), 2, 30)
    ]
    assert watch.teams == ["东门守望队"]
    # Summer's project is in the year's ledger, not in November's; the other center's never.
    year = build_ledger(tree["C"], Period("year", 2026))
    assert [project.name for project in year.projects] == ["邻里守望", "夏日课堂"]
    assert year.projects[0].summary.service_hours == Decimal("7.00")


def test_the_pdf_has_both_chapters_with_masked_bookers(station_manager_client, tree, places):
    response = station_manager_client.post(LEDGERS, {"unit": tree["S1"].pk, **NOVEMBER, "format": "pdf"})
    assert response.status_code == 201, response.content
    job = response.json()
    assert job["status"] == "finished"
    pdf = b"".join(station_manager_client.get(job["download_url"]).streaming_content)
    text = pdf_text(pdf)
    resident = places["resident"]
    assert zh("Venue use") in text and zh("Brand projects") in text
    for expected in ("东门文化礼堂", "东门球场", "晨练", "合唱排练", "重阳敬老", "邻里守望", "守望巡访", "4.50"):
        assert expected in text, expected
    for absent in ("待批讲座", "被拒排练", "取消的聚会", "十月夜场", "十二月晨练", "西湖书屋", "夏日课堂", "远方"):
        assert absent not in text, absent
    assert f"{resident.phone[:3]}****{resident.phone[7:]}" in text
    assert resident.phone not in text


def test_the_xlsx_has_a_sheet_for_each_chapter(tree, places, tmp_path):
    ledger = build_ledger(tree["I1"], Period("month", 2026, 11))
    write_xlsx(ledger, tmp_path / "i1.xlsx")
    book = load_workbook(tmp_path / "i1.xlsx", read_only=True)
    venue_sheet, project_sheet = zh("Venue use"), zh("Brand projects")
    assert book.sheetnames[-2:] == [venue_sheet, project_sheet]
    rows = list(book[venue_sheet].iter_rows(values_only=True))
    header = rows.index(next(row for row in rows if row and row[0] == zh("No.") and row[1] == zh("Date")))
    listed = [(row[1], row[3], row[4], row[5], row[8]) for row in rows[header + 1 :]]
    resident = places["resident"]
    masked = f"{resident.phone[:3]}****{resident.phone[7:]}"
    assert [row[:4] for row in listed] == [
        ("2026-11-01", "东门文化礼堂", "晨练", 12),
        ("2026-11-15", "东门文化礼堂", "重阳敬老", 60),
        ("2026-11-20", "西湖书屋", "读书会", 15),
        ("2026-11-30", "东门文化礼堂", "合唱排练", 25),
    ]
    assert {row[4] for row in listed if row[2] != "重阳敬老"} == {masked}
    flat = [cell for row in rows for cell in row if cell is not None]
    assert resident.phone not in flat
    totals = {row[0]: row[1] for row in rows[:6]}
    assert totals[zh("Bookings")] == 4 and totals[zh("Booked hours")] == 6.5 and totals[zh("Attendees")] == 112
    projects = list(book[project_sheet].iter_rows(values_only=True))
    assert projects[1][1:3] == ("邻里守望", "S1 单位") and projects[1][5:9] == (1, 4, 2, 30)


def test_the_venue_chapter_is_read_in_the_same_number_of_queries_whatever_its_size(tree, places, tmp_path):
    period = Period("month", 2026, 11)
    with CaptureQueriesContext(connection) as small:
        build_ledger(tree["S1"], period)
    for n in range(4):
        venue = make_venue(tree["S1"], name=f"新阵地{n}")
        for day in range(3):
            book(venue, places["resident"], local(f"2026-11-{day + 2:02d}", 10), 1)
    with CaptureQueriesContext(connection) as big:
        ledger = build_ledger(tree["S1"], period)
    assert ledger.venues.count == 3 + 12
    assert len(big.captured_queries) == len(small.captured_queries)


def test_an_empty_period_renders_both_chapters(tree, places, tmp_path):
    ledger = build_ledger(tree["S3"], Period("month", 2026, 11))
    assert ledger.venues.venues == [] and ledger.projects == []
    write_pdf(ledger, tmp_path / "s3.pdf")
    text = pdf_text((tmp_path / "s3.pdf").read_bytes())
    assert zh("No venue was booked in this period.") in text
    assert zh("No brand project ran in this period.") in text
