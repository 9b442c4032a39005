"""Check-in load benchmark: gunicorn and PostgreSQL on loopback.

Rounds alternate two variants, each 500 first-time check-ins of signed-up volunteers
at once through 64 clients always in flight (a closed loop):

- full: the API check-in (POST /api/v1/checkins/) with every rule;
- minimal: a benchmark-only URL (benchmarks/checkin_urls.py) doing token authentication,
  reading the signed code and one INSERT, nothing else.

Each variant's app CPU per request comes from the gunicorn workers' CPU time
(/proc/<pid>/stat utime + stime, before and after) divided by its requests; the
full check-in's is reported as a multiple of the minimal one's (target <= 2x).
Then a repeated check-in, a check-out burst, and an open loop: first-time
check-ins offered at a fixed rate below capacity (--offered-share of the full
variant's median throughput), latency counted from each request's scheduled
start, so a queue shows up in the tail instead of slowing the generator.

Logging runs at --log-level (INFO, production's default), so its cost is included.

    .venv/bin/python benchmarks/checkin_load.py [--workers 3 --rounds 3]
    .venv/bin/python benchmarks/checkin_load.py --smoke     # seconds; exits 1 on any error

It creates (and drops) its own database, --database, on the PostgreSQL server of
--server-url; nothing else is touched.
"""

import argparse
import concurrent.futures
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FULL = "/api/v1/checkins/"
MINIMAL = "/bench/minimal-checkin/"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-url", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server")
    parser.add_argument("--database", default="volunteers_load")
    parser.add_argument("--volunteers", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of full and minimal check-ins")
    parser.add_argument(
        "--offered-share", type=float, default=0.5, help="open loop: offered rate as a share of measured capacity"
    )
    parser.add_argument("--log-level", default="INFO", help="the server's LOG_LEVEL (production: INFO)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--server-log", default=str(Path(tempfile.gettempdir()) / "checkin-load-server.log"))
    parser.add_argument("--smoke", action="store_true", help="tiny sizes; exit 1 on an error or a wrong count")
    args = parser.parse_args(argv)
    if args.smoke:
        args.volunteers, args.concurrency, args.rounds, args.workers = 6, 2, 1, 2
    return args


def environment(args: argparse.Namespace) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"{args.server_url}/{args.database}",
        DEBUG="false",
        SECRET_KEY="load-benchmark-" + "x" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="0",
        DB_CONN_MAX_AGE="60",
        REDIS_URL=args.redis_url,
        LOG_LEVEL=args.log_level,
        DJANGO_SETTINGS_MODULE="backend.settings",
    )
    return env


def recreate_database(args: argparse.Namespace) -> None:
    import psycopg

    with psycopg.connect(f"{args.server_url}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{args.database}"')


def prepare(args: argparse.Namespace, env: dict) -> tuple[list[str], int]:
    """Migrate, create the event and the signed-up volunteers; return their API tokens and the event id."""
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    os.environ.update(env)
    import django

    django.setup()
    import datetime

    from django.contrib.auth.hashers import make_password
    from django.core.cache import cache
    from django.utils import timezone

    from accounts.models import User
    from accounts.tokens import issue_token
    from events.models import Event, Signup, SignupStatus
    from stations.models import Level, PracticeUnit
    from volunteers.id_numbers import check_character
    from volunteers.models import Volunteer

    cache.clear()
    center = PracticeUnit.objects.create(code="L-C", name="压测中心", level=Level.CENTER)
    institute = PracticeUnit.objects.create(code="L-I", name="压测所", level=Level.INSTITUTE, parent=center)
    station = PracticeUnit.objects.create(code="L-S", name="压测站", level=Level.STATION, parent=institute)
    now = timezone.now()
    event = Event.objects.create(
        unit=station,
        title="压测活动",
        category="other",
        address="广场",
        starts_at=now - datetime.timedelta(minutes=10),
        ends_at=now + datetime.timedelta(hours=2),
        status="published",
        signup_required=True,
        approval_required=True,
    )
    password = make_password("load-test-password")
    users = User.objects.bulk_create(
        User(phone=f"1360000{n:04d}", name="压测", password=password) for n in range(args.volunteers)
    )
    volunteers = []
    for n, user in enumerate(users):
        birth = datetime.date(1980, 1, 1) + datetime.timedelta(days=n)
        first17 = f"110105{birth:%Y%m%d}{n % 1000:03d}"
        volunteers.append(
            Volunteer(
                user=user,
                number=f"L{n:08d}",
                real_name="压测",
                id_number=first17 + check_character(first17),
                gender="male",
                birth_date=birth,
                home_station=station,
                consented_at=now,
            )
        )
    volunteers = Volunteer.objects.bulk_create(volunteers)
    Signup.objects.bulk_create(
        Signup(event=event, volunteer=v, status=SignupStatus.CONFIRMED, queued_at=now) for v in volunteers
    )
    tokens = [issue_token(user)[1] for user in users]
    return tokens, event.pk


def forget_check_ins() -> None:
    """Back to no records, so the next round's check-ins are first-time ones again; throttles reset."""
    from django.core.cache import cache
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE events_servicerecord, events_refusedscan CASCADE")
    cache.clear()


def wait_for(port: int, path: str = "/api/v1/units/") -> None:
    for _ in range(300):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", path)
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"no server on port {port}")


