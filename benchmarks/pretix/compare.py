"""Our check-in against pretix's, on one machine, in one sitting.

Both servers run side by side (gunicorn sync, the same number of workers, PostgreSQL,
Redis); rounds alternate between them, each 500 first-time check-ins through 64
clients always in flight from the same load generator (benchmarks/checkin_load.py).
Between rounds each side forgets its check-ins, so every round's are first-time ones.
Prints each side's median throughput, app CPU per check-in (its gunicorn workers'
CPU time over the round, divided by its requests) and latency, and the ratio.

    sh benchmarks/pretix/setup.sh                  # once: pretix from PyPI, its event and 500 orders
    .venv/bin/python benchmarks/pretix/compare.py  # --rounds 3 --workers 3

Our side takes its own database (--database, dropped and made again); pretix's is
pretix_bench, made by setup.sh.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import checkin_load as ours  # noqa: E402 - after the path it lives on


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-url", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server")
    parser.add_argument("--database", default="volunteers_load")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--log-level", default="INFO", help="our server's LOG_LEVEL (production: INFO)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--pretix-port", type=int, default=8766)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--pretix-venv", default=str(Path(tempfile.gettempdir()) / "pretix-venv"))
    parser.add_argument("--pretix-bench", default=str(Path(tempfile.gettempdir()) / "pretix-bench"))
    parser.add_argument("--server-log", default=str(Path(tempfile.gettempdir()) / "checkin-compare-server.log"))
    args = parser.parse_args()
    # What checkin_load's server and data need besides.
    args.worker_class, args.threads = "sync", 1
    return args


def start_pretix(args: argparse.Namespace) -> subprocess.Popen:
    command = [
        str(Path(args.pretix_venv) / "bin" / "gunicorn"),
        "pretix.wsgi",
        "-b",
        f"127.0.0.1:{args.pretix_port}",
        "-w",
        str(args.workers),
        "-k",
        "sync",
        "--backlog",
        "2048",
        "--log-level",
        "warning",
        "--graceful-timeout",
        "2",
    ]
    env = {**os.environ, "PRETIX_CONFIG_FILE": str(Path(args.pretix_bench) / "pretix.cfg")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log = open(args.server_log, "ab")  # noqa: SIM115 - the server holds it until it ends
    server = subprocess.Popen(command, cwd=args.pretix_bench, env=env, stdout=log, stderr=subprocess.STDOUT)
    ours.wait_for(args.pretix_port, "/api/v1/")
    return server


def forget_pretix_check_ins(args: argparse.Namespace) -> int:
    """Delete pretix's check-ins; return how many there were (the last round's, all accepted)."""
    import psycopg

    with psycopg.connect(f"{args.server_url}/pretix_bench", autocommit=True) as connection:
        made = connection.execute("SELECT count(*) FROM pretixbase_checkin WHERE successful").fetchone()[0]
        connection.execute("DELETE FROM pretixbase_checkin")
    return made


def main() -> None:
    args = parse_args()
    args.volunteers = 500
    bench = json.loads((Path(args.pretix_bench) / "bench.json").read_text())
    args.volunteers = len(bench["secrets"])
    env = ours.environment(args)
    ours.recreate_database(args)
    tokens, event_id = ours.prepare(args, env)
    from django.utils import timezone

    from events.checkin_codes import make_event_code

    redeem = f"/api/v1/organizers/{bench['organizer']}/checkinrpc/redeem/"
    pretix_auth = {"Authorization": bench["authorization"]}
    pretix_requests = [
        ("POST", redeem, pretix_auth, {"secret": secret, "lists": [bench["list"]], "source_type": "barcode"})
        for secret in bench["secrets"]
    ]

    def current_code() -> dict:
        # Made when each request is sent: a code lives at most two 30-second windows.
        return {"token": make_event_code(event_id, "in", timezone.now())}

    def our_requests() -> list:
        return [("POST", ours.FULL, ours.token_header(token), current_code) for token in tokens]

    servers = [ours.start_server(args, env), start_pretix(args)]
    our_cpu, pretix_cpu = ours.WorkerCpu(servers[0].pid), ours.WorkerCpu(servers[1].pid)
    problems, our_rows, pretix_rows = [], [], []
    try:
        # Warm both up: every worker imports, connects and runs the check-in once or more.
        ours.burst(args.port, args.concurrency, our_requests())
        ours.burst(args.pretix_port, args.concurrency, pretix_requests)
        for n in range(args.rounds):
            ours.forget_check_ins()
            row = ours.burst(args.port, args.concurrency, our_requests(), our_cpu)
            made = ours.records()[0]
            if row["errors"] or made != len(tokens):
                problems.append(f"ours, round {n + 1}: {row['errors']} errors {row['statuses']}, {made} records")
            our_rows.append(row)
            forget_pretix_check_ins(args)
            row = ours.burst(args.pretix_port, args.concurrency, pretix_requests, pretix_cpu)
            pretix_rows.append(row)
            accepted = forget_pretix_check_ins(args)
            if row["errors"] or accepted != len(pretix_requests):
                problems.append(f"pretix, round {n + 1}: {row['errors']} errors {row['statuses']}, {accepted} accepted")
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait()

    with open("/proc/loadavg") as loadavg:
        load = " ".join(loadavg.read().split()[:3])
    ours_row, pretix_row = ours.median_row(our_rows), ours.median_row(pretix_rows)
    print(
        f"\ngunicorn sync x {args.workers} each, {args.concurrency} clients,"
        f" {len(tokens)} first-time check-ins a round,"
        f" {args.rounds} alternating rounds (medians), our LOG_LEVEL={args.log_level},"
        f" {os.cpu_count()} CPUs, load average {load}"
    )
    ours.print_table([("ours: POST /api/v1/checkins/", ours_row), ("pretix: POST checkinrpc/redeem/", pretix_row)])
    print(
        f"\nthroughput: ours / pretix = {ours_row['throughput'] / pretix_row['throughput']:.2f} (target >= 4)"
        f"; app CPU per check-in: pretix / ours = {pretix_row['cpu_ms'] / ours_row['cpu_ms']:.2f}"
    )
    for problem in problems:
        print("FAILED:", problem)
    if problems:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
