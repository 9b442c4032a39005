"""Benchmark of a station's year ledger (台账) as PDF, on a throwaway database and media folder.

    .venv/bin/python benchmarks/ledger.py                 # 120 activities, 400 photos, 3 runs
    .venv/bin/python benchmarks/ledger.py --runs 5
    .venv/bin/python benchmarks/ledger.py --smoke         # 6 activities, 12 photos, 1 run: runs, and right?
    .venv/bin/python benchmarks/ledger.py --database-url postgres://postgres@127.0.0.1:5432/ledger_bench

Sets up a station with 120 finished events of 2025, 15 volunteers' approved records
at each, an activity record (summary, people served) for each and 400 photos in
all. The photos are made like uploads: phone-sized JPEGs (4032 x 3024) re-encoded
by ``events.photos.prepare_photo`` into the stored photo and thumbnail (a dozen
distinct pictures, stored 400 times under their own names, as WeasyPrint reads
each file anew).

Each run, in a fresh process like the task worker's: the ledger job end to end
(``run_ledger_job``: queries, HTML, WeasyPrint, storing the PDF) and WeasyPrint
alone on the same HTML. Prints the medians, their ratio (target <= 1.3) and the
job process's peak memory (target < 400 MB). Never touches db.sqlite3 or the
configured database (with --database-url, that database is created and dropped).

Before the table, the ledger's contents are checked against raw queries: its activities,
their photos, the approved services and hours; a difference, an empty figure or an empty
PDF ends the run with exit status 1.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from memory import peak_rss_mb

BASE_DIR = Path(__file__).resolve().parent.parent
YEAR = 2025
ACTIVITIES = 120
PHOTOS = 400
PEOPLE_PER_ACTIVITY = 15
DISTINCT_PICTURES = 12


def configure(folder: Path, database_url: str | None) -> None:
    """Point Django at a throwaway database and media folder, then start it."""
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{folder / 'benchmark.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(folder / "media")
    os.environ["DJANGO_SETTINGS_MODULE"] = "backend.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def phone_photo(seed: int) -> io.BytesIO:
    """A 12-megapixel JPEG with the texture of a photo (gradients, shapes, grain), as a phone uploads it."""
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(seed)
    small = Image.new("RGB", (1008, 756))
    draw = ImageDraw.Draw(small)
    top, bottom = [rng.randrange(256) for _ in range(3)], [rng.randrange(256) for _ in range(3)]
    for y in range(756):
        mix = y / 755
        draw.line([(0, y), (1008, y)], fill=tuple(int(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True)))
    # Detail at every scale, so that JPEG sizes come out like a phone's (about 2 MB sent, 400 KB stored).
    for _ in range(3000):
        x, y = rng.randrange(1008), rng.randrange(756)
        box = [x, y, x + rng.randrange(4, 60), y + rng.randrange(4, 60)]
        draw.ellipse(box, fill=tuple(rng.randrange(256) for _ in range(3)))
    picture = small.filter(ImageFilter.GaussianBlur(0.7)).resize((4032, 3024), Image.Resampling.BICUBIC)
    grain = Image.effect_noise((4032, 3024), 18).convert("RGB")
    picture = Image.blend(picture, grain, 0.12)
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=90)
    buffer.seek(0)
    buffer.size = buffer.getbuffer().nbytes
    return buffer


def populate(activities: int = ACTIVITIES, photo_count: int = PHOTOS, distinct: int = DISTINCT_PICTURES) -> dict:
    """A center, institute and station with a year of documented activities."""
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile
    from django.core.management import call_command

    from events.models import (
        ActivityPhoto,
        ActivityRecord,
        Event,
        EventStatus,
        Method,
        RecordStatus,
        ServiceCategory,
        ServiceRecord,
    )
    from events.photos import prepare_photo
    from stations.models import Level, PracticeUnit, UnitManager
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
        address="城关街道东门路1号",
        person_in_charge="王站长",
        contact_name="李经办",
        contact_phone="0571-88886666",
    )
    manager = get_user_model().objects.create_user("13900009999", None, name="李经办")
    UnitManager.objects.create(user=manager, unit=station)
    surnames, given = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨", "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超𠮷"
    people = []
    for n in range(60):
        birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=n * 211)
        first17 = f"330102{birth:%Y%m%d}{n:03d}"
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
    categories = list(ServiceCategory)
    events = []
    for n in range(activities):
        day = datetime.date(YEAR, 1, 3) + datetime.timedelta(days=n * 3)
        start = datetime.datetime.combine(day, datetime.time(9 if n % 2 else 14), tzinfo=tz)
        events.append(
            Event(
                unit=station,
                title=f"{['社区环境清洁', '理论宣讲进社区', '敬老助残上门服务', '文明交通劝导'][n % 4]}（第{n + 1}期）",
                category=categories[n % len(categories)],
                address=f"东门社区{['广场', '会议室', '老年活动中心', '路口'][n % 4]}",
                recipients="社区居民",
                lead_name=f"{surnames[n % len(surnames)]}队长",
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=2),
                status=EventStatus.FINISHED,
                signup_required=False,
            )
        )
    events = Event.objects.bulk_create(events)
    ServiceRecord.objects.bulk_create(
        ServiceRecord(
            event=event,
            volunteer=people[(n * 7 + k) % len(people)],
            checked_in_at=event.starts_at - datetime.timedelta(minutes=k % 9),
            checked_out_at=event.ends_at,
            method=Method.EVENT_QR,
            status=RecordStatus.APPROVED if k % 10 else RecordStatus.PENDING,
            credited_hours=Decimal("2.00") if k % 10 else Decimal("0.00"),
        )
        for n, event in enumerate(events)
        for k in range(PEOPLE_PER_ACTIVITY)
    )
    summary = (
        "本次活动由站点志愿服务队组织开展，志愿者分组入户走访、清理公共区域、宣传政策知识，"
        "共发放宣传资料若干份，解答居民咨询，收集意见建议，活动取得良好效果，居民反响积极。"
    )
    records = ActivityRecord.objects.bulk_create(
        ActivityRecord(event=event, summary=summary, people_served=30 + n % 50, updated_by=manager)
        for n, event in enumerate(events)
    )
    pictures = [prepare_photo(phone_photo(seed)) for seed in range(distinct)]
    photos = []
    for n in range(photo_count):
        picture = pictures[n % distinct]
        photo = ActivityPhoto(record=records[n % activities], caption=f"活动现场{n + 1}", uploaded_by=manager)
        photo.image.save("photo.jpg", ContentFile(picture.image.file.getvalue()), save=False)
        photo.thumbnail.save("thumbnail.jpg", ContentFile(picture.thumbnail.file.getvalue()), save=False)
        photos.append(photo)
    ActivityPhoto.objects.bulk_create(photos)
    sizes = [picture.image.size for picture in pictures], [picture.thumbnail.size for picture in pictures]
    return {"station": station, "manager": manager, "sizes": sizes}


def warm_up() -> None:
    """Load the fonts once, as a worker that has made a ledger before has them."""
    from weasyprint import HTML

    from jobs import pdfs

    HTML(string='<p style="font-family: Noto Serif CJK SC">台账</p>').write_pdf(font_config=pdfs.font_config())


def child_job(job_id: int) -> None:
    """In the child process: the ledger job as the worker runs it."""
    from reports.ledgers.jobs import run_ledger_job

    warm_up()
    started, cpu = time.perf_counter(), time.process_time()
    job = run_ledger_job(job_id)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak_mb = peak_rss_mb()
    print(f"{elapsed} {cpu} {peak_mb} {job.status} {job.file.size}")


def child_weasyprint(station_id: int, target: str) -> None:
    """In the child process: WeasyPrint alone on the ledger's HTML (made before the clock starts)."""
    from weasyprint import HTML

    from jobs import pdfs
    from reports.ledgers.contents import Period, build_ledger
    from reports.ledgers.files import ledger_html
    from stations.models import PracticeUnit

    warm_up()
    html = ledger_html(build_ledger(PracticeUnit.objects.get(pk=station_id), Period("year", YEAR)))
    started, cpu = time.perf_counter(), time.process_time()
    HTML(string=html, base_url=str(BASE_DIR)).write_pdf(target, font_config=pdfs.font_config())
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak_mb = peak_rss_mb()
    print(f"{elapsed} {cpu} {peak_mb}")