def start_server(args: argparse.Namespace, env: dict) -> subprocess.Popen:
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "backend.wsgi",
        "-b",
        f"127.0.0.1:{args.port}",
        "-w",
        str(args.workers),
        "-k",
        args.worker_class,
        "--backlog",
        "2048",
        "--log-level",
        "warning",
        "--graceful-timeout",
        "2",
    ]
    if args.worker_class == "gthread":
        command += ["--threads", str(args.threads)]
    # The logs go to a file, as a production server's go to its journal: written, not shown.
    log = open(args.server_log, "ab")  # noqa: SIM115 - the server holds it until it ends
    env = {**env, "DJANGO_SETTINGS_MODULE": "benchmarks.checkin_settings"}
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    wait_for(args.port)
    return server


class WorkerCpu:
    """CPU seconds (user + system) used by a gunicorn master's workers."""

    TICKS = os.sysconf("SC_CLK_TCK")

    def __init__(self, master_pid: int):
        self.master_pid = master_pid

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.master_pid}/task/{self.master_pid}/children").read_text()
        return [int(pid) for pid in children.split()]

    def seconds(self) -> float:
        total = 0
        for pid in self.workers():
            # Fields after the command name (which may hold spaces): utime and stime are 14th and 15th.
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        return total / self.TICKS


def call(port: int, method: str, path: str, headers: dict, body) -> tuple[int, float, dict | None]:
    started = time.perf_counter()
    status, data = request(port, method, path, headers, body)
    elapsed = time.perf_counter() - started
    try:
        return status, elapsed, json.loads(data)
    except ValueError:
        return status, elapsed, None


