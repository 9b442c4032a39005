"""Export benchmark: hours CSV through the real endpoint against raw COPY, on PostgreSQL.

Loads approved service records (default 1,000,000: 50,000 volunteers at 500
stations, two years of events) into its own database with COPY, rebuilds the
rollups as an operator does after a bulk load (``manage.py rebuild_rollups``),
then for each group_by streams the CSV through /api/v1/stats/hours/ (Django's
test client, in a fresh subprocess per export so its peak memory is its own) and
runs the equivalent hand-written ``COPY (SELECT ... GROUP BY ...) TO STDOUT``,
alternating the two ``--runs`` times. Prints the medians, their ratio, the
serving process's peak RSS and the load average.

    .venv/bin/python benchmarks/export.py [--records 1000000] [--runs 3] [--reload]
    .venv/bin/python benchmarks/export.py --smoke     # seconds: a few hundred records, answers checked

It creates its own database, volunteers_bench, on the PostgreSQL server of
--server-url and leaves it for repeated runs (--reload loads afresh); nothing
else is touched.

``--smoke`` loads a few hundred records into a throwaway database (created and
dropped), and for every grouping compares the endpoint's CSV with the raw COPY's
rows, parsed (numbers as numbers, rows in order): a grouping whose answer differs,
or is empty, ends the run with exit status 1. So the benchmark can never time an
empty or a wrong answer (groupings served from rollups that were never rebuilt).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import os
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from memory import peak_rss_mb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GROUPS = [
    "volunteer",
    "station",
    "institute",
    "center",
    "team",
    "category",
    "month",
    "station,month",
    "volunteer,month",
]
EVENTS_PER_STATION, RECORDS_PER_VOLUNTEER = 100, 20
# Each station's events lie in their own slots of two years, so no two of them overlap and a
# volunteer (who serves only at their home station) is never in two places at once: the
# overlap exclusion constraint accepts every record.
SLOT_HOURS = 730 * 24 // EVENTS_PER_STATION
EVENT_HOURS = 4
CATEGORIES = ["theory", "civility", "environment", "elderly_disabled", "minors", "culture", "health"]
START = datetime.datetime(2025, 1, 1, 1, 0, tzinfo=datetime.UTC)
ADMIN_PHONE = "13899999999"


@dataclass(frozen=True)
class Sizes:
    records: int
    stations: int

    @property
    def volunteers(self) -> int:
        return max(-(-self.records // RECORDS_PER_VOLUNTEER), self.stations)

    @property
    def institutes(self) -> int:
        return max(1, self.stations // 10)

    @property
    def centers(self) -> int:
        return max(1, self.stations // 100)


# What a careful engineer would write by hand: the same columns, grouped and sorted.
STAR = (
    "CASE WHEN l >= 1500 THEN 5 WHEN l >= 1000 THEN 4 WHEN l >= 600 THEN 3 "
    "WHEN l >= 300 THEN 2 WHEN l >= 100 THEN 1 ELSE 0 END"
)
JOINS = (
    "FROM events_servicerecord r JOIN volunteers_volunteer v ON v.id = r.volunteer_id "
    "JOIN stations_practiceunit s ON s.id = v.home_station_id "
    "JOIN stations_practiceunit i ON i.id = s.parent_id JOIN stations_practiceunit c ON c.id = i.parent_id "
)
MONTH = "to_char(date_trunc('month', r.checked_in_at AT TIME ZONE 'Asia/Shanghai'), 'YYYY-MM')"


def raw_sql(group_by: str) -> str:
    where = "WHERE r.status = 'approved'"
    if group_by in ("volunteer", "volunteer,month"):
        month = f", {MONTH} AS m" if group_by == "volunteer,month" else ""
        keys = "v.id, v.number, v.real_name, v.id_number, s.name" + (", m" if month else "")
        return (
            f"SELECT number, real_name, masked, station{', m' if month else ''}, h, n, {STAR} FROM ("
            f"SELECT v.number, v.real_name, left(v.id_number, 6) || '********' || substr(v.id_number, 15) AS masked,"
            f" s.name AS station{month}, sum(r.credited_hours) AS h, count(*) AS n,"
            f" sum(sum(r.credited_hours)) OVER (PARTITION BY v.id) AS l "
            f"{JOINS}{where} GROUP BY {keys}) t ORDER BY number{', m' if month else ''}"
        )
    select = {
        "station": ("s.name, i.name", "s.id, s.name, i.name, s.path", "s.path"),
        "institute": ("i.name, c.name", "i.id, i.name, c.name, i.path", "i.path"),
        "center": ("c.name", "c.id, c.name, c.path", "c.path"),
        "month": (f"{MONTH}", "1", "1"),
        "station,month": (f"s.name, i.name, {MONTH}", f"s.id, s.name, i.name, s.path, {MONTH}", f"s.path, {MONTH}"),
    }
    if group_by == "team":
        return (
            "SELECT t.name, tu.name, sum(r.credited_hours), count(*) "
            "FROM events_servicerecord r JOIN volunteers_team_members tm ON tm.volunteer_id = r.volunteer_id "
            "JOIN volunteers_team t ON t.id = tm.team_id JOIN stations_practiceunit tu ON tu.id = t.unit_id "
            f"{where} GROUP BY t.id, t.name, tu.name, tu.path ORDER BY tu.path, t.name, t.id"
        )
    if group_by == "category":
        return (
            "SELECT e.category, sum(r.credited_hours), count(*) FROM events_servicerecord r "
            f"JOIN events_event e ON e.id = r.event_id {where} GROUP BY e.category ORDER BY e.category"
        )
    columns, keys, order = select[group_by]
    if group_by == "month":
        return f"SELECT {MONTH}, sum(r.credited_hours), count(*) {JOINS}{where} GROUP BY 1 ORDER BY 1"
    return f"SELECT {columns}, sum(r.credited_hours), count(*) {JOINS}{where} GROUP BY {keys} ORDER BY {order}"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-url", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server")
    parser.add_argument("--database", default="volunteers_bench")
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--stations", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3, help="alternating endpoint/COPY rounds; medians are shown")
    parser.add_argument("--reload", action="store_true", help="Drop and load the data again.")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes in a throwaway database, answers checked")
    parser.add_argument("--groups", default=";".join(GROUPS), help="group_by values, separated by ';'")
    parser.add_argument(
        "--records-path",
        action="store_true",
        help="ask for a period of every record that starts and ends inside a month, which the rollups cannot answer",
    )
    parser.add_argument("--serve", help=argparse.SUPPRESS)  # internal: one export in a subprocess
    return parser.parse_args()


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    os.environ["THROTTLE_EXPORT"] = "100000/hour"
    # One request log line per export would not change the timings; it would only clutter the table.
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def admin_connection(server_url: str):
    import psycopg

    return psycopg.connect(f"{server_url}/postgres", autocommit=True)


def ensure_database(server_url: str, database: str, *, fresh: bool) -> None:
    with admin_connection(server_url) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if exists and fresh:
            admin.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
            exists = None
        if not exists:
            admin.execute(f'CREATE DATABASE "{database}"')


def drop_database(server_url: str, database: str) -> None:
    with admin_connection(server_url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def copy_model(cursor, model, columns: list[str], rows) -> None:
    """COPY ``rows`` (values of ``columns``) into the model's table.

    Every other NOT NULL column gets the model's default, so a column added since this
    was written (with a default, as migrations need) cannot break the load; one without a
    default stops it here, named.
    """
    from django.db import connection
    from django.db.models import NOT_PROVIDED

    meta = model._meta
    extra_columns, extra_values = [], []
    for field in meta.concrete_fields:
        if field.column in columns or field.null or field.primary_key or field.db_default is not NOT_PROVIDED:
            continue
        value = field.get_default()
        if value is None:
            raise SystemExit(f"{meta.db_table}.{field.column} is NOT NULL without a default: fill it in {__file__}")
        extra_columns.append(field.column)
        extra_values.append(field.get_db_prep_save(value, connection))
    extra = tuple(extra_values)
    with cursor.copy(f"COPY {meta.db_table} ({', '.join([*columns, *extra_columns])}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row((*row, *extra))


def id_number(n: int) -> str:
    from volunteers.id_numbers import check_character

    birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=n % 15_000)
    first17 = f"110105{birth:%Y%m%d}{n // 15_000 % 1000:03d}"
    return first17 + check_character(first17)


def load(sizes: Sizes) -> None:
    """Bulk-load units, users, volunteers, teams, events and approved records with COPY, then the rollups."""
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import User
    from events.models import Event, ServiceRecord
    from stations.models import PracticeUnit
    from volunteers.models import Team, Volunteer

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM events_servicerecord")
        if cursor.fetchone()[0] == sizes.records:
            return
    print(f"loading {sizes.records:,} records ...", flush=True)
    started = time.perf_counter()
    rng = random.Random(42)
    stations, volunteers = sizes.stations, sizes.volunteers
    first_institute = 1 + sizes.centers
    first_station = first_institute + sizes.institutes
    now = datetime.datetime.now(datetime.UTC)
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor
        cursor.execute(
            "TRUNCATE events_servicerecord, events_event, volunteers_team_members, volunteers_team, "
            "volunteers_volunteer, stations_practiceunit, accounts_user CASCADE"
        )
        units, paths = [], {}
        for c in range(sizes.centers):
            center = 1 + c
            paths[center] = f"{center:08d}/"
            units.append((center, "center", None, paths[center], f"C{center}", f"第{c + 1}县新时代文明实践中心"))
        for n in range(sizes.institutes):
            institute, center = first_institute + n, 1 + n * sizes.centers // sizes.institutes
            paths[institute] = f"{paths[center]}{institute:08d}/"
            units.append((institute, "institute", center, paths[institute], f"I{institute}", f"第{n + 1}街道实践所"))
        for n in range(stations):
            station, institute = first_station + n, first_institute + n * sizes.institutes // stations
            path = f"{paths[institute]}{station:08d}/"
            units.append((station, "station", institute, path, f"S{station}", f"第{n + 1}社区实践站"))
        copy_model(
            cursor,
            PracticeUnit,
            ["id", "level", "parent_id", "path", "code", "name", "created_at", "updated_at"],
            ((*unit, now, now) for unit in units),
        )
        admin_id = volunteers + 1
        copy_model(
            cursor,
            User,
            ["id", "password", "phone", "name", "is_active", "is_staff", "is_superuser", "date_joined"],
            [(n + 1, "!", f"137{n:08d}", "志愿者", True, False, False, now) for n in range(volunteers)]
            + [(admin_id, "!", ADMIN_PHONE, "管理员", True, True, True, now)],
        )
        surnames, given = "王李张刘陈杨黄赵吴周", "伟芳娜敏静丽强磊军洋"
        copy_model(
            cursor,
            Volunteer,
            [
                "id",
                "user_id",
                "number",
                "real_name",
                "id_number",
                "gender",
                "birth_date",
                "home_station_id",
                "status",
                "consented_at",
                "created_at",
                "updated_at",
            ],
            (
                (
                    n + 1,
                    n + 1,
                    f"2025{n + 1:08d}",
                    surnames[n % 10] + given[(n // 10) % 10],
                    id_number(n),
                    "male",
                    datetime.date(1980, 1, 1),
                    first_station + n % stations,
                    "active",
                    now,
                    now,
                    now,
                )
                for n in range(volunteers)
            ),
        )
        copy_model(
            cursor,
            Team,
            ["id", "name", "unit_id", "created_at", "updated_at"],
            ((n + 1, f"第{n + 1}服务队", first_station + n, now, now) for n in range(stations)),
        )
        copy_model(
            cursor,
            Team.members.through,
            ["team_id", "volunteer_id"],
            ((1 + n % stations, n + 1) for n in range(volunteers)),
        )
        # Event n: station n % stations, that station's (n // stations)-th slot.
        events = stations * EVENTS_PER_STATION
        starts = [
            START + datetime.timedelta(hours=(n // stations) * SLOT_HOURS + rng.randrange(SLOT_HOURS - EVENT_HOURS))
            for n in range(events)
        ]
        copy_model(
            cursor,
            Event,
            [
                "id",
                "unit_id",
                "title",
                "category",
                "address",
                "starts_at",
                "ends_at",
                "signup_required",
                "approval_required",
                "checkin_opens_minutes",
                "checkout_closes_minutes",
                "rounding_minutes",
                "status",
                "created_at",
                "updated_at",
            ],
            (
                (
                    n + 1,
                    first_station + n % stations,
                    "志愿服务活动",
                    CATEGORIES[n % len(CATEGORIES)],
                    "社区广场",
                    starts[n],
                    starts[n] + datetime.timedelta(hours=EVENT_HOURS),
                    False,
                    True,
                    30,
                    60,
                    1,
                    "finished",
                    now,
                    now,
                )
                for n in range(events)
            ),
        )

        def record_rows():
            made = 0
            for v in range(volunteers):
                station_index = v % stations
                local_index = v // stations
                for k in range(RECORDS_PER_VOLUNTEER):
                    if made >= sizes.records:
                        return
                    # Twenty distinct slots of the station: (local + 5k) mod 100 for k < 20.
                    event_index = (local_index + k * 5) % EVENTS_PER_STATION
                    event = event_index * stations + station_index
                    start = starts[event]
                    hours = rng.choice((1, 1.5, 2, 2.5, 3, 4))
                    yield (
                        made + 1,
                        event + 1,
                        v + 1,
                        start,
                        start + datetime.timedelta(hours=hours),
                        "event_qr",
                        "approved",
                        f"{hours:.2f}",
                        now,
                        now,
                    )
                    made += 1

        copy_model(
            cursor,
            ServiceRecord,
            [
                "id",
                "event_id",
                "volunteer_id",
                "checked_in_at",
                "checked_out_at",
                "method",
                "status",
                "credited_hours",
                "created_at",
                "updated_at",
            ],
            record_rows(),
        )
        for table in (
            "stations_practiceunit",
            "accounts_user",
            "volunteers_volunteer",
            "volunteers_team",
            "events_event",
            "events_servicerecord",
        ):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    print(f"records loaded in {time.perf_counter() - started:.0f} s; rebuilding the rollups ...", flush=True)
    # As an operator after a bulk load: the rollup-served groupings (station, institute,
    # center, month) read these tables, which COPY does not keep.
    call_command("rebuild_rollups", stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"loaded in {time.perf_counter() - started:.0f} s", flush=True)


def export(group_by: str, records_path: bool) -> bytes:
    """One export through the endpoint, in this process, for the smoke check: the CSV."""
    from django.test import Client

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(phone=ADMIN_PHONE))
    query = {"group_by": group_by, "format": "csv", **(PARTIAL_MONTHS if records_path else {})}
    response = client.get("/api/v1/stats/hours/", query)
    if response.status_code != 200:
        raise SystemExit(f"{group_by}: HTTP {response.status_code} {response.content[:300]!r}")
    return b"".join(response.streaming_content)


# Every loaded record lies in 2025 and 2026: this period holds them all, but not in whole months.
PARTIAL_MONTHS = {"date_from": "2024-12-15", "date_to": "2027-01-15"}


def serve(group_by: str, records_path: bool) -> None:
    """One export in a fresh process; prints seconds, bytes, rows and peak RSS."""
    from django.test import Client

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(phone=ADMIN_PHONE))
    client.get("/api/v1/stats/hours/", {"group_by": "center", "date_from": "2000-01-01", "date_to": "2000-01-01"})
    started = time.perf_counter()
    query = {"group_by": group_by, "format": "csv", **(PARTIAL_MONTHS if records_path else {})}
    response = client.get("/api/v1/stats/hours/", query)
    if response.status_code != 200:
        raise SystemExit(f"{group_by}: HTTP {response.status_code} {response.content[:300]!r}")
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    elapsed = time.perf_counter() - started
    print(f"{elapsed:.3f} {size} {lines - 1} {peak_rss_mb():.1f}")


def raw_copy(group_by: str, keep: bool = False) -> tuple[float, bytes, int]:
    """The hand-written COPY: seconds, its CSV if ``keep``, and its number of rows."""
    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cursor:
        # The same session settings as the endpoint's export queries.
        cursor.execute(
            "SELECT set_config('work_mem', %s, false), set_config('jit', 'off', false)", [settings.STATS_WORK_MEM]
        )
    started = time.perf_counter()
    sink = io.BytesIO()
    lines = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY ({raw_sql(group_by)}) TO STDOUT WITH (FORMAT csv)") as copy,
    ):
        for data in copy:
            sink.write(data)
            if not keep and sink.tell() > 1 << 24:
                lines += sink.getvalue().count(b"\n")
                sink.seek(0)
                sink.truncate()
    elapsed = time.perf_counter() - started
    return elapsed, sink.getvalue(), lines + sink.getvalue().count(b"\n")


# The smoke check ------------------------------------------------------------------------


def parsed(text: str) -> list[tuple]:
    """CSV rows with numbers as numbers, so 6 and 6.00 compare equal and '007' stays text."""

    def value(cell: str):
        if cell.replace(".", "", 1).isdigit() and not (cell.startswith("0") and cell[1:2].isdigit()):
            return Decimal(cell)
        return cell

    return [tuple(value(cell) for cell in row) for row in csv.reader(io.StringIO(text))]


def expected_rows(group_by: str, raw: bytes) -> list[tuple]:
    """The raw COPY's rows as the endpoint shows them: categories by their label."""
    from events.models import ServiceCategory

    rows = parsed(raw.decode())
    if group_by == "category":
        labels = {code: str(label) for code, label in ServiceCategory.choices}
        rows = [(labels[row[0]], *row[1:]) for row in rows]
    return rows


