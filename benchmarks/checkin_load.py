"""Check-in load benchmark: gunicorn and PostgreSQL on loopback.

500 volunteers signed up to one event check in all at once (a burst through 64
concurrent clients), then check out in a steady stream; beside them the same
clients call a trivial authenticated DRF endpoint (/api/v1/auth/whoami/) on the
same server. Prints throughput, p50/p95/p99 latency, errors and duplicate records,
and the check-in throughput as a ratio of the trivial endpoint's.

    .venv/bin/python benchmarks/checkin_load.py [--workers 2 --worker-class sync]

It creates (and drops) its own database, volunteers_load, on the PostgreSQL server
of --server-url; nothing else is touched.
"""

import argparse
import concurrent.futures
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-url", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server")
    parser.add_argument("--database", default="volunteers_load")
    parser.add_argument("--volunteers", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--steady-rate", type=float, default=100.0, help="check-outs per second in the steady phase")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    return parser.parse_args()


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
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="backend.settings",
    )
    return env


def recreate_database(args: argparse.Namespace) -> None:
    import psycopg

    with psycopg.connect(f"{args.server_url}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{args.database}"')
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
    ]
    if args.worker_class == "gthread":
        command += ["--threads", str(args.threads)]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", args.port, timeout=1).request("GET", "/api/v1/units/")
            return server
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def call(port: int, method: str, path: str, token: str, body: dict | None) -> tuple[int, float, dict | None]:
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Token {token}", "Accept": "application/json", "Host": "127.0.0.1"}
    payload = None
    if body is not None:
        payload = json.dumps(body)
        headers["Content-Type"] = "application/json"
    try:
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        data = response.read()
        status = response.status
    except OSError:
        return 0, time.perf_counter() - started, None
    finally:
        connection.close()
    elapsed = time.perf_counter() - started
    try:
        return status, elapsed, json.loads(data)
    except ValueError:
        return status, elapsed, None


def burst(args, method, path, tokens, body_for) -> dict:
    """Every request at once, through ``args.concurrency`` clients."""
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
        results = list(pool.map(lambda t: call(args.port, method, path, t, body_for(t)), tokens))
    return summarise(results, time.perf_counter() - started)


def steady(args, method, path, tokens, body_for) -> dict:
    """Requests started at a fixed rate, as a stream of arrivals."""
    interval = 1 / args.steady_rate
    started = time.perf_counter()
    futures = []
    with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
        for n, token in enumerate(tokens):
            delay = started + n * interval - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(call, args.port, method, path, token, body_for(token)))
        results = [f.result() for f in futures]
    return summarise(results, time.perf_counter() - started)


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


def main() -> None:
    args = parse_args()
    env = environment(args)
    recreate_database(args)
    tokens, event_id = prepare(args, env)
    from django.utils import timezone

    from events.checkin_codes import make_event_code

    server = start_server(args, env)
    rows = []
    try:
        whoami = [burst(args, "GET", "/api/v1/auth/whoami/", tokens, lambda t: None) for _ in range(3)]
        trivial = sorted(whoami, key=lambda r: r["throughput"])[1]  # the median of three runs
        rows.append(("trivial endpoint (median of 3 bursts)", trivial))
        code_in = make_event_code(event_id, "in", timezone.now())
        rows.append(("check-in burst", burst(args, "POST", "/api/v1/checkins/", tokens, lambda t: {"token": code_in})))
        code_out = make_event_code(event_id, "out", timezone.now())
        rows.append(
            (
                f"check-out stream ({args.steady_rate:.0f}/s offered)",
                steady(args, "POST", "/api/v1/checkins/", tokens, lambda t: {"token": code_out}),
            )
        )
        repeat_in = make_event_code(event_id, "in", timezone.now())
        rows.append(
            (
                "repeated check-in burst",
                burst(args, "POST", "/api/v1/checkins/", tokens, lambda t: {"token": repeat_in}),
            )
        )
    finally:
        server.terminate()
        server.wait()

    from django.db import connection

    from events.models import ServiceRecord

    records = ServiceRecord.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) - count(DISTINCT (event_id, volunteer_id)) FROM events_servicerecord")
        duplicates = cursor.fetchone()[0]
    checked_out = ServiceRecord.objects.filter(checked_out_at__isnull=False).count()

    print(
        f"\ngunicorn {args.worker_class}, {args.workers} workers"
        + (f" x {args.threads} threads" if args.worker_class == "gthread" else "")
        + f", {args.concurrency} concurrent clients, {args.volunteers} volunteers, PostgreSQL, Redis cache"
    )
    print(f"{'phase':<40} {'req':>5} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>6}  statuses")
    for name, row in rows:
        print(
            f"{name:<40} {row['requests']:>5} {row['throughput']:>8.1f} {row['p50']:>8.1f} {row['p95']:>8.1f}"
            f" {row['p99']:>8.1f} {row['errors']:>6}  {row['statuses']}"
        )
    checkin = rows[1][1]
    print(
        f"\ncheck-in throughput / trivial endpoint throughput: {checkin['throughput'] / trivial['throughput']:.2f}"
        " (target >= 0.12)"
    )
    print(f"records: {records} for {args.volunteers} volunteers, duplicates: {duplicates}, checked out: {checked_out}")
    print(f"check-in p99: {checkin['p99']:.0f} ms (target < 500 ms)")


if __name__ == "__main__":
    main()
