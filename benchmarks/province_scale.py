"""Province-scale statistics benchmark on PostgreSQL: the endpoints against the same questions on raw records.

    nice -n 10 .venv/bin/python benchmarks/province_scale.py --generate   # load (skipped when loaded), then time
    .venv/bin/python benchmarks/province_scale.py                         # time only
    .venv/bin/python benchmarks/province_scale.py --generate --no-timing  # load only
    .venv/bin/python benchmarks/province_scale.py --smoke                 # a tiny province, checked, in seconds

The data: a province of 100 centers, 1,000 institutes and 20,000 stations, 2,000,000
volunteers, 500,000 events and 10,000,000 approved service records between
1 December 2024 and 30 November 2026, loaded with COPY into its own database
(vol_bench; --database). The heavy indexes and constraints are dropped for the load
and re-created after it, so the database ends with the schema the migrations define;
then ANALYZE, then the rollups are rebuilt with ``manage.py rebuild_rollups`` (timed).
A load records its sizes in the database: a later run with the same sizes skips it,
one interrupted half-way restores the schema and loads again.

Timing calls the real endpoints in-process through Django's test client (median of
--runs after a warm-up) beside a hand-written SQL aggregate over the raw records
answering the same question, and prints both with their ratio. Targets: every
endpoint under 200 ms and at most 1/20 of its raw query; the per-volunteer CSV export
(each run in a fresh subprocess, so its peak RSS is its own) within 1.5x a raw
``COPY (SELECT ...) TO STDOUT`` of the same rows and under 150 MB. The table also goes
to benchmarks/results/province_scale.txt.

Every endpoint's answer is checked against its raw query's (the last timed call of each):
the same registered and active volunteers, hours, volunteers reaching the target, star
levels and events; the same hours and records per station; the dashboard's numerators and
denominators equal to the raw per-unit figures summed. An answer that differs, or that is
empty (no volunteers, hours or events), ends the run with exit status 1 before any table
is written, so the benchmark cannot time a wrong or empty result. The dashboard is timed
for a center, one of its institutes and one of its stations, each by its own manager.

``--smoke`` loads a tiny province (1 center, 10 institutes, 200 stations, 2,000 volunteers,
2,000 events, 10,000 records) into a throwaway database (``vol_smoke``; dropped after),
times each measure once and runs the same checks, in seconds: CI runs it.
"""

from __future__ import annotations

import argparse
import array
import dataclasses
import datetime
import io
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from memory import peak_rss_mb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results" / "province_scale.txt"

STATIONS_PER_INSTITUTE, INSTITUTES_PER_CENTER = 20, 10
FIRST_DAY, DAYS = datetime.date(2024, 12, 1), 730
YEAR = 2026  # the summary's year: January to November of the data
CATEGORIES = [
    ("theory", "理论宣讲进社区"),
    ("civility", "文明交通劝导"),
    ("environment", "环境卫生整治"),
    ("elderly_disabled", "敬老助残上门服务"),
    ("minors", "关爱未成年人课堂"),
    ("culture", "文化惠民演出"),
    ("health", "健康义诊"),
    ("legal", "法律咨询"),
    ("science", "科普进社区"),
    ("emergency", "应急演练"),
    ("other", "志愿服务活动"),
]
# Share of events organised by stations, institutes and centers, and the attendance of
# each relative to a station's (institute and center events draw from several stations).
EVENT_LEVELS = [("station", 0.85, 1.0), ("institute", 0.10, 1.6), ("center", 0.05, 2.0)]
LOADED = ["stations_practiceunit", "accounts_user", "volunteers_volunteer", "events_event", "events_servicerecord"]
# Tables whose indexes and constraints are dropped for the load (the units table is small).
REBUILT = LOADED[1:]
ADMIN_PHONE, CENTER_MANAGER_PHONE = "19900000001", "19900000002"
INSTITUTE_MANAGER_PHONE, STATION_MANAGER_PHONE = "19900000003", "19900000004"
SMOKE_SIZES = {"stations": 200, "volunteers": 2000, "events": 2000, "records": 10_000}


@dataclasses.dataclass(frozen=True)
class Sizes:
    stations: int
    volunteers: int
    events: int
    records: int

    @property
    def institutes(self) -> int:
        return self.stations // STATIONS_PER_INSTITUTE

    @property
    def centers(self) -> int:
        return self.institutes // INSTITUTES_PER_CENTER

    def unit_id(self, level: str, index: int) -> int:
        """Centers first, then institutes, then stations, each in tree order."""
        return {"center": 1, "institute": 1 + self.centers, "station": 1 + self.centers + self.institutes}[
            level
        ] + index


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server-url", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server")
    parser.add_argument("--database", default="vol_bench")
    parser.add_argument("--generate", action="store_true", help="load the data unless loaded with the same sizes")
    parser.add_argument("--reload", action="store_true", help="with --generate: load again even if loaded")
    parser.add_argument("--rebuild-rollups", action="store_true", help="rebuild the rollups even if built")
    parser.add_argument("--no-timing", action="store_true", help="only generate")
    parser.add_argument("--stations", type=int, default=20_000)
    parser.add_argument("--volunteers", type=int, default=2_000_000)
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=7, help="timed runs per measure (default 7)")
    parser.add_argument("--csv-runs", type=int, default=5, help="timed runs of the CSV export (default 5)")
    parser.add_argument("--no-results-file", action="store_true", help="do not write " + str(RESULTS.name))
    parser.add_argument("--only", help="time only the measures whose label contains this (e.g. dashboard)")
    parser.add_argument(
        "--smoke", action="store_true", help="a tiny province in a throwaway database (vol_smoke), checked, timed once"
    )
    parser.add_argument("--serve-csv", action="store_true", help=argparse.SUPPRESS)  # internal: one export
    args = parser.parse_args()
    if args.smoke:
        if args.database == "vol_bench":
            args.database = "vol_smoke"
        vars(args).update(SMOKE_SIZES, generate=True, reload=True, runs=1, csv_runs=1, no_results_file=True)
    if args.stations % (STATIONS_PER_INSTITUTE * INSTITUTES_PER_CENTER):
        parser.error(f"--stations must be a multiple of {STATIONS_PER_INSTITUTE * INSTITUTES_PER_CENTER}")
    if args.volunteers < args.stations:
        parser.error("--volunteers must be at least --stations")
    return args