def check_smoke(groups: list[str]) -> None:
    from reports.files import BOM

    for group_by in groups:
        _seconds, raw, _lines = raw_copy(group_by, keep=True)
        expected = expected_rows(group_by, raw)
        # Both ways the endpoint answers: from the rollups (all time) and from the records
        # (a period of every record in part months, which the rollups cannot answer).
        for records_path in (False, True):
            text = export(group_by, records_path).decode()
            if not text.startswith(BOM):
                raise SystemExit(f"{group_by}: the CSV has no BOM")
            header, *rows = parsed(text[len(BOM) :])
            if not expected or not rows:
                raise SystemExit(f"{group_by}: empty ({len(rows)} endpoint rows, {len(expected)} raw rows)")
            if rows != expected:
                missing = [row for row in expected if row not in rows][:3]
                extra = [row for row in rows if row not in expected][:3]
                raise SystemExit(f"{group_by}: endpoint differs from raw COPY; missing {missing}, extra {extra}")
            if len(header) != len(rows[0]):
                raise SystemExit(f"{group_by}: {len(header)} headers for rows of {len(rows[0])}")
        print(f"{group_by:<17}{len(rows):>6} rows equal to raw COPY, from the rollups and the records", flush=True)
    print("smoke: every grouping's CSV equals the raw COPY's rows, none empty", flush=True)


