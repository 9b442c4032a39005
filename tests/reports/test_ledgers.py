"""Ledgers (台账): a station's month as PDF and XLSX whose sign-in sheets and photos match the
records, an institute's ZIP with one ledger per unit, progress, periods and who may download."""

import datetime
import io
import re
import zipfile
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader
from weasyprint import HTML

from certificates.services import Coverage, issue_certificate
from events.activity import add_activity_photos, document_event
from events.models import Method, RecordStatus, ServiceRecord
from events.services import approve_record, record_scan, reject_record
from jobs.runner import Progress
from reports.ledgers import files as ledger_files
from reports.ledgers import jobs as ledger_jobs
from reports.ledgers.contents import SIGN_IN_RULE, LedgerError, Period, build_ledger
from reports.ledgers.files import ledger_html, write_pdf, write_xlsx
from reports.models import LedgerJob
from tests.certificates.conftest import pdf_text
from tests.conftest import client_for, make_manager, make_volunteer
from tests.events.conftest import DAY, at, make_event
from volunteers.id_numbers import mask_document_number

LEDGERS = "/api/v1/reports/ledgers/"
DECEMBER = {"period": "month", "year": DAY.year, "month": DAY.month}


@pytest.fixture(autouse=True)
def media_and_tasks(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def after_the_events():
    """Noon of the event day: both events of the month are over, the month has begun."""
    with time_machine.travel(at(12), tick=True):
        yield


def photo(colour: str, name: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), colour).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def attend(volunteer, event, minutes_early: int = 5) -> ServiceRecord:
    record_scan(
        volunteer,
        event,
        "in",
        method=Method.EVENT_QR,
        at=event.starts_at - datetime.timedelta(minutes=minutes_early),
    )
    record, _ = record_scan(volunteer, event, "out", method=Method.EVENT_QR, at=event.ends_at)
    return record


@pytest.fixture
def station_month(tree, station_manager, django_user_model):
    """S1's December: two events; approved, pending and rejected records; one activity record with photos."""
    reviewer = make_manager(django_user_model, tree["S1"], "审核员")
    cleaning = make_event(tree["S1"], title="社区环境清洁", lead_name="王队长")
    start = at(14) - datetime.timedelta(days=2)
    lecture = make_event(
        tree["S1"],
        title="理论宣讲进社区",
        category="theory",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        address="东门社区会议室",
    )
    people = [make_volunteer(tree["S1"], name) for name in ["赵一", "钱二", "孙三", "李𠮷"]]
    for person in people[:3]:
        approve_record(attend(person, cleaning), by=reviewer)
    attend(people[3], cleaning)  # pending: listed with its status, no hours
    approve_record(attend(people[0], lecture), by=reviewer)
    rejected = attend(people[1], lecture)
    reject_record(rejected, by=reviewer, reason="未参加")  # rejected: not on the sheet
    document_event(cleaning, summary="清理广场垃圾，宣传垃圾分类。", people_served=120, by=station_manager)
    add_activity_photos(
        cleaning, [photo("red", "a.jpg"), photo("green", "b.jpg"), photo("blue", "c.jpg")], by=station_manager
    )
    certificate = issue_certificate(people[0], tree["S1"], Coverage(event=cleaning), by=station_manager)
    return {
        "events": [cleaning, lecture],
        "people": people,
        "certificate": certificate,
        "rejected": rejected,
    }


def sheet_rows_expected(events) -> set[tuple]:
    """The sign-in sheets as the records say: every record not rejected, hours only when approved."""
    rows = set()
    for event in events:
        for record in event.records.exclude(status=RecordStatus.REJECTED).select_related("volunteer"):
            rows.add(
                (
                    event.title,
                    record.volunteer.real_name,
                    mask_document_number(record.volunteer.id_number),
                    timezone.localtime(record.checked_in_at).strftime("%Y-%m-%d %H:%M"),
                    timezone.localtime(record.checked_out_at).strftime("%Y-%m-%d %H:%M"),
                    float(record.credited_hours) if record.status == RecordStatus.APPROVED else None,
                )
            )
    return rows


def embedded_images(reader: PdfReader) -> dict[int, tuple[int, int]]:
    """The image objects in the PDF and their pixel sizes (pages may share a resource dictionary)."""
    found = {}
    for page in reader.pages:
        for reference in page["/Resources"].get("/XObject", {}).values():
            image = reference.get_object()
            if image["/Subtype"] == "/Image":
                found[reference.idnum] = (image["/Width"], image["/Height"])
    return found


def download(client, job: dict) -> bytes:
    response = client.get(job["download_url"])
    assert response.status_code == 200, response.content[:300]
    return b"".join(response.streaming_content)