def database_url(args: argparse.Namespace) -> str:
    return f"{args.server_url}/{args.database}"


def environment(args: argparse.Namespace) -> dict:
    """The project's settings for a production-like process on the benchmark database."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url(args),
        DJANGO_SETTINGS_MODULE="backend.settings",
        DEBUG="false",
        SECRET_KEY="province-benchmark-" + "x" * 50,
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="0",
        THROTTLE_EXPORT="100000/hour",
        LOG_LEVEL="WARNING",
    )
    env.pop("REDIS_URL", None)
    return env


def manage(args: argparse.Namespace, *command: str) -> None:
    subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=environment(args), check=True)


# Generation ------------------------------------------------------------------------------


def connect(args: argparse.Namespace, database: str | None = None):
    import psycopg

    return psycopg.connect(f"{args.server_url}/{database or args.database}")


def ensure_database(args: argparse.Namespace) -> None:
    import psycopg

    with psycopg.connect(f"{args.server_url}/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.database]).fetchone():
            admin.execute(f'CREATE DATABASE "{args.database}"')
    with connect(args) as connection:
        connection.execute("CREATE SCHEMA IF NOT EXISTS bench")
        connection.execute("CREATE TABLE IF NOT EXISTS bench.meta (key text PRIMARY KEY, value jsonb NOT NULL)")


def get_meta(connection, key: str):
    """A value of bench.meta (a psycopg connection or a Django cursor, which hands jsonb over as text)."""
    row = connection.execute("SELECT value FROM bench.meta WHERE key = %s", [key]).fetchone()
    if row is None:
        return None
    return json.loads(row[0]) if isinstance(row[0], str) else row[0]


def set_meta(connection, key: str, value) -> None:
    connection.execute(
        "INSERT INTO bench.meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        [key, json.dumps(value)],
    )


def background(connection) -> None:
    """This session's server process runs at low priority on one core: the machine is shared."""
    pid = connection.execute("SELECT pg_backend_pid()").fetchone()[0]
    subprocess.run(["/usr/bin/renice", "-n", "10", "-p", str(pid)], capture_output=True, check=False)
    connection.execute("SET max_parallel_maintenance_workers = 0")
    connection.execute("SET maintenance_work_mem = '1GB'")
    connection.execute("SET work_mem = '256MB'")
    connection.execute("SET synchronous_commit = off")


def heavy_schema(connection) -> list[dict]:
    """Constraints and indexes of the loaded tables that slow a load, in the order to re-create them."""
    tables = REBUILT
    constraints = connection.execute(
        """
        SELECT c.conname, c.conrelid::regclass::text, c.contype, pg_get_constraintdef(c.oid)
        FROM pg_constraint c
        WHERE (c.conrelid = ANY(%s::regclass[]) AND c.contype IN ('p', 'u', 'x', 'f'))
           OR (c.confrelid = ANY(%s::regclass[]) AND c.contype = 'f')
        ORDER BY c.conname
        """,
        [tables, tables],
    ).fetchall()
    indexes = connection.execute(
        """
        SELECT i.indexrelid::regclass::text, i.indrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = ANY(%s::regclass[])
          AND NOT EXISTS (
              SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x')
          )
        ORDER BY 1
        """,
        [tables],
    ).fetchall()
    rank = {"p": 0, "u": 1, "i": 2, "x": 3, "f": 4}
    items = [
        {"kind": kind, "table": table, "name": name, "sql": f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'}
        for name, table, kind, definition in constraints
    ]
    items += [{"kind": "i", "table": table, "name": name, "sql": sql} for name, table, sql in indexes]
    return sorted(items, key=lambda item: rank[item["kind"]])


def drop_heavy_schema(connection) -> None:
    items = heavy_schema(connection)
    set_meta(connection, "dropped", items)  # in the same transaction as the drops
    for item in sorted(items, key=lambda item: item["kind"] != "f"):  # foreign keys first
        if item["kind"] == "i":
            connection.execute(f'DROP INDEX "{item["name"]}"')
        else:
            connection.execute(f'ALTER TABLE {item["table"]} DROP CONSTRAINT "{item["name"]}"')


def restore_heavy_schema(connection) -> None:
    """Re-create what the load dropped; each statement commits, so an interruption resumes."""
    items = get_meta(connection, "dropped") or []
    for item in items:
        exists = connection.execute(
            "SELECT 1 FROM pg_constraint WHERE conname = %s UNION ALL SELECT 1 FROM pg_class WHERE relname = %s",
            [item["name"], item["name"]],
        ).fetchone()
        if not exists:
            started = time.perf_counter()
            connection.execute(item["sql"])
            connection.commit()
            if (seconds := time.perf_counter() - started) >= 1:
                print(f"  {item['name']}: {seconds:.0f} s", flush=True)
    connection.execute("DELETE FROM bench.meta WHERE key = 'dropped'")
    connection.commit()


def filler(connection, table: str, columns: list[str]) -> tuple[list[str], str]:
    """Required columns the generator does not know (added by later migrations), with neutral values."""
    rows = connection.execute(
        """
        SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = %s AND is_nullable = 'NO' AND column_default IS NULL
          AND is_identity = 'NO'
        """,
        [table],
    ).fetchall()
    neutral = {
        "character varying": "",
        "text": "",
        "integer": "0",
        "smallint": "0",
        "bigint": "0",
        "numeric": "0",
        "boolean": "f",
        "timestamp with time zone": "2024-12-01 00:00:00+08",
        "date": "2024-12-01",
        "jsonb": "{}",
    }
    extra = [(name, neutral[kind]) for name, kind in rows if name not in columns and name != "id"]
    if extra:
        print(f"  {table}: filling {', '.join(name for name, _ in extra)}", flush=True)
    return [name for name, _ in extra], "".join("\t" + value for _, value in extra)


def copy_lines(connection, table: str, columns: list[str], lines) -> int:
    """COPY tab-separated lines (generated text never holds tabs, newlines or backslashes)."""
    extra_columns, suffix = filler(connection, table, columns)
    count = 0
    started = time.perf_counter()
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns + extra_columns)}) FROM STDIN") as copy,
    ):
        batch: list[str] = []
        for line in lines:
            batch.append(line + suffix)
            if len(batch) >= 20_000:
                copy.write(("\n".join(batch) + "\n").encode())
                count += len(batch)
                batch.clear()
        if batch:
            copy.write(("\n".join(batch) + "\n").encode())
            count += len(batch)
    print(f"  {table}: {count:,} rows in {time.perf_counter() - started:.0f} s", flush=True)
    return count