def child(folder: Path, database_url: str | None, *arguments: str) -> list[str]:
    command = [sys.executable, __file__, "--folder", str(folder), *arguments]
    if database_url:
        command += ["--database-url", database_url]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()


def create_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement (default 3)")
    parser.add_argument("--database-url", help="a PostgreSQL database to create, use and drop (default: SQLite)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: 6 activities, 12 photos, 1 run")
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--job", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--weasyprint", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    sizes = (ACTIVITIES, PHOTOS, DISTINCT_PICTURES)
    if options.smoke:
        options.runs, sizes = 1, (6, 12, 2)

    if options.folder:
        configure(Path(options.folder), options.database_url)
        if options.job:
            child_job(options.job)
        else:
            child_weasyprint(options.weasyprint, str(Path(options.folder) / "weasyprint-alone.pdf"))
        return

    if options.database_url:
        create_database(options.database_url)
    try:
        with tempfile.TemporaryDirectory(prefix="ledger-benchmark-") as name:
            folder = Path(name)
            configure(folder, options.database_url)
            started = time.perf_counter()
            world = populate(*sizes)
            images, thumbnails = world["sizes"]
            image_kb, thumbnail_kb = statistics.mean(images) / 1024, statistics.mean(thumbnails) / 1024
            print(
                f"set-up: {sizes[0]} activities, {sizes[1]} photos (stored photo ~{image_kb:.0f} KB,"
                f" thumbnail ~{thumbnail_kb:.0f} KB) in {time.perf_counter() - started:.1f} s",
                flush=True,
            )
            problems = check(world["station"])
            if problems:
                raise SystemExit("answers differ from the raw queries' or are empty:\n  " + "\n  ".join(problems))
            print("the ledger's contents equal the raw queries', none empty", flush=True)
            measure(folder, options, world)
    finally:
        if options.database_url:
            drop_database(options.database_url)