def test_a_station_month_pdf_holds_the_sign_in_sheets_and_photos(station_manager_client, tree, station_month):
    response = station_manager_client.post(LEDGERS, {"unit": tree["S1"].pk, **DECEMBER, "format": "pdf"})
    assert response.status_code == 201, response.content
    job = response.json()
    # Small: made while the manager waited.
    assert (job["status"], job["progress"]) == ("finished", 100)
    pdf = download(station_manager_client, job)
    text = pdf_text(pdf)
    for event in station_month["events"]:
        assert event.title in text
    for person in station_month["people"]:
        assert person.real_name in text
        assert mask_document_number(person.id_number) in text
        assert person.id_number not in text
    assert "清理广场垃圾，宣传垃圾分类。" in text and "王队长" in text and "120" in text
    assert station_month["certificate"].number in text
    reader = PdfReader(io.BytesIO(pdf))
    # The photos go in at print size (their thumbnails), not as the stored 2000-pixel photos.
    assert [max(width, height) for width, height in embedded_images(reader).values()] == [400, 400, 400]
    # Cover, contents, profile, list, two activities, hours, certificates: one page each at least.
    assert len(reader.pages) >= 8


def test_the_pdf_states_pending_records_without_hours_and_leaves_rejected_ones_out(tree, station_month):
    ledger = build_ledger(tree["S1"], Period("month", DAY.year, DAY.month))
    lecture, cleaning = ledger.activities
    assert [row.name for row in cleaning.sign_ins] == ["赵一", "钱二", "孙三", "李𠮷"]
    assert [row.hours for row in cleaning.sign_ins] == [Decimal("2.00")] * 3 + [None]
    assert cleaning.sign_ins[3].status == RecordStatus.PENDING
    assert [row.name for row in lecture.sign_ins] == ["赵一"]
    assert ledger.hours.total == Decimal("8.00") == sum(activity.approved_hours for activity in ledger.activities)
    assert (ledger.registered, ledger.active) == (4, 3)
    assert [photo.caption for photo in cleaning.photos] == ["", "", ""] and lecture.photos == []


def test_a_ledger_laid_out_in_parts_reads_like_one_document(tree, station_month, tmp_path, monkeypatch):
    """One activity per part: pages numbered on, the contents pointing at the right pages, bookmarks kept."""
    monkeypatch.setattr(ledger_files, "ACTIVITIES_PER_PART", 1)
    ledger = build_ledger(tree["S1"], Period("month", DAY.year, DAY.month))
    write_pdf(ledger, tmp_path / "parts.pdf")
    parts = PdfReader(tmp_path / "parts.pdf")
    whole = PdfReader(io.BytesIO(HTML(string=ledger_html(ledger)).write_pdf()))
    assert len(parts.pages) == len(whole.pages) >= 8
    texts = [page.extract_text() for page in parts.pages]
    with translation.override("zh-hans"):
        footer = translation.gettext("Page %(number)s")
    for number, text in enumerate(texts[1:], start=2):
        assert footer % {"number": number} in text
    for activity in ledger.activities:
        heading = f"{activity.number}. {activity.event.title}"
        listed = re.search(rf"{re.escape(heading)}[ .]*?(\d+)\s*$", texts[1], re.MULTILINE)
        assert listed, texts[1]
        # The heading stands only in the contents and on the activity's own page.
        assert [n for n, text in enumerate(texts, start=1) if heading in text] == [2, int(listed.group(1))]
    assert {item.title for item in parts.outline if not isinstance(item, list)} >= {
        f"{activity.number}. {activity.event.title}" for activity in ledger.activities
    }