class Clock:
    """Local times as minutes since FIRST_DAY 00:00 (Asia/Shanghai), formatted for COPY."""

    BEFORE = 4 * 365  # registrations reach back before the first record

    def __init__(self) -> None:
        first = FIRST_DAY - datetime.timedelta(days=self.BEFORE)
        self.days = [(first + datetime.timedelta(days=d)).isoformat() for d in range(self.BEFORE + DAYS + 30)]

    def text(self, minute: int) -> str:
        day, rest = divmod(minute, 1440)
        return f"{self.days[day + self.BEFORE]} {rest // 60:02d}:{rest % 60:02d}:00+08"


def unit_rows(sizes: Sizes):
    now = "2024-06-01 00:00:00+08"
    for c in range(sizes.centers):
        unit = sizes.unit_id("center", c)
        yield f"{unit}\tcenter\t\\N\t{unit:08d}/\tC{unit}\t第{c + 1}县新时代文明实践中心\tt\t{now}\t{now}"
    for i in range(sizes.institutes):
        unit, parent = sizes.unit_id("institute", i), sizes.unit_id("center", i // INSTITUTES_PER_CENTER)
        name = f"第{i + 1}镇（街道）新时代文明实践所"
        yield f"{unit}\tinstitute\t{parent}\t{parent:08d}/{unit:08d}/\tI{unit}\t{name}\tt\t{now}\t{now}"
    for s in range(sizes.stations):
        unit, institute = sizes.unit_id("station", s), s // STATIONS_PER_INSTITUTE
        parent, center = (
            sizes.unit_id("institute", institute),
            sizes.unit_id("center", institute // INSTITUTES_PER_CENTER),
        )
        path = f"{center:08d}/{parent:08d}/{unit:08d}/"
        yield f"{unit}\tstation\t{parent}\t{path}\tS{unit}\t第{s + 1}村（社区）新时代文明实践站\tt\t{now}\t{now}"


def volunteer_rows(sizes: Sizes, rng: random.Random):
    from volunteers.id_numbers import check_character

    surnames, given = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华"
    clock = Clock()
    for n in range(sizes.volunteers):
        # Unique by construction: a birth day for each n modulo 20,000, a sequence number for the rest.
        birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=n % 20_000)
        sequence = n // 20_000 % 1000
        first17 = f"330102{birth:%Y%m%d}{sequence:03d}"
        registered = clock.text(rng.randrange(-3 * 365 * 1440, 0, 60))
        name = surnames[n % 20] + given[n // 20 % 20] + (given[n // 400 % 20] if n % 3 else "")
        yield (
            f"{n + 1}\t{n + 1}\t{registered[:4]}{n + 1:08d}\t{name}\tresident_id\t{first17}{check_character(first17)}\t"
            f"\t{'male' if sequence % 2 else 'female'}\t{birth}\t{sizes.unit_id('station', n % sizes.stations)}\t\t"
            f"active\t{registered}\t\t\t\t{registered}\t{registered}"
        )


VOLUNTEER_COLUMNS = [
    "id",
    "user_id",
    "number",
    "real_name",
    "id_type",
    "id_number",
    "national_number",
    "gender",
    "birth_date",
    "home_station_id",
    "political_status",
    "status",
    "consented_at",
    "guardian_name",
    "guardian_phone",
    "guardian_relation",
    "created_at",
    "updated_at",
]


def user_rows(sizes: Sizes):
    joined = "2023-01-01 00:00:00+08"
    for n in range(sizes.volunteers):
        yield f"{n + 1}\t!\tf\t13{n:09d}\t志愿者\tt\tf\t{joined}"
    yield f"{sizes.volunteers + 1}\t!\tt\t{ADMIN_PHONE}\t省级管理员\tt\tt\t{joined}"
    yield f"{sizes.volunteers + 2}\t!\tf\t{CENTER_MANAGER_PHONE}\t县中心管理员\tt\tt\t{joined}"


@dataclasses.dataclass
class EventPlan:
    """The events, sorted by start: unit level and index, start and end minute, attendance."""

    level: array.array
    unit: array.array
    start: array.array
    end: array.array
    category: array.array
    attendance: array.array


def plan_events(sizes: Sizes, rng: random.Random) -> EventPlan:
    counts = {"station": sizes.stations, "institute": sizes.institutes, "center": sizes.centers}
    raw = []
    for _ in range(sizes.events):
        pick, level = rng.random(), 0
        while level < len(EVENT_LEVELS) - 1 and pick >= sum(share for _, share, _ in EVENT_LEVELS[: level + 1]):
            level += 1
        start = rng.randrange(DAYS) * 1440 + rng.choice((8, 9, 9, 10, 14, 14, 15, 19)) * 60 + rng.choice((0, 0, 30))
        end = start + rng.choice((90, 120, 120, 180, 240))
        category = rng.randrange(len(CATEGORIES)) if rng.random() < 0.7 else 2  # environment is the common one
        raw.append((start, end, level, rng.randrange(counts[EVENT_LEVELS[level][0]]), category))
    raw.sort()
    weight = [EVENT_LEVELS[level][2] for _, _, level, _, _ in raw]
    base = sizes.records / sum(weight)
    attendance = array.array("l", (max(1, round(base * w * (0.5 + rng.random()))) for w in weight))
    # Exactly the records asked for: spread the rounding difference over random events.
    difference = sizes.records - sum(attendance)
    while difference:
        index = rng.randrange(len(attendance))
        step = 1 if difference > 0 else -1
        if attendance[index] + step >= 1:
            attendance[index] += step
            difference -= step
    return EventPlan(
        level=array.array("b", (item[2] for item in raw)),
        unit=array.array("l", (item[3] for item in raw)),
        start=array.array("l", (item[0] for item in raw)),
        end=array.array("l", (item[1] for item in raw)),
        category=array.array("b", (item[4] for item in raw)),
        attendance=attendance,
    )


def event_rows(sizes: Sizes, plan: EventPlan):
    clock = Clock()
    for n in range(sizes.events):
        level = EVENT_LEVELS[plan.level[n]][0]
        code, title = CATEGORIES[plan.category[n]]
        created = clock.text(plan.start[n] - 7 * 1440)
        yield (
            f"{n + 1}\t{sizes.unit_id(level, plan.unit[n])}\t{title}\t\t{code}\t社区居民\t新时代文明实践站广场\t"
            f"{clock.text(plan.start[n])}\t{clock.text(plan.end[n])}\tf\tt\t\t\t\t30\t60\t1\tfinished\tf\t"
            f"{created}\t{created}"
        )


EVENT_COLUMNS = [
    "id",
    "unit_id",
    "title",
    "description",
    "category",
    "recipients",
    "address",
    "starts_at",
    "ends_at",
    "signup_required",
    "approval_required",
    "lead_name",
    "recorder_name",
    "risk_notice",
    "checkin_opens_minutes",
    "checkout_closes_minutes",
    "rounding_minutes",
    "status",
    "walk_ins_allowed",
    "created_at",
    "updated_at",
]


def record_rows(sizes: Sizes, plan: EventPlan, rng: random.Random):
    """Records event by event in time order, so ids and check-in times rise together as in life.

    Attendees come from the organising unit's volunteers (an institute's event from four
    neighbouring stations, a center's from three institutes), a few regulars far more
    often than the rest. A volunteer is picked only if free since their last record
    ended, so no two records of one volunteer overlap (the exclusion constraint) and no
    volunteer has two records of one event; a place left empty passes to the next event.
    """
    clock = Clock()
    stations = sizes.stations
    busy_until = array.array("l", [-1]) * sizes.volunteers
    per_station = [len(range(s, sizes.volunteers, stations)) for s in range(stations)]
    record, owed = 0, 0
    for n in range(sizes.events):
        level, unit = plan.level[n], plan.unit[n]
        if level == 0:
            first, span = unit, 1
        elif level == 1:
            first = unit * STATIONS_PER_INSTITUTE + rng.randrange(STATIONS_PER_INSTITUTE - 3)
            span = 4
        else:
            institute = unit * INSTITUTES_PER_CENTER + rng.randrange(INSTITUTES_PER_CENTER - 2)
            first, span = institute * STATIONS_PER_INSTITUTE, 3 * STATIONS_PER_INSTITUTE
        start, end = plan.start[n], plan.end[n]
        wanted = plan.attendance[n] + owed
        made = tries = 0
        while made < wanted and tries < wanted * 8:
            tries += 1
            station = first + rng.randrange(span)
            volunteer = station + stations * int(per_station[station] * rng.random() ** 2)
            if busy_until[volunteer] > start:
                continue
            checked_in = start + rng.randrange(11)
            checked_out = end - rng.randrange(11)
            busy_until[volunteer] = checked_out
            record += 1
            made += 1
            reviewed = clock.text(checked_out + 1440)
            yield (
                f"{record}\t{clock.text(checked_in)}\t{clock.text(checked_out)}\tevent_qr\tapproved\t"
                f"{(checked_out - checked_in) / 60:.2f}\t\t\t\t{reviewed}\t{clock.text(checked_out)}\t{reviewed}\t"
                f"{n + 1}\t{volunteer + 1}"
            )
        owed = wanted - made
    if owed:
        print(f"  {owed} records could not be placed", flush=True)


RECORD_COLUMNS = [
    "id",
    "checked_in_at",
    "checked_out_at",
    "method",
    "status",
    "credited_hours",
    "flag",
    "reason",
    "reject_reason",
    "reviewed_at",
    "created_at",
    "updated_at",
    "event_id",
    "volunteer_id",
]


def load(connection, sizes: Sizes) -> None:
    """Empty the tables, drop the heavy schema and COPY the data, in the caller's transaction."""
    rng = random.Random(20261130)
    # Before the drops, so the cascade still sees every table that refers to these.
    connection.execute(f"TRUNCATE {', '.join(LOADED)} CASCADE")
    drop_heavy_schema(connection)
    copy_lines(
        connection,
        "stations_practiceunit",
        ["id", "level", "parent_id", "path", "code", "name", "is_active", "created_at", "updated_at"],
        unit_rows(sizes),
    )
    copy_lines(
        connection,
        "accounts_user",
        ["id", "password", "is_superuser", "phone", "name", "is_active", "is_staff", "date_joined"],
        user_rows(sizes),
    )
    connection.execute(
        "INSERT INTO stations_unitmanager (user_id, unit_id, created_at) VALUES (%s, %s, now())",
        [sizes.volunteers + 2, sizes.unit_id("center", 0)],
    )
    copy_lines(connection, "volunteers_volunteer", VOLUNTEER_COLUMNS, volunteer_rows(sizes, rng))
    started = time.perf_counter()
    plan = plan_events(sizes, rng)
    print(f"  events planned in {time.perf_counter() - started:.0f} s", flush=True)
    copy_lines(connection, "events_event", EVENT_COLUMNS, event_rows(sizes, plan))
    copy_lines(connection, "events_servicerecord", RECORD_COLUMNS, record_rows(sizes, plan, rng))
    for table in LOADED:
        connection.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def generate(args: argparse.Namespace, sizes: Sizes) -> None:
    ensure_database(args)
    with connect(args) as connection:
        background(connection)
        if get_meta(connection, "dropped"):
            print("restoring the schema of an interrupted load ...", flush=True)
            restore_heavy_schema(connection)
        loaded = get_meta(connection, "loaded")
        connection.commit()
    manage(args, "migrate", "-v0", "--skip-checks")
    with connect(args) as connection:
        background(connection)
        if loaded == dataclasses.asdict(sizes) and not args.reload:
            print(f"{args.database}: already loaded with these sizes", flush=True)
        else:
            print(f"loading {sizes} into {args.database} ...", flush=True)
            started = time.perf_counter()
            connection.execute("DELETE FROM bench.meta")
            load(connection, sizes)
            connection.commit()
            loaded_at = time.perf_counter()
            print("re-creating indexes and constraints ...", flush=True)
            restore_heavy_schema(connection)
            indexed_at = time.perf_counter()
            connection.autocommit = True
            connection.execute("VACUUM (ANALYZE) " + ", ".join(LOADED))
            connection.autocommit = False
            finished = time.perf_counter()
            phases = {
                "copy_seconds": round(loaded_at - started),
                "index_seconds": round(indexed_at - loaded_at),
                "vacuum_analyze_seconds": round(finished - indexed_at),
                "total_seconds": round(finished - started),
            }
            set_meta(connection, "loaded", dataclasses.asdict(sizes))
            set_meta(connection, "generation", phases)
            connection.commit()
            print(f"loaded: {phases}", flush=True)
        rebuild_rollups(args, connection)
        size = connection.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
        print(f"{args.database}: {size}", flush=True)


def rebuild_rollups(args: argparse.Namespace, connection) -> None:
    if not (ROOT / "reports" / "management" / "commands" / "rebuild_rollups.py").exists():
        print("no rebuild_rollups command yet: rollups not built", flush=True)
        return
    done = get_meta(connection, "rollups")
    connection.commit()
    if done and not args.rebuild_rollups:
        return
    started = time.perf_counter()
    manage(args, "rebuild_rollups")
    seconds = time.perf_counter() - started
    connection.autocommit = True
    # As autovacuum would soon: statistics, and visibility for index-only scans of the new rows.
    connection.execute("VACUUM (ANALYZE)")
    connection.autocommit = False
    set_meta(connection, "rollups", {"rebuild_seconds": round(seconds)})
    connection.commit()
    print(f"rollups rebuilt in {seconds:.0f} s", flush=True)


# Timing ----------------------------------------------------------------------------------

STAR = (
    "CASE WHEN h >= 1500 THEN 5 WHEN h >= 1000 THEN 4 WHEN h >= 600 THEN 3 "
    "WHEN h >= 300 THEN 2 WHEN h >= 100 THEN 1 ELSE 0 END"
)


def year_bounds() -> tuple[datetime.datetime, datetime.datetime]:
    zone = datetime.timezone(datetime.timedelta(hours=8))
    return datetime.datetime(YEAR, 1, 1, tzinfo=zone), datetime.datetime(YEAR + 1, 1, 1, tzinfo=zone)


def raw_summary(center_path: str | None) -> tuple[str, dict]:
    """The year summary by hand on the raw records, one pass over them: registered volunteers,
    volunteers who served in the year, their hours, those reaching the target, star levels
    (lifetime hours, wherever served), events held."""
    start, end = year_bounds()
    params = {"start": start, "end": end, "like": (center_path or "") + "%"}
    registered = "SELECT v.id FROM volunteers_volunteer v WHERE v.created_at < %(end)s"
    records = "events_servicerecord r WHERE r.status = 'approved'"
    in_year = "r.checked_in_at >= %(start)s AND r.checked_in_at < %(end)s"
    events = "events_event e WHERE"
    if center_path:
        registered = (
            "SELECT v.id FROM volunteers_volunteer v JOIN stations_practiceunit s ON s.id = v.home_station_id"
            " WHERE s.path LIKE %(like)s AND v.created_at < %(end)s"
        )
        records = (
            "events_servicerecord r JOIN volunteers_volunteer v ON v.id = r.volunteer_id"
            " JOIN stations_practiceunit s ON s.id = v.home_station_id"
            " JOIN events_event e ON e.id = r.event_id JOIN stations_practiceunit eu ON eu.id = e.unit_id"
            " WHERE r.status = 'approved' AND s.path LIKE %(like)s"
        )
        in_year += " AND eu.path LIKE %(like)s"
        events = "events_event e JOIN stations_practiceunit u ON u.id = e.unit_id WHERE u.path LIKE %(like)s AND"
    sql = f"""
        WITH registered AS ({registered}),
        per_volunteer AS (
            SELECT r.volunteer_id, sum(r.credited_hours) AS lifetime,
                   sum(r.credited_hours) FILTER (WHERE {in_year}) AS year_hours
            FROM {records} GROUP BY r.volunteer_id
        )
        SELECT
            (SELECT count(*) FROM registered),
            (SELECT count(year_hours) FROM per_volunteer),
            (SELECT sum(year_hours) FROM per_volunteer),
            (SELECT count(*) FROM per_volunteer WHERE year_hours >= 25),
            (SELECT array_agg(n ORDER BY star) FROM (
                SELECT {STAR.replace("h >=", "coalesce(lifetime, 0) >=")} AS star, count(*) AS n
                FROM registered LEFT JOIN per_volunteer ON per_volunteer.volunteer_id = registered.id GROUP BY 1
            ) stars),
            (SELECT count(*) FROM {events} e.starts_at >= %(start)s AND e.starts_at < least(%(end)s, now())
                AND e.status IN ('published', 'finished'))
    """
    return sql, params


def raw_by_station(center_path: str | None, limit: int | None) -> tuple[str, list]:
    where, params = "r.status = 'approved'", []
    if center_path:
        where += " AND s.path LIKE %s"
        params.append(center_path + "%")
    sql = (
        "SELECT s.id, s.name, i.name, sum(r.credited_hours), count(*) FROM events_servicerecord r "
        "JOIN volunteers_volunteer v ON v.id = r.volunteer_id JOIN stations_practiceunit s ON s.id = v.home_station_id "
        f"JOIN stations_practiceunit i ON i.id = s.parent_id WHERE {where} GROUP BY s.id, s.name, i.name, s.path "
        "ORDER BY s.path"
    )
    if limit:
        sql += f" LIMIT {limit}"
    return sql, params


DASHBOARD_MONTH = datetime.date(YEAR, 11, 1)


def raw_dashboard(center_path: str | None) -> tuple[str, list]:
    """The dashboard's figures per station by hand on the raw records: hours of the month and
    the year, volunteers active in 12 months and reaching the annual target, registered
    volunteers, events held, records overdue; rows for every unit in scope."""
    zone = datetime.timezone(datetime.timedelta(hours=8))
    month = datetime.datetime.combine(DASHBOARD_MONTH, datetime.time.min, tzinfo=zone)
    month_end = datetime.datetime(YEAR, 12, 1, tzinfo=zone)
    year_start = month.replace(month=1)
    since = datetime.datetime(YEAR - 1, 12, 1, tzinfo=zone)
    like = (center_path or "") + "%"
    scope = ""
    if center_path:
        scope = (
            "JOIN stations_practiceunit s ON s.id = v.home_station_id AND s.path LIKE %(like)s "
            "JOIN events_event e ON e.id = r.event_id "
            "JOIN stations_practiceunit eu ON eu.id = e.unit_id AND eu.path LIKE %(like)s"
        )
    sql = f"""
        WITH served AS (
            SELECT v.home_station_id AS station, r.volunteer_id,
                   sum(r.credited_hours) FILTER (WHERE r.checked_in_at >= %(month)s) AS month_hours,
                   sum(r.credited_hours) FILTER (WHERE r.checked_in_at >= %(year_start)s) AS year_hours,
                   bool_or(r.checked_in_at >= %(since)s) AS active
            FROM events_servicerecord r
            JOIN volunteers_volunteer v ON v.id = r.volunteer_id {scope}
            WHERE r.status = 'approved' AND r.checked_in_at >= least(%(since)s, %(year_start)s)
              AND r.checked_in_at < %(month_end)s
            GROUP BY v.home_station_id, r.volunteer_id
        ),
        hours AS (
            SELECT station, sum(month_hours) AS month_hours, sum(year_hours) AS year_hours,
                   count(*) FILTER (WHERE active) AS active, count(*) FILTER (WHERE year_hours >= 25) AS reaching
            FROM served GROUP BY station
        ),
        registered AS (
            SELECT home_station_id AS station, count(*) AS n FROM volunteers_volunteer
            WHERE created_at < %(month_end)s AND (closed_at IS NULL OR closed_at >= %(month_end)s) GROUP BY 1
        ),
        held AS (
            SELECT unit_id, count(*) AS n FROM events_event
            WHERE status IN ('published', 'finished') AND starts_at >= %(month)s AND starts_at < %(month_end)s
            GROUP BY 1
        ),
        overdue AS (
            SELECT e.unit_id, count(*) AS n FROM events_servicerecord r JOIN events_event e ON e.id = r.event_id
            WHERE r.status IN ('open', 'pending') AND e.ends_at < %(month)s GROUP BY 1
        )
        SELECT u.id, u.path, h.month_hours, h.year_hours, h.active, h.reaching, g.n, d.n, o.n
        FROM stations_practiceunit u
        LEFT JOIN hours h ON h.station = u.id LEFT JOIN registered g ON g.station = u.id
        LEFT JOIN held d ON d.unit_id = u.id LEFT JOIN overdue o ON o.unit_id = u.id
        WHERE u.is_active AND u.path LIKE %(like)s ORDER BY u.path
    """
    params = {"month": month, "month_end": month_end, "year_start": year_start, "since": since, "like": like}
    return sql, params


RAW_VOLUNTEER_CSV = (
    "SELECT number, real_name, masked, station, h, n, " + STAR.replace("h >=", "l >=") + " FROM ("
    "SELECT v.number, v.real_name, left(v.id_number, 6) || '********' || substr(v.id_number, 15) AS masked,"
    " s.name AS station, sum(r.credited_hours) AS h, count(*) AS n,"
    " sum(sum(r.credited_hours)) OVER (PARTITION BY v.id) AS l"
    " FROM events_servicerecord r JOIN volunteers_volunteer v ON v.id = r.volunteer_id"
    " JOIN stations_practiceunit s ON s.id = v.home_station_id WHERE r.status = 'approved'"
    " GROUP BY v.id, v.number, v.real_name, v.id_number, s.name) t ORDER BY number"
)


def setup_django(args: argparse.Namespace) -> None:
    os.environ.update(environment(args))
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


def median_ms(function, runs: int) -> tuple[float, int, object]:
    """Median milliseconds of ``runs`` calls after a warm-up, the runs made (a call of over
    10 s, a raw aggregate over millions of records, is repeated only 3 times) and the last answer."""
    started = time.perf_counter()
    answer = function()  # warm-up
    if time.perf_counter() - started > 10:
        runs = min(runs, 3)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        answer = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, runs, answer


def endpoint(client, path: str, params: dict):
    def call():
        response = client.get(path, params)
        if response.status_code != 200:
            raise SystemExit(f"{path} {params}: HTTP {response.status_code} {response.content[:300]!r}")
        return response

    return call


def raw(sql: str, params: list | dict):
    from django.db import connection

    def call():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return call


@dataclasses.dataclass
class Row:
    label: str
    endpoint_ms: float | None
    raw_ms: float
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return None if self.endpoint_ms is None else self.endpoint_ms / self.raw_ms

    @property
    def verdict(self) -> str:
        if self.endpoint_ms is None:
            return "not available"
        return "met" if self.endpoint_ms < 200 and self.ratio <= 1 / 20 else "MISSED"


def manager_of(phone: str, unit):
    """A manager appointed to ``unit`` (created on the first run: the load makes only the center's)."""
    from accounts.models import User
    from stations.models import UnitManager

    user = User.objects.filter(phone=phone).first() or User.objects.create_user(phone, None, name="管理员")
    UnitManager.objects.get_or_create(user=user, unit=unit)
    return user


def time_queries(args: argparse.Namespace) -> list[Row]:
    from django.db.models import Count, Q
    from django.test import Client

    from accounts.models import User
    from stations.models import Level, PracticeUnit

    center = PracticeUnit.objects.get(manager_roles__user__phone=CENTER_MANAGER_PHONE)
    institute = PracticeUnit.objects.filter(parent=center).order_by("path").first()
    zone = datetime.timezone(datetime.timedelta(hours=8))
    month_start = datetime.datetime.combine(DASHBOARD_MONTH, datetime.time.min, tzinfo=zone)
    month_end = datetime.datetime(YEAR, 12, 1, tzinfo=zone)
    # The center's station with the most events in the month: a station's dashboard with something in it.
    station = (
        PracticeUnit.objects.subtree_of(center)
        .filter(level=Level.STATION)
        .annotate(held=Count("events", filter=Q(events__starts_at__gte=month_start, events__starts_at__lt=month_end)))
        .order_by("-held", "path")
        .first()
    )
    clients = {}
    for name, user in [
        ("admin", User.objects.get(phone=ADMIN_PHONE)),
        ("center", User.objects.get(phone=CENTER_MANAGER_PHONE)),
        ("institute", manager_of(INSTITUTE_MANAGER_PHONE, institute)),
        ("station", manager_of(STATION_MANAGER_PHONE, station)),
    ]:
        clients[name] = Client()
        clients[name].force_login(user)
    admin, manager = clients["admin"], clients["center"]
    year = {"year": YEAR}
    month = {"month": DASHBOARD_MONTH.strftime("%Y-%m")}
    dashboard = "/api/v1/reports/dashboard/"
    cases = [
        ("summary, whole province (admin)", admin, "/api/v1/stats/summary/", year, raw_summary(None)),
        ("summary, one center (its manager)", manager, "/api/v1/stats/summary/", year, raw_summary(center.path)),
        (
            "hours by station, first page (admin)",
            admin,
            "/api/v1/stats/hours/",
            {"group_by": "station"},
            raw_by_station(None, 20),
        ),
        (
            "hours by station, whole center (its manager)",
            manager,
            "/api/v1/stats/hours/",
            {"group_by": "station", "page_size": 200},
            raw_by_station(center.path, None),
        ),
        ("dashboard, whole province (admin)", admin, dashboard, month, raw_dashboard(None)),
        ("dashboard, one center (its manager)", manager, dashboard, month, raw_dashboard(center.path)),
        (
            "dashboard, one institute (its manager)",
            clients["institute"],
            dashboard,
            month,
            raw_dashboard(institute.path),
        ),
        ("dashboard, one station (its manager)", clients["station"], dashboard, month, raw_dashboard(station.path)),
    ]
    rows, problems = [], []
    for label, client, path, params, (sql, sql_params) in cases:
        if args.only and args.only not in label:
            continue
        raw_ms, raw_runs, raw_answer = median_ms(raw(sql, sql_params), args.runs)
        endpoint_ms, _runs, response = median_ms(endpoint(client, path, params), args.runs)
        rows.append(Row(label, endpoint_ms, raw_ms, f"raw: median of {raw_runs}" if raw_runs < args.runs else ""))
        problems += [f"{label}: {problem}" for problem in compare(path, response.json(), raw_answer)]
        print(f"  {label}: endpoint {endpoint_ms:.0f} ms, raw {raw_ms:.0f} ms", flush=True)
    if problems:
        raise SystemExit("answers differ from the raw queries' or are empty:\n  " + "\n  ".join(problems))
    print("  every answer equals its raw query's, none empty", flush=True)
    return rows


def compare(path: str, answer: dict, raw_rows: list[tuple]) -> list[str]:
    """How an endpoint's answer differs from its raw query's, and what of it is empty."""
    if "summary" in path:
        return compare_summary(answer, raw_rows[0])
    if "hours" in path:
        return compare_hours(answer, raw_rows)
    return compare_dashboard(answer, raw_rows)


def differences(pairs: dict[str, tuple[object, object]], wanted: tuple[str, ...]) -> list[str]:
    found = [f"{name}: endpoint {mine}, raw {theirs}" for name, (mine, theirs) in pairs.items() if mine != theirs]
    return found + [f"{name} is empty" for name in wanted if not pairs[name][0]]


def compare_summary(answer: dict, raw_row: tuple) -> list[str]:
    from decimal import Decimal

    registered, active, hours, reaching, stars, events = raw_row
    pairs = {
        "registered volunteers": (answer["registered_volunteers"], registered),
        "active volunteers": (answer["active_volunteers"], active),
        "hours": (Decimal(answer["total_hours"]), hours or Decimal(0)),
        "volunteers reaching the target": (answer["volunteers_reaching_target"], reaching),
        "events held": (answer["events_held"], events),
        # The raw query lists only the star levels reached, from 0 up.
        "star levels": ([n for n in answer["star_levels"].values() if n], list(stars)),
    }
    return differences(pairs, ("registered volunteers", "active volunteers", "hours", "events held"))


def compare_hours(answer: dict, raw_rows: list[tuple]) -> list[str]:
    from decimal import Decimal

    mine = [(row["station_id"], Decimal(row["hours"]), row["records"]) for row in answer["results"]]
    theirs = [(station, hours, records) for station, _name, _institute, hours, records in raw_rows]
    return differences({"stations, hours and records": (mine, theirs)}, ("stations, hours and records",))


def compare_dashboard(answer: dict, raw_rows: list[tuple]) -> list[str]:
    """The dashboard's numerators and denominators against the raw per-unit figures, summed."""
    from decimal import Decimal

    from django.conf import settings

    from stations.models import PATH_STEP

    indicators = {item["key"]: item for item in answer["indicators"]}

    def figure(key: str, part: str) -> Decimal | None:
        value = indicators[key][part]
        return None if value is None else Decimal(value)

    stations = [row for row in raw_rows if len(row[1]) == 3 * PATH_STEP]
    total = [sum((row[column] or 0 for row in raw_rows), Decimal(0)) for column in range(2, 9)]
    _month_hours, year_hours, active, reaching, registered, held, overdue = total
    with_hours = sum(1 for row in stations if row[2])
    busy = sum(1 for row in stations if (row[7] or 0) >= settings.ACTIVE_STATION_MIN_EVENTS)
    pairs = {
        "registered volunteers": (figure("registered-volunteers", "numerator"), registered),
        "active volunteers": (figure("active-volunteers", "numerator"), active),
        "hours of the year": (figure("hours-per-volunteer", "numerator"), year_hours),
        "volunteers reaching the target": (figure("volunteers-reaching-target", "numerator"), reaching),
        "stations": (figure("active-stations", "denominator"), len(stations)),
        "stations with events": (figure("active-stations", "numerator"), busy),
        "events held": (figure("documented-events", "denominator"), held),
        "stations without hours": (figure("zero-hour-units", "numerator"), len(stations) - with_hours),
        "overdue records": (figure("overdue-records", "numerator"), overdue),
    }
    return differences(
        pairs, ("registered volunteers", "active volunteers", "hours of the year", "stations", "events held")
    )


def serve_csv() -> None:
    """In a fresh subprocess: one per-volunteer CSV export; prints seconds, bytes, peak RSS (MB)."""
    from django.test import Client

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(phone=ADMIN_PHONE))
    # A serving process is warm: URLs, views and translations loaded by an earlier request.
    client.get("/api/v1/stats/hours/", {"group_by": "center", "date_from": "2000-01-01", "date_to": "2000-01-01"})
    started = time.perf_counter()
    response = client.get("/api/v1/stats/hours/", {"group_by": "volunteer", "format": "csv"})
    if response.status_code != 200:
        raise SystemExit(f"HTTP {response.status_code} {response.content[:300]!r}")
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    elapsed = time.perf_counter() - started
    print(f"{elapsed:.3f} {size} {peak_rss_mb():.1f} {lines}")


def raw_copy_seconds() -> tuple[float, int, int]:
    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cursor:
        # The endpoint's export session settings.
        cursor.execute(
            "SELECT set_config('work_mem', %s, false), set_config('jit', 'off', false)", [settings.STATS_WORK_MEM]
        )
    started = time.perf_counter()
    size = lines = 0
    sink = io.BytesIO()
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY ({RAW_VOLUNTEER_CSV}) TO STDOUT WITH (FORMAT csv)") as copy,
    ):
        for data in copy:
            size += len(data)
            lines += bytes(data).count(b"\n")
            sink.write(data)
            if sink.tell() > 1 << 24:
                sink.seek(0)
                sink.truncate()
    with connection.cursor() as cursor:
        cursor.execute("RESET work_mem; RESET jit")
    return time.perf_counter() - started, size, lines