def check(station) -> list[str]:
    """The ledger's activities, photos, approved services and hours against raw queries."""
    from django.db import connection

    from reports.ledgers.contents import Period, build_ledger

    ledger = build_ledger(station, Period("year", YEAR))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT COUNT(*) FROM events_event WHERE unit_id = %s),"
            " (SELECT COUNT(*) FROM events_activityphoto p JOIN events_activityrecord a ON a.id = p.record_id"
            "  JOIN events_event e ON e.id = a.event_id WHERE e.unit_id = %s),"
            " (SELECT COUNT(*) FROM events_servicerecord r JOIN events_event e ON e.id = r.event_id"
            "  WHERE e.unit_id = %s AND r.status = 'approved'),"
            " (SELECT SUM(r.credited_hours) FROM events_servicerecord r JOIN events_event e ON e.id = r.event_id"
            "  WHERE e.unit_id = %s AND r.status = 'approved')",
            [station.pk] * 4,
        )
        events, photos, services, hours = cursor.fetchone()
    pairs = {
        "activities": (len(ledger.activities), events),
        "photos": (sum(len(activity.photos) for activity in ledger.activities), photos),
        "approved services": (ledger.hours.services, services),
        "approved hours": (ledger.hours.total, Decimal(hours or 0)),
    }
    problems = [f"{name}: ledger {mine}, raw {theirs}" for name, (mine, theirs) in pairs.items() if mine != theirs]
    return problems + [f"{name} is empty" for name, (mine, _theirs) in pairs.items() if not mine]


def measure(folder: Path, options: argparse.Namespace, world: dict) -> None:
    from reports.models import LedgerJob

    jobs, alone, jobs_cpu, alone_cpu, peaks, alone_peaks, size = [], [], [], [], [], [], 0
    for run in range(options.runs):
        job = LedgerJob.objects.create(
            unit=world["station"], period="year", year=YEAR, number=0, format="pdf", requested_by=world["manager"]
        )
        elapsed, cpu, peak, status, size = child(folder, options.database_url, "--job", str(job.pk))
        if status != "finished" or not int(size):
            raise SystemExit(f"the ledger job ended {status}: {LedgerJob.objects.get(pk=job.pk).error}")
        jobs.append(float(elapsed))
        jobs_cpu.append(float(cpu))
        peaks.append(float(peak))
        elapsed, cpu, peak = child(folder, options.database_url, "--weasyprint", str(world["station"].pk))
        alone.append(float(elapsed))
        alone_cpu.append(float(cpu))
        alone_peaks.append(float(peak))
        print(
            f"run {run + 1}: job {jobs[-1]:.2f} s ({jobs_cpu[-1]:.2f} s CPU),"
            f" WeasyPrint alone {alone[-1]:.2f} s ({alone_cpu[-1]:.2f} s CPU)",
            flush=True,
        )
    job_median, alone_median = statistics.median(jobs), statistics.median(alone)
    ratio = job_median / alone_median
    # On a shared machine the clock also counts other processes' turns; CPU time does not.
    cpu_ratio = statistics.median(jobs_cpu) / statistics.median(alone_cpu)
    rows = [
        (f"ledger job, end to end (median of {options.runs})", f"{job_median:.2f} s", ""),
        ("WeasyPrint alone, same HTML (median)", f"{alone_median:.2f} s", ""),
        ("ratio (target <= 1.3)", f"{ratio:.2f}", verdict(ratio <= 1.3)),
        ("ratio of CPU times (medians)", f"{cpu_ratio:.2f}", verdict(cpu_ratio <= 1.3)),
        ("job process peak memory (target < 400 MB)", f"{max(peaks):.0f} MB", verdict(max(peaks) < 400)),
        ("WeasyPrint-alone process peak memory", f"{max(alone_peaks):.0f} MB", ""),
        ("PDF size", f"{int(size) / 1024 / 1024:.1f} MB", ""),
    ]
    width = max(len(row[0]) for row in rows)
    print(f"\n{'measure'.ljust(width)}  {'value':>10}  target")
    print(f"{'-' * width}  {'-' * 10}  ------")
    for label, value, met in rows:
        print(f"{label.ljust(width)}  {value:>10}  {met}")


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


if __name__ == "__main__":
    main()
