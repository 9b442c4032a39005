"""Benchmark of certificate issuing, on a throwaway SQLite database and media folder.

    .venv/bin/python benchmarks/certificates.py              # single issue and a bulk job of 1,000
    .venv/bin/python benchmarks/certificates.py --bulk 200   # a smaller bulk job
    .venv/bin/python benchmarks/certificates.py --bulk 0     # single issue only
    .venv/bin/python benchmarks/certificates.py --smoke      # 2 single issues, a bulk job of 3: runs, and right?

Prints a table: the median time to issue one certificate end to end beside the
median time WeasyPrint needs for the same HTML alone (target: ratio <= 1.3), and
for the bulk job (run in its own process, like the task worker) the time per
certificate as a share of the single-issue time (target <= 0.5) and the worker's
peak memory (target < 300 MB). Before the table, every certificate issued is checked
against a raw query of the volunteer's approved records (hours and count, 4 hours in 2
records each) and the bulk job against a raw count of its certificates; a difference, an
empty certificate or a job that issued nothing ends the run with exit status 1. Never
touches db.sqlite3 or the configured database.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from memory import peak_rss_mb

BASE_DIR = Path(__file__).resolve().parent.parent
PERIOD = (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))


def configure(folder: Path) -> None:
    """Point Django at a throwaway database and media folder, then start it."""
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'benchmark.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(folder / "media")
    os.environ["DJANGO_SETTINGS_MODULE"] = "backend.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def populate(volunteers: int) -> dict:
    """A center, institute and station; a manager; volunteers with approved hours at two events."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from events.models import Event, EventStatus, Method, RecordStatus, ServiceCategory, ServiceRecord
    from stations.models import Level, PracticeUnit
    from volunteers.id_numbers import check_character
    from volunteers.services import register_volunteer

    call_command("migrate", verbosity=0)
    center = PracticeUnit.objects.create(code="BENCH-C", name="示范县新时代文明实践中心", level=Level.CENTER)
    institute = PracticeUnit.objects.create(
        code="BENCH-I", name="城关街道新时代文明实践所", level=Level.INSTITUTE, parent=center
    )
    station = PracticeUnit.objects.create(
        code="BENCH-S",
        name="东门社区新时代文明实践站",
        level=Level.STATION,
        parent=institute,
        person_in_charge="王站长",
        contact_phone="0571-88886666",
    )
    manager = get_user_model().objects.create_user("13900009999", None, name="李经办")
    people = []
    surnames, given = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨", "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超𠮷"
    for n in range(volunteers):
        birth = datetime.date(1970, 1, 1) + datetime.timedelta(days=n % 15_000)
        first17 = f"110105{birth:%Y%m%d}{n % 1000:03d}"
        people.append(
            register_volunteer(
                real_name=surnames[n % len(surnames)] + given[n % len(given)] + given[(n * 7) % len(given)],
                id_number=first17 + check_character(first17),
                phone=f"137{n:08d}",
                password=None,
                home_station=station,
            )
        )
    tz = datetime.timezone(datetime.timedelta(hours=8))
    events = [
        Event.objects.create(
            unit=station,
            title=title,
            category=category,
            address="东门社区广场",
            starts_at=datetime.datetime(2026, month, 5, 9, tzinfo=tz),
            ends_at=datetime.datetime(2026, month, 5, 11, tzinfo=tz),
            status=EventStatus.FINISHED,
        )
        for month, title, category in [
            (3, "学雷锋志愿服务月·社区环境清洁", ServiceCategory.ENVIRONMENT),
            (10, "重阳敬老上门服务", ServiceCategory.ELDERLY_DISABLED),
        ]
    ]
    ServiceRecord.objects.bulk_create(
        ServiceRecord(
            event=event,
            volunteer=volunteer,
            checked_in_at=event.starts_at,
            checked_out_at=event.ends_at,
            method=Method.EVENT_QR,
            status=RecordStatus.APPROVED,
            credited_hours=Decimal("2.00"),
        )
        for event in events
        for volunteer in people
    )
    return {"station": station, "manager": manager, "volunteers": people}


def measure_single(world: dict, count: int) -> tuple[float, float]:
    """Medians of: issuing one certificate end to end, and WeasyPrint alone on the same HTML."""
    from weasyprint import HTML

    from certificates import pdfs
    from certificates.services import Coverage, issue_certificate
    from jobs.pdfs import font_config

    coverage = Coverage(period_start=PERIOD[0], period_end=PERIOD[1])
    volunteers = world["volunteers"][: count + 1]
    # The first issue loads the fonts; neither measurement counts it.
    issue_certificate(volunteers[0], world["station"], coverage, by=world["manager"])
    issue_times, render_times = [], []
    for volunteer in volunteers[1:]:
        started = time.perf_counter()
        certificate = issue_certificate(volunteer, world["station"], coverage, by=world["manager"])
        issue_times.append(time.perf_counter() - started)
        html = pdfs.certificates_html([certificate])
        started = time.perf_counter()
        HTML(string=html, base_url=str(BASE_DIR)).write_pdf(font_config=font_config())
        render_times.append(time.perf_counter() - started)
    return statistics.median(issue_times), statistics.median(render_times)