def request(port: int, method: str, path: str, headers: dict, body) -> tuple[int, bytes]:
    """One HTTP request on its own connection; ``body`` is a dict, a function making one when called, or None."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Accept": "application/json", "Host": "127.0.0.1", **headers}
    payload = None
    if callable(body):
        body = body()
    if body is not None:
        payload = json.dumps(body)
        headers["Content-Type"] = "application/json"
    try:
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    except OSError:
        return 0, b""
    finally:
        connection.close()


def token_header(token: str) -> dict:
    return {"Authorization": f"Token {token}"}


def burst(port: int, concurrency: int, requests: list, cpu: WorkerCpu | None = None) -> dict:
    """Every request at once through ``concurrency`` clients, each starting its next as its last ends.

    ``requests`` are (method, path, headers, body) tuples.
    """
    cpu_before = cpu.seconds() if cpu else 0.0
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(lambda r: call(port, *r), requests))
    row = summarise(results, time.perf_counter() - started)
    if cpu:
        row["cpu_ms"] = (cpu.seconds() - cpu_before) * 1000 / len(requests)
    return row


def open_loop(port: int, rate: float, requests: list, cpu: WorkerCpu | None = None) -> dict:
    """Requests started at ``rate`` per second whatever the answers; each latency counts from its
    scheduled start, so waiting for a free client is part of it (no coordinated omission)."""
    interval = 1 / rate
    cpu_before = cpu.seconds() if cpu else 0.0
    started = time.perf_counter()

    def scheduled(n: int, item) -> tuple[int, float, dict | None]:
        due = started + n * interval
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        status, _, body = call(port, *item)
        return status, time.perf_counter() - due, body

    # Enough clients that none is ever waited for below capacity.
    with concurrent.futures.ThreadPoolExecutor(min(256, len(requests))) as pool:
        results = list(pool.map(lambda pair: scheduled(*pair), enumerate(requests)))
    row = summarise(results, time.perf_counter() - started)
    row["offered"] = rate
    if cpu:
        row["cpu_ms"] = (cpu.seconds() - cpu_before) * 1000 / len(requests)
    return row


def summarise(results, seconds: float) -> dict:
    latencies = sorted(elapsed for _, elapsed, _ in results)

    def percentile(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {
        "requests": len(results),
        "throughput": len(results) / seconds,
        "p50": statistics.median(latencies) * 1000,
        "p95": percentile(0.95),
        "p99": percentile(0.99),
        "errors": sum(1 for status, _, _ in results if not 200 <= status < 300),
        "statuses": sorted({status for status, _, _ in results}),
    }


def median_row(rows: list[dict]) -> dict:
    """Each figure's median over the rounds."""
    numbers = [key for key, value in rows[0].items() if isinstance(value, int | float)]
    merged = {key: statistics.median(row[key] for row in rows) for key in numbers}
    merged["errors"] = sum(row["errors"] for row in rows)
    merged["statuses"] = sorted({status for row in rows for status in row["statuses"]})
    return merged


def print_table(rows: list[tuple[str, dict]]) -> None:
    print(f"{'phase':<44} {'req':>5} {'req/s':>7} {'CPU ms':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'err':>4}")
    for name, row in rows:
        cpu = f"{row['cpu_ms']:>7.2f}" if "cpu_ms" in row else f"{'':>7}"
        print(
            f"{name:<44} {row['requests']:>5.0f} {row['throughput']:>7.1f} {cpu} {row['p50']:>7.1f}"
            f" {row['p95']:>7.1f} {row['p99']:>7.1f} {row['errors']:>4}  {row['statuses']}"
        )