def test_the_xlsx_sign_in_sheet_matches_the_records(station_manager_client, tree, station_month):
    # Asked for in English, made in Chinese: a ledger is filed, not read on the screen.
    body = {"unit": tree["S1"].pk, **DECEMBER, "format": "xlsx"}
    response = station_manager_client.post(LEDGERS, body, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 201, response.content
    book = load_workbook(io.BytesIO(download(station_manager_client, response.json())), read_only=True)
    with translation.override("zh-hans"):
        names = [
            str(name)
            for name in [
                "Overview",
                "Activities",
                "Sign-in sheets",
                "Hours statistics",
                "Certificates",
                "Points and shop",
                "Venue use",
                "Brand projects",
            ]
        ]
        names = [translation.gettext(name) for name in names]
        rule = str(SIGN_IN_RULE)
        statuses = {str(RecordStatus.APPROVED.label), str(RecordStatus.PENDING.label)}
    assert book.sheetnames == names
    rows = list(book[names[2]].iter_rows(values_only=True))
    assert rows[0][0] == rule
    sheet = {(row[1], row[4], row[5], row[6], row[7], row[9]) for row in rows[2:]}
    assert sheet == sheet_rows_expected(station_month["events"])
    assert {row[8] for row in rows[2:]} == statuses
    certificates = list(book[names[4]].iter_rows(values_only=True))
    assert certificates[1][:3] == (
        station_month["certificate"].number,
        "赵一",
        mask_document_number(station_month["people"][0].id_number),
    )


def test_an_institute_zip_holds_its_own_ledger_and_one_per_station(
    institute_manager, tree, station_month, django_capture_on_commit_callbacks
):
    make_event(tree["S2"], title="西湖社区义诊", category="health")
    client = client_for(institute_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(LEDGERS, {"unit": tree["I1"].pk, **DECEMBER, "format": "zip"})
    assert response.status_code == 201, response.content
    job = client.get(f"{LEDGERS}{response.json()['id']}/").json()
    assert (job["status"], job["progress"]) == ("finished", 100)
    archive = zipfile.ZipFile(io.BytesIO(download(client, job)))
    names = archive.namelist()
    assert len(names) == 6 and sum(name.endswith(".pdf") for name in names) == 3
    pdfs = {name: pdf_text(archive.read(name)) for name in names if name.endswith(".pdf")}
    own, s1, s2 = (pdfs[name] for name in sorted(pdfs))
    assert tree["I1"].name in own and "社区环境清洁" not in own
    assert "社区环境清洁" in s1 and "西湖社区义诊" not in s1
    assert "西湖社区义诊" in s2
    # The institute's own pages list every station below it, also one without any activity.
    assert tree["S1"].name in own and tree["S2"].name in own


def test_a_queued_job_reports_its_progress_up_to_100(institute_manager, tree, station_month, settings, monkeypatch):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client = client_for(institute_manager)
    body = {"unit": tree["I1"].pk, "period": "year", "year": DAY.year, "format": "zip"}
    first, again = client.post(LEDGERS, body), client.post(LEDGERS, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert (first.json()["status"], first.json()["progress"], first.json()["download_url"]) == ("queued", 0, None)
    assert client.get(f"{LEDGERS}{first.json()['id']}/download/").status_code == 409
    seen = []
    report = Progress.report
    monkeypatch.setattr(Progress, "report", lambda self, percent: seen.append(percent) or report(self, percent))
    ledger_jobs.run_ledger_job(first.json()["id"])
    # One step per unit: the institute, S1 and S2.
    assert seen == [33, 66, 99]
    polled = client.get(f"{LEDGERS}{first.json()['id']}/").json()
    assert (polled["status"], polled["progress"]) == ("finished", 100)
    assert polled["download_url"].endswith(f"/api/v1/reports/ledgers/{first.json()['id']}/download/")


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("requester", 200), ("institute", 200), ("center", 200), ("other_station", 404), ("volunteer", 404)],
)
def test_only_the_requester_and_managers_of_the_unit_or_above_download(
    persona,
    expected,
    tree,
    station_month,
    station_manager,
    institute_manager,
    center_manager,
    other_station_manager,
    volunteer,
):
    job = client_for(station_manager).post(LEDGERS, {"unit": tree["S1"].pk, **DECEMBER, "format": "xlsx"}).json()
    users = {
        "requester": station_manager,
        "institute": institute_manager,
        "center": center_manager,
        "other_station": other_station_manager,
        "volunteer": volunteer.user,
    }
    client = client_for(users[persona])
    assert client.get(f"{LEDGERS}{job['id']}/download/").status_code == expected
    assert client.get(f"{LEDGERS}{job['id']}/").status_code == expected
    assert client_for(None).get(f"{LEDGERS}{job['id']}/download/").status_code == 401


def test_managers_ask_only_for_units_in_their_reach(other_station_manager, volunteer, tree):
    body = {"unit": tree["S1"].pk, **DECEMBER, "format": "pdf"}
    assert client_for(other_station_manager).post(LEDGERS, body).status_code == 400
    assert client_for(volunteer.user).post(LEDGERS, body).status_code == 403
    assert not LedgerJob.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"year": 1899}, "year"),
        ({"year": 2101}, "year"),
        ({"month": 13}, "month"),
        ({"month": 0}, "month"),
        ({"period": "quarter", "month": None, "quarter": 5}, "quarter"),
        ({"period": "quarter", "month": None}, "quarter"),
        ({"year": DAY.year + 1, "month": 1}, "month"),
        ({"period": "year", "month": None, "year": DAY.year + 1}, "year"),
        ({"period": "week"}, "period"),
        ({"format": "doc"}, "format"),
    ],
)
def test_bad_periods_are_refused_in_chinese(station_manager_client, tree, changes, field):
    body = {"unit": tree["S1"].pk, **DECEMBER, "format": "pdf", **changes}
    body = {key: value for key, value in body.items() if value is not None}
    response = station_manager_client.post(LEDGERS, body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400, response.content
    assert field in response.json()
    message = response.json()[field][0]
    if changes.get("year") == DAY.year + 1:
        with translation.override("zh-hans"):
            assert message == str(LedgerError.messages["future_period"])
    elif field in ("year", "month"):
        assert any("\u4e00" <= char <= "\u9fff" for char in message), message


def test_the_ledger_is_read_in_the_same_number_of_queries_whatever_its_size(tree, station_month, station_manager):
    period = Period("month", DAY.year, DAY.month)
    with CaptureQueriesContext(connection) as small:
        build_ledger(tree["S1"], period)
    for day in range(1, 5):
        event = make_event(tree["S1"], title=f"活动{day}", starts_at=at(9) - datetime.timedelta(days=day))
        event.ends_at = event.starts_at + datetime.timedelta(hours=1)
        event.save(update_fields=["ends_at"])
        attend(make_volunteer(tree["S1"], f"志愿者{day}"), event)
        document_event(event, summary="小结", people_served=3, by=station_manager)
        add_activity_photos(event, [photo("white", "w.jpg")], by=station_manager)
    with CaptureQueriesContext(connection) as big:
        ledger = build_ledger(tree["S1"], period)
    assert len(ledger.activities) == 6
    assert len(big.captured_queries) == len(small.captured_queries) <= 14


def test_files_render_for_a_center_and_for_an_empty_period(tree, tmp_path, center_manager):
    period = Period("quarter", DAY.year, 4)
    ledger = build_ledger(tree["C"], period, made_by=center_manager)
    assert [row.name for row in ledger.stations] == [tree[name].name for name in ("S1", "S2", "S3")]
    write_pdf(ledger, tmp_path / "c.pdf")
    write_xlsx(ledger, tmp_path / "c.xlsx")
    assert tree["S3"].name in pdf_text((tmp_path / "c.pdf").read_bytes())
    assert load_workbook(tmp_path / "c.xlsx", read_only=True).sheetnames


def test_the_page_gives_a_manager_the_file_in_one_click(station_manager, tree, station_month, client):
    client.force_login(station_manager)
    assert client.get("/reports/ledgers/").status_code == 200
    response = client.post(
        "/reports/ledgers/",
        {"unit": tree["S1"].pk, "period": "month", "year": DAY.year, "month": DAY.month, "quarter": 1, "format": "pdf"},
    )
    assert response.status_code == 302
    download_page = client.get(response["Location"])
    assert download_page.status_code == 200 and download_page["Content-Type"] == "application/pdf"
    assert "社区环境清洁" in pdf_text(b"".join(download_page.streaming_content))


def test_the_page_shows_progress_of_a_big_ledger_and_refuses_volunteers(
    station_manager, volunteer, tree, station_month, client, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client.force_login(station_manager)
    response = client.post(
        "/reports/ledgers/", {"unit": tree["S1"].pk, "period": "year", "year": DAY.year, "format": "zip"}
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200 and b'http-equiv="refresh"' in page.content
    assert b"<script" not in page.content
    bad = client.post("/reports/ledgers/", {"unit": tree["S1"].pk, "period": "month", "year": 2026, "month": 13})
    assert bad.status_code == 400
    client.force_login(volunteer.user)
    assert client.get("/reports/ledgers/").status_code == 403
    assert client.get(response["Location"]).status_code == 404


def test_a_failed_ledger_is_kept_as_failed_and_offers_no_file(station_manager_client, tree, station_month, monkeypatch):
    def broken(ledger, target):
        raise OSError("disk full")

    monkeypatch.setattr(ledger_jobs, "write_xlsx", broken)
    job = station_manager_client.post(LEDGERS, {"unit": tree["S1"].pk, **DECEMBER, "format": "xlsx"}).json()
    assert (job["status"], job["download_url"]) == ("failed", None)
    assert station_manager_client.get(f"{LEDGERS}{job['id']}/download/").status_code == 409
    # Asking again starts afresh rather than returning the failed job.
    monkeypatch.undo()
    again = station_manager_client.post(LEDGERS, {"unit": tree["S1"].pk, **DECEMBER, "format": "xlsx"})
    assert again.status_code == 201 and again.json()["status"] == "finished"


@pytest.mark.django_db(transaction=True)
def test_the_database_queue_makes_a_big_ledger_in_the_worker(tree, institute_manager, settings):
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    make_event(tree["S1"], title="社区环境清洁")
    job, created = ledger_jobs.start_ledger_job(tree["I1"], Period("year", DAY.year), "zip", by=institute_manager)
    assert created and LedgerJob.objects.get(pk=job.pk).status == "queued"
    assert DBTaskResult.objects.filter(task_path="jobs.tasks.run_job").count() == 1
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay")
    job.refresh_from_db()
    assert (job.status, job.progress) == ("finished", 100) and job.task_id
    assert len(zipfile.ZipFile(job.file.open()).namelist()) == 6