def run_bulk_worker(job_id: int) -> None:
    """In the child process: run the job as the task worker would, report time and peak memory."""
    from certificates.models import BulkIssueJob
    from certificates.services import run_bulk_job

    started = time.perf_counter()
    run_bulk_job(job_id)
    elapsed = time.perf_counter() - started
    job = BulkIssueJob.objects.get(pk=job_id)
    peak_mb = peak_rss_mb()
    print(f"{elapsed} {job.issued} {peak_mb} {job.status}")


def measure_bulk(world: dict, folder: Path) -> tuple[float, int, float, str]:
    from certificates.models import BulkIssueJob

    job = BulkIssueJob.objects.create(
        unit=world["station"], period_start=PERIOD[0], period_end=PERIOD[1], created_by=world["manager"]
    )
    command = [sys.executable, __file__, "--folder", str(folder), "--worker", str(job.pk)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()
    return float(output[0]), int(output[1]), float(output[2]), output[3]


def check(single: int, bulk_issued: int | None) -> list[str]:
    """Each certificate's hours and records against the raw records; the certificates against the issues made."""
    from django.db import connection

    from certificates.models import Certificate

    problems = []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.id, c.hours, c.record_count, c.pdf, SUM(r.credited_hours), COUNT(r.id) "
            f"FROM {Certificate._meta.db_table} c LEFT OUTER JOIN events_servicerecord r "
            "ON r.volunteer_id = c.volunteer_id AND r.status = 'approved' AND r.checked_in_at >= %s "
            "AND r.checked_in_at < %s GROUP BY c.id, c.hours, c.record_count, c.pdf",
            [f"{PERIOD[0]}", f"{PERIOD[1] + datetime.timedelta(days=1)}"],
        )
        rows = cursor.fetchall()
    for pk, hours, count, pdf, raw_hours, raw_count in rows:
        if Decimal(hours) != Decimal(raw_hours or 0) or count != raw_count or not raw_count or not pdf:
            problems.append(f"certificate {pk}: {hours} h in {count} records, raw {raw_hours} h in {raw_count}")
    # The first issue warms up; the bulk job issues to every volunteer without a certificate yet.
    wanted = single + 1 + (bulk_issued or 0)
    if len(rows) != wanted or bulk_issued == 0:
        problems.append(f"certificates: {len(rows)} in the table, {wanted} issued ({bulk_issued} by the bulk job)")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--single", type=int, default=20, help="certificates issued one by one (default 20)")
    parser.add_argument("--bulk", type=int, default=1000, help="certificates of the bulk job; 0 skips it")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: 2 single issues, a bulk job of 3")
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.smoke:
        options.single, options.bulk = 2, 3

    if options.worker:
        configure(Path(options.folder))
        run_bulk_worker(options.worker)
        return

    with tempfile.TemporaryDirectory(prefix="certificate-benchmark-") as name:
        folder = Path(name)
        configure(folder)
        started = time.perf_counter()
        world = populate(options.single + 1 + options.bulk)
        print(f"set-up: {len(world['volunteers'])} volunteers in {time.perf_counter() - started:.1f} s", flush=True)
        issue, render = measure_single(world, options.single)
        bulk = measure_bulk(world, folder) if options.bulk else None
        problems = check(options.single, bulk[1] if bulk else None)
        if problems:
            raise SystemExit("answers differ from the raw queries' or are empty:\n  " + "\n  ".join(problems))
        print("every certificate equals its raw query's, none empty", flush=True)
        rows = [
            ("single: issue one certificate, end to end (median)", f"{issue * 1000:.0f} ms", ""),
            ("single: WeasyPrint alone, same HTML (median)", f"{render * 1000:.0f} ms", ""),
            ("single: overhead ratio (target <= 1.3)", f"{issue / render:.2f}", _verdict(issue / render <= 1.3)),
        ]
        if bulk:
            elapsed, issued, peak_mb, status = bulk
            per_certificate = elapsed / max(issued, 1)
            ratio = per_certificate / issue
            rows += [
                (f"bulk: job of {issued} certificates ({status}), total", f"{elapsed:.1f} s", ""),
                ("bulk: per certificate", f"{per_certificate * 1000:.0f} ms", ""),
                ("bulk: per certificate / single issue (target <= 0.5)", f"{ratio:.2f}", _verdict(ratio <= 0.5)),
                ("bulk: worker peak memory (target < 300 MB)", f"{peak_mb:.0f} MB", _verdict(peak_mb < 300)),
            ]
        width = max(len(row[0]) for row in rows)
        print(f"\n{'measure'.ljust(width)}  {'value':>10}  target")
        print(f"{'-' * width}  {'-' * 10}  ------")
        for label, value, verdict in rows:
            print(f"{label.ljust(width)}  {value:>10}  {verdict}")


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


if __name__ == "__main__":
    main()