# Measuring ------------------------------------------------------------------------------


def served(args: argparse.Namespace, group_by: str) -> tuple[float, int, float]:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--serve",
            group_by,
            *(["--records-path"] if args.records_path else []),
            "--server-url",
            args.server_url,
            "--database",
            args.database,
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout.split()
    return float(out[0]), int(out[2]), float(out[3])


def measure(args: argparse.Namespace, groups: list[str]) -> None:
    path = ", a period in part months (from the records, not the rollups)" if args.records_path else ""
    print(f"\n{args.records:,} approved records on PostgreSQL ({args.database}), medians of {args.runs}{path}\n")
    header = f"{'group_by':<17}{'rows':>10}{'endpoint s':>12}{'raw COPY s':>12}{'ratio':>8}{'peak RSS MB':>13}"
    print(header)
    print("-" * len(header))
    loads = [Path("/proc/loadavg").read_text().split()[0]] if Path("/proc/loadavg").exists() else []
    worst = 0.0
    for group_by in groups:
        endpoint, raw, peaks, rows = [], [], [], 0
        raw_rows = raw_copy(group_by)[2]  # also warms the cache for both
        for _ in range(args.runs):
            # Alternating, so load from the other agents on the machine falls on both alike.
            seconds, rows, peak = served(args, group_by)
            endpoint.append(seconds)
            peaks.append(peak)
            raw.append(raw_copy(group_by)[0])
        if not rows or rows != raw_rows:
            # A timing of an empty or partial answer would mean nothing (rollups never rebuilt).
            raise SystemExit(f"{group_by}: the endpoint gave {rows} rows, raw COPY {raw_rows}")
        ratio = statistics.median(endpoint) / statistics.median(raw)
        worst = max(worst, ratio)
        print(
            f"{group_by:<17}{rows:>10,}{statistics.median(endpoint):>12.2f}{statistics.median(raw):>12.2f}"
            f"{ratio:>8.2f}{max(peaks):>13.1f}",
            flush=True,
        )
        if loads:
            loads.append(Path("/proc/loadavg").read_text().split()[0])
    print(f"\nworst ratio {worst:.2f}; 1-minute load average during the run: {', '.join(loads)} (2 cores)")


def main() -> None:
    args = parse_args()
    groups = args.groups.split(";")
    if args.serve:
        setup_django(f"{args.server_url}/{args.database}")
        serve(args.serve, args.records_path)
        return
    if args.smoke:
        args.database = f"volunteers_export_smoke_{os.getpid()}"
        ensure_database(args.server_url, args.database, fresh=True)
        try:
            setup_django(f"{args.server_url}/{args.database}")
            load(Sizes(records=300, stations=10))
            check_smoke(groups)
        finally:
            from django.db import connections

            connections.close_all()
            drop_database(args.server_url, args.database)
        return
    ensure_database(args.server_url, args.database, fresh=args.reload)
    setup_django(f"{args.server_url}/{args.database}")
    load(Sizes(records=args.records, stations=args.stations))
    measure(args, groups)


if __name__ == "__main__":
    main()