def records() -> tuple[int, int, int]:
    """Records, duplicates (two records of one volunteer at one event) and checked-out records."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) - count(DISTINCT (event_id, volunteer_id)), count(checked_out_at)"
            " FROM events_servicerecord"
        )
        return cursor.fetchone()


def run(args: argparse.Namespace) -> list[str]:
    """Run the benchmark, print its tables; return what went wrong (nothing, when all is well)."""
    env = environment(args)
    recreate_database(args)
    tokens, event_id = prepare(args, env)
    from django.utils import timezone

    from events.checkin_codes import make_event_code

    codes: dict = {}

    def current_code(action: str) -> dict:
        # A code lives at most two 30-second windows; a slow burst outlives one, so each
        # request takes the code shown when it is sent (made anew every 10 seconds).
        now = timezone.now()
        key = (action, int(now.timestamp()) // 10)
        if key not in codes:
            codes[key] = make_event_code(event_id, action, now)
        return {"token": codes[key]}

    def scans(path: str, action: str) -> list:
        return [("POST", path, token_header(token), lambda: current_code(action)) for token in tokens]

    problems: list[str] = []

    def expect(phase: str, row: dict, made: int | None = None, out: int | None = None) -> None:
        if row["errors"]:
            problems.append(f"{phase}: {row['errors']} errors, statuses {row['statuses']}")
        if made is not None:
            count, duplicates, checked_out = records()
            if count != made or duplicates:
                problems.append(f"{phase}: {count} records ({duplicates} duplicates) for {made} check-ins")
            if out is not None and checked_out != out:
                problems.append(f"{phase}: {checked_out} checked out for {out} check-outs")

    server = start_server(args, env)
    cpu = WorkerCpu(server.pid)
    full, minimal, rows = [], [], []
    try:
        # Warm every worker up (imports, connections, both variants' code) before anything is measured.
        burst(args.port, args.concurrency, [("GET", "/api/v1/auth/whoami/", token_header(t), None) for t in tokens])
        warm = args.concurrency * 2
        burst(args.port, args.concurrency, scans(FULL, "in")[:warm] + scans(MINIMAL, "in")[warm : warm * 2])
        for n in range(args.rounds):
            for variant, path, kept in (("full", FULL, full), ("minimal", MINIMAL, minimal)):
                forget_check_ins()
                row = burst(args.port, args.concurrency, scans(path, "in"), cpu)
                expect(f"{variant} check-in round {n + 1}", row, made=len(tokens))
                kept.append(row)
        full_row, minimal_row = median_row(full), median_row(minimal)
        rows += [
            (f"full check-in burst (median of {args.rounds})", full_row),
            (f"minimal check-in burst (median of {args.rounds})", minimal_row),
        ]
        repeated = burst(args.port, args.concurrency, scans(FULL, "in"), cpu)
        expect("repeated check-in", repeated, made=len(tokens))
        rows.append(("repeated check-in burst", repeated))
        checkout = burst(args.port, args.concurrency, scans(FULL, "out"), cpu)
        expect("check-out", checkout, made=len(tokens), out=len(tokens))
        rows.append(("check-out burst", checkout))
        forget_check_ins()
        rate = max(1.0, args.offered_share * full_row["throughput"])
        offered = open_loop(args.port, rate, scans(FULL, "in"), cpu)
        expect("open-loop check-in", offered, made=len(tokens))
        rows.append((f"open-loop check-in ({rate:.0f}/s offered)", offered))
    finally:
        server.terminate()
        server.wait()

    with open("/proc/loadavg") as loadavg:
        load = loadavg.read().split()[:3]
    print(
        f"\ngunicorn {args.worker_class}, {args.workers} workers"
        + (f" x {args.threads} threads" if args.worker_class == "gthread" else "")
        + f", {args.concurrency} clients, {args.volunteers} volunteers, PostgreSQL, Redis,"
        + f" LOG_LEVEL={args.log_level}, {os.cpu_count()} CPUs, load average {' '.join(load)}"
    )
    print_table(rows)
    multiple = full_row["cpu_ms"] / minimal_row["cpu_ms"] if minimal_row["cpu_ms"] else float("inf")
    print(
        f"\nfull check-in app CPU: {full_row['cpu_ms']:.2f} ms = {multiple:.2f} x the minimal check-in's"
        f" {minimal_row['cpu_ms']:.2f} ms (target <= 2x)"
    )
    # Little's law: with a fixed number of clients always in flight, mean latency is clients / throughput,
    # so a closed loop's tail restates its throughput; a tail target means something only below capacity.
    little = args.concurrency / full_row["throughput"] * 1000
    print(
        f"closed loop, {args.concurrency} clients always in flight: latency is clients / throughput ="
        f" {little:.0f} ms on average (p50 {full_row['p50']:.0f}, p99 {full_row['p99']:.0f} ms); that is queueing"
        " behind the other clients, not a tail to set a target on"
    )
    print(
        f"open loop at {offered['offered']:.0f}/s ({args.offered_share:.0%} of capacity):"
        f" p50 {offered['p50']:.0f} ms, p99 {offered['p99']:.0f} ms (target p99 < 500 ms)"
    )
    return problems


def main() -> None:
    args = parse_args()
    problems = run(args)
    for problem in problems:
        print("FAILED:", problem)
    if problems:
        raise SystemExit(1)
    if args.smoke:
        print("smoke: every phase answered without errors; records equal the check-ins made")


if __name__ == "__main__":
    main()
