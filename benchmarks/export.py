"""Export benchmark: hours CSV through the real endpoint against raw COPY, on PostgreSQL.

Loads approved service records (default 1,000,000: 50,000 volunteers at 500
stations, two years of events) into its own database, then for each group_by
streams the CSV through /api/v1/stats/hours/ (Django's test client, in a fresh
subprocess per export so its peak memory is its own) and runs the equivalent
hand-written ``COPY (SELECT ... GROUP BY ...) TO STDOUT``. Prints both times,
their ratio and the serving process's peak RSS.

    .venv/bin/python benchmarks/export.py [--records 1000000] [--reload]

It creates its own database, volunteers_bench, on the PostgreSQL server of
--server-url and leaves it for repeated runs (--reload loads afresh); nothing
else is touched.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import random
import subprocess
import sys
import time
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
STATIONS, EVENTS_PER_STATION, RECORDS_PER_VOLUNTEER = 500, 100, 20
CATEGORIES = ["theory", "civility", "environment", "elderly_disabled", "minors", "culture", "health"]
START = datetime.datetime(2025, 1, 1, 1, 0, tzinfo=datetime.UTC)

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
VOLUNTEER = "v.number, v.real_name, left(v.id_number, 6) || '********' || substr(v.id_number, 15), s.name"


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
    parser.add_argument("--reload", action="store_true", help="Drop and load the data again.")
    parser.add_argument("--groups", default=";".join(GROUPS), help="group_by values, separated by ';'")
    parser.add_argument("--serve", help=argparse.SUPPRESS)  # internal: one export in a subprocess
    return parser.parse_args()


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    os.environ["THROTTLE_EXPORT"] = "100000/hour"
    import django

    django.setup()


def ensure_database(args: argparse.Namespace) -> None:
    import psycopg

    with psycopg.connect(f"{args.server_url}/postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.database]).fetchone()
        if exists and args.reload:
            admin.execute(f'DROP DATABASE "{args.database}"')
            exists = None
        if not exists:
            admin.execute(f'CREATE DATABASE "{args.database}"')


def copy_rows(cursor, table: str, columns: list[str], rows) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def id_number(n: int) -> str:
    from volunteers.id_numbers import check_character

    birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=n % 15_000)
    first17 = f"110105{birth:%Y%m%d}{n // 15_000 % 1000:03d}"
    return first17 + check_character(first17)


def load(records: int) -> None:
    """Bulk-load units, users, volunteers, teams, events and approved records with COPY."""
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM events_servicerecord")
        if cursor.fetchone()[0] == records:
            return
    print(f"loading {records:,} records ...", flush=True)
    started = time.perf_counter()
    rng = random.Random(42)
    volunteers = max(records // RECORDS_PER_VOLUNTEER, STATIONS)
    now = datetime.datetime.now(datetime.UTC)
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor
        cursor.execute(
            "TRUNCATE events_servicerecord, events_event, volunteers_team_members, volunteers_team, "
            "volunteers_volunteer, stations_practiceunit, accounts_user CASCADE"
        )
        units = []
        for c in range(5):
            center = 1 + c
            units.append((center, "center", None, f"{center:08d}/", f"C{center}", f"第{c + 1}县新时代文明实践中心"))
        for n in range(50):
            institute, center = 6 + n, 1 + n // 10
            path = f"{center:08d}/{institute:08d}/"
            units.append((institute, "institute", center, path, f"I{institute}", f"第{n + 1}街道实践所"))
        for n in range(STATIONS):
            station, institute = 56 + n, 6 + n // 10
            path = f"{1 + (institute - 6) // 10:08d}/{institute:08d}/{station:08d}/"
            units.append((station, "station", institute, path, f"S{station}", f"第{n + 1}社区实践站"))
        copy_rows(
            cursor,
            "stations_practiceunit",
            [
                "id",
                "level",
                "parent_id",
                "path",
                "code",
                "name",
                "address",
                "contact_name",
                "contact_phone",
                "person_in_charge",
                "is_active",
                "seal",
                "created_at",
                "updated_at",
            ],
            ((*unit, "", "", "", "", True, "", now, now) for unit in units),
        )
        admin_id = volunteers + 1
        copy_rows(
            cursor,
            "accounts_user",
            ["id", "password", "phone", "name", "is_active", "is_staff", "is_superuser", "date_joined"],
            [(n + 1, "!", f"137{n:08d}", "志愿者", True, False, False, now) for n in range(volunteers)]
            + [(admin_id, "!", "13899999999", "管理员", True, True, True, now)],
        )
        surnames, given = "王李张刘陈杨黄赵吴周", "伟芳娜敏静丽强磊军洋"
        copy_rows(
            cursor,
            "volunteers_volunteer",
            [
                "id",
                "user_id",
                "number",
                "real_name",
                "id_number",
                "gender",
                "birth_date",
                "home_station_id",
                "political_status",
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
                    56 + n % STATIONS,
                    "",
                    "active",
                    now,
                    now,
                    now,
                )
                for n in range(volunteers)
            ),
        )
        copy_rows(
            cursor,
            "volunteers_team",
            ["id", "name", "unit_id", "description", "created_at", "updated_at"],
            ((n + 1, f"第{n + 1}服务队", 56 + n, "", now, now) for n in range(STATIONS)),
        )
        copy_rows(
            cursor,
            "volunteers_team_members",
            ["team_id", "volunteer_id"],
            ((1 + n % STATIONS, n + 1) for n in range(volunteers)),
        )
        two_years = 730 * 24 * 3600
        events = STATIONS * EVENTS_PER_STATION
        starts = [START + datetime.timedelta(seconds=rng.randrange(two_years // 3600) * 3600) for _ in range(events)]
        copy_rows(
            cursor,
            "events_event",
            [
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
                "created_at",
                "updated_at",
            ],
            (
                (
                    n + 1,
                    56 + n % STATIONS,
                    "志愿服务活动",
                    "",
                    CATEGORIES[n % len(CATEGORIES)],
                    "",
                    "社区广场",
                    starts[n],
                    starts[n] + datetime.timedelta(hours=4),
                    False,
                    True,
                    "",
                    "",
                    "",
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
                station_index = v % STATIONS
                local_index = v // STATIONS
                for k in range(RECORDS_PER_VOLUNTEER):
                    if made >= records:
                        return
                    event_index = (local_index + k * 5) % EVENTS_PER_STATION
                    event = event_index * STATIONS + station_index
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
                        "",
                        "",
                        "",
                        now,
                        now,
                    )
                    made += 1

        copy_rows(
            cursor,
            "events_servicerecord",
            [
                "id",
                "event_id",
                "volunteer_id",
                "checked_in_at",
                "checked_out_at",
                "method",
                "status",
                "credited_hours",
                "flag",
                "reason",
                "reject_reason",
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
    connection.connection.commit() if not connection.get_autocommit() else None
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"loaded in {time.perf_counter() - started:.0f} s", flush=True)


def serve(group_by: str) -> None:
    """One export through the endpoint, in this process; prints seconds, bytes, rows and peak RSS."""
    from django.test import Client

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(phone="13899999999"))
    # A serving process is warm: URLs, views and translations loaded by an earlier request.
    client.get("/api/v1/stats/hours/", {"group_by": "center", "date_from": "2000-01-01", "date_to": "2000-01-01"})
    started = time.perf_counter()
    response = client.get("/api/v1/stats/hours/", {"group_by": group_by, "format": "csv"})
    if response.status_code != 200:
        raise SystemExit(f"{group_by}: HTTP {response.status_code} {response.content[:300]!r}")
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    elapsed = time.perf_counter() - started
    peak_mb = peak_rss_mb()
    print(f"{elapsed:.3f} {size} {lines - 1} {peak_mb:.1f}")


def raw_copy(group_by: str) -> tuple[float, int]:
    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cursor:
        # The same session settings as the endpoint's export queries.
        cursor.execute(
            "SELECT set_config('work_mem', %s, false), set_config('jit', 'off', false)", [settings.STATS_WORK_MEM]
        )
    started = time.perf_counter()
    sink = io.BytesIO()
    size = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY ({raw_sql(group_by)}) TO STDOUT WITH (FORMAT csv)") as copy,
    ):
        for data in copy:
            size += len(data)
            sink.write(data)
            if sink.tell() > 1 << 24:
                sink.seek(0)
                sink.truncate()
    return time.perf_counter() - started, size


def main() -> None:
    args = parse_args()
    database_url = f"{args.server_url}/{args.database}"
    if args.serve:
        setup_django(database_url)
        serve(args.serve)
        return
    ensure_database(args)
    setup_django(database_url)
    load(args.records)
    print(f"\n{args.records:,} approved records on PostgreSQL ({args.database})\n")
    header = f"{'group_by':<17}{'rows':>10}{'endpoint s':>12}{'raw COPY s':>12}{'ratio':>8}{'peak RSS MB':>13}"
    print(header)
    print("-" * len(header))
    for group_by in args.groups.split(";"):
        raw_seconds, _size = raw_copy(group_by)
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--serve",
                group_by,
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
        seconds, _bytes, rows, peak = float(out[0]), int(out[1]), int(out[2]), float(out[3])
        print(
            f"{group_by:<17}{rows:>10,}{seconds:>12.2f}{raw_seconds:>12.2f}{seconds / raw_seconds:>8.2f}{peak:>13.1f}"
        )


if __name__ == "__main__":
    main()