def time_csv(args: argparse.Namespace) -> dict:
    command = [sys.executable, __file__, "--serve-csv", "--server-url", args.server_url, "--database", args.database]
    raw_times, served, peaks = [], [], []
    raw_copy_seconds()  # warm-up: the same pages in the cache for both
    for _ in range(args.csv_runs):
        seconds, raw_size, raw_lines = raw_copy_seconds()
        raw_times.append(seconds)
        out = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT).stdout.split()
        served.append(float(out[0]))
        peaks.append(float(out[2]))
        # The export's rows are the raw query's, under a header line; none is an empty export.
        if int(out[3]) != raw_lines + 1 or not raw_lines:
            raise SystemExit(f"CSV: the export has {int(out[3]) - 1:,} rows, the raw COPY {raw_lines:,}")
        print(
            f"  CSV: endpoint {served[-1]:.1f} s ({int(out[1]):,} bytes, {peaks[-1]:.0f} MB), "
            f"raw COPY {seconds:.1f} s ({raw_size:,} bytes)",
            flush=True,
        )
    return {"endpoint": statistics.median(served), "raw": statistics.median(raw_times), "peak_mb": max(peaks)}


def report(args: argparse.Namespace, sizes: Sizes, rows: list[Row], csv: dict | None) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        generation = get_meta(cursor, "generation")
        rollups = get_meta(cursor, "rollups")
        cursor.execute("SELECT count(*) FROM events_servicerecord WHERE status = 'approved'")
        approved = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database())), version(), current_setting('jit')")
        size, version, jit = cursor.fetchone()
    lines = [
        f"Province-scale statistics benchmark ({datetime.date.today()}, {platform.node()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[1]:.1f} over the last 5 minutes)",
        f"{version.split(',')[0]}; database {args.database}, {size}; JIT {jit} for endpoints and raw queries alike",
        f"data: {sizes.centers:,} centers, {sizes.institutes:,} institutes, {sizes.stations:,} stations, "
        f"{sizes.volunteers:,} volunteers, {sizes.events:,} events, {approved:,} approved records "
        f"({FIRST_DAY} to {FIRST_DAY + datetime.timedelta(days=DAYS - 1)})",
        (
            f"generation: {generation['total_seconds']} s (COPY {generation['copy_seconds']} s, indexes and "
            f"constraints {generation['index_seconds']} s, VACUUM ANALYZE {generation['vacuum_analyze_seconds']} s)"
            if generation
            else "generation: not recorded"
        )
        + "; rollup rebuild: "
        + (f"{rollups['rebuild_seconds']} s" if rollups else "not run"),
        f"median of {args.runs} runs after a warm-up; summary year {YEAR}; "
        "targets: endpoint < 200 ms and <= 1/20 of the raw query",
        "",
    ]
    width = max(len(row.label) for row in rows) if rows else 20
    lines.append(f"{'measure'.ljust(width)}  {'endpoint ms':>12}  {'raw SQL ms':>11}  {'ratio':>7}  verdict")
    lines.append(f"{'-' * width}  {'-' * 12}  {'-' * 11}  {'-' * 7}  -------")
    for row in rows:
        endpoint_text = "-" if row.endpoint_ms is None else f"{row.endpoint_ms:.1f}"
        raw_text = "-" if row.raw_ms != row.raw_ms else f"{row.raw_ms:.1f}"
        ratio_text = "-" if row.ratio is None else f"1/{1 / row.ratio:.0f}" if row.ratio < 1 else f"{row.ratio:.2f}"
        note = f" ({row.note})" if row.note else ""
        lines.append(
            f"{row.label.ljust(width)}  {endpoint_text:>12}  {raw_text:>11}  {ratio_text:>7}  {row.verdict}{note}"
        )
    if csv:
        ratio = csv["endpoint"] / csv["raw"]
        ok = ratio <= 1.5 and csv["peak_mb"] < 150
        lines += [
            "",
            f"CSV per volunteer, whole province (median of {args.csv_runs}; targets: <= 1.5x raw COPY, < 150 MB)",
            f"  endpoint {csv['endpoint']:.1f} s, raw COPY {csv['raw']:.1f} s, ratio {ratio:.2f}, "
            f"endpoint peak RSS {csv['peak_mb']:.0f} MB: {'met' if ok else 'MISSED'}",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    args = parse_args()
    sizes = Sizes(args.stations, args.volunteers, args.events, args.records)
    if args.serve_csv:
        setup_django(args)
        serve_csv()
        return
    if args.generate:
        generate(args, sizes)
        if args.no_timing:
            return
    setup_django(args)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench.meta')")
        loaded = cursor.fetchone()[0] and get_meta(cursor, "loaded")
    if loaded != dataclasses.asdict(sizes):
        raise SystemExit(f"{args.database} does not hold these sizes: run with --generate first")
    print("timing ...", flush=True)
    try:
        rows = time_queries(args)
        csv = time_csv(args) if args.csv_runs else None
        text = report(args, sizes, rows, csv)
    finally:
        if args.smoke:
            drop_database(args)
    print("\n" + text)
    if not args.no_results_file:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(text)


def drop_database(args: argparse.Namespace) -> None:
    """The smoke's throwaway database, once this process no longer holds it."""
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{args.server_url}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.database}"')


if __name__ == "__main__":
    main()
