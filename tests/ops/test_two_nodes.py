"""Several app nodes, one system: two gunicorn nodes and a task worker on one PostgreSQL, Redis and media folder.

Each node is scripts/serve.sh in production mode on its own loopback port; the
worker is the same script with SERVE_ROLE=worker (RQ on Redis). A client that
talks to A and then B sees one platform; killing A mid-burst loses nothing.
"""

import io
import json
import re
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from tests.ops.stack import Node, call, manage, production_env

pytestmark = pytest.mark.postgres

CHECKIN = "/api/v1/checkins/"


@pytest.fixture(scope="module")
def cluster(ops_database, ops_files, redis_url):
    common = production_env(
        ops_database,
        ops_files["media"],
        ops_files["static"],
        REDIS_URL=redis_url,
        THROTTLE_LOGIN="1000/minute",
        THROTTLE_VERIFY="4/minute",
        LOGIN_FAILURES_ALLOWED="3",
        LOGIN_ATTEMPTS_PER_IP="1000",
    )
    seed = json.loads(
        manage(common, "shell", "-c", "from tests.ops.seed_stack import main; main()").strip().splitlines()[-1]
    )
    logs = ops_files["root"]
    a = Node("node-a", {**common, "SERVE_ROLE": "web"}, logs / "node-a.log").start()
    b = Node("node-b", {**common, "SERVE_ROLE": "web"}, logs / "node-b.log").start()
    worker = Node("worker", {**common, "SERVE_ROLE": "worker"}, logs / "worker.log").start()
    try:
        a.wait_ready()
        b.wait_ready()
        yield {"a": a, "b": b, "worker": worker, "seed": seed, "database": ops_database}
    finally:
        for node in (a, b, worker):
            node.stop()


def bearer(token: str) -> dict:
    return {"Authorization": f"Token {token}"}


def log_in(node: Node, phone: str, password: str) -> str:
    reply = call(f"{node.url}/api/v1/auth/token/", "POST", {"phone": phone, "password": password})
    assert reply.status == 200, reply.body
    return reply.json()["token"]


def test_a_token_and_a_session_from_node_a_work_on_node_b(cluster):
    a, b, seed = cluster["a"], cluster["b"], cluster["seed"]
    token = log_in(a, seed["manager"], seed["password"])
    assert call(f"{b.url}/api/v1/auth/whoami/", headers=bearer(token)).status == 200

    form = call(f"{a.url}/login/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.body.decode()).group(1)
    login = call(
        f"{a.url}/login/",
        "POST",
        form={"username": seed["manager"], "password": seed["password"], "csrfmiddlewaretoken": csrf},
        headers={"Cookie": f"csrftoken={form.cookies['csrftoken']}"},
    )
    assert login.status == 302 and "sessionid" in login.cookies
    session = {"Cookie": f"sessionid={login.cookies['sessionid']}"}
    assert call(f"{b.url}/api/v1/auth/whoami/", headers=session).status == 200


def test_a_code_shown_by_a_is_accepted_by_b_and_a_repeat_scan_on_a_returns_the_same_record(cluster):
    a, b, seed = cluster["a"], cluster["b"], cluster["seed"]
    manager = log_in(a, seed["manager"], seed["password"])
    code = call(f"{a.url}/api/v1/events/{seed['event']}/checkin-code/?action=in", headers=bearer(manager)).json()
    volunteer = log_in(b, seed["volunteers"][-1], seed["password"])
    first = call(f"{b.url}{CHECKIN}", "POST", {"token": code["token"]}, headers=bearer(volunteer))
    again = call(f"{a.url}{CHECKIN}", "POST", {"token": code["token"]}, headers=bearer(volunteer))
    assert (first.status, again.status) == (201, 200)
    assert first.json()["id"] == again.json()["id"]


def test_login_lockouts_and_throttles_count_across_both_nodes(cluster):
    a, b, seed = cluster["a"], cluster["b"], cluster["seed"]
    phone = seed["volunteers"][-2]
    for node in (a, b, a):  # LOGIN_FAILURES_ALLOWED=3
        assert call(f"{node.url}/api/v1/auth/token/", "POST", {"phone": phone, "password": "wrong"}).status == 400
    locked = call(f"{b.url}/api/v1/auth/token/", "POST", {"phone": phone, "password": seed["password"]})
    assert locked.status == 429

    verify = "/api/v1/certificates/verify/?number=OPSC-2026-000999&code=ABCDEFGHJKMN"
    statuses = [call(f"{node.url}{verify}").status for node in (a, b, a, b, a)]  # THROTTLE_VERIFY=4/minute
    assert statuses == [404, 404, 404, 404, 429]


def test_a_bulk_job_requested_on_a_is_run_by_the_worker_and_downloaded_from_b(cluster):
    a, b, seed = cluster["a"], cluster["b"], cluster["seed"]
    manager = bearer(log_in(a, seed["manager"], seed["password"]))
    start, end = seed["period"]
    job = call(
        f"{a.url}/api/v1/certificate-jobs/",
        "POST",
        {"unit": seed["station"], "period_start": start, "period_end": end},
        headers=manager,
    )
    assert job.status in (201, 202), job.body
    url = f"{b.url}/api/v1/certificate-jobs/{job.json()['id']}/"
    deadline = time.monotonic() + 120
    while (state := call(url, headers=manager).json())["status"] not in ("finished", "failed"):
        assert time.monotonic() < deadline, f"job not run in time: {state}"
        time.sleep(0.5)
    assert state["status"] == "finished" and state["issued"] == seed["certified"], state
    download = call(f"{url}zip/", headers=manager)
    assert download.status == 200
    assert len(zipfile.ZipFile(io.BytesIO(download.body)).namelist()) == seed["certified"]


def test_killing_node_a_mid_burst_loses_no_acknowledged_checkin_and_makes_no_duplicate(cluster):
    a, b, seed = cluster["a"], cluster["b"], cluster["seed"]
    phones = seed["volunteers"][:-2]
    with ThreadPoolExecutor(max_workers=6) as pool:
        tokens = list(pool.map(lambda n: log_in((a, b)[n % 2], phones[n], seed["password"]), range(len(phones))))
    manager = bearer(log_in(b, seed["manager"], seed["password"]))
    code = call(f"{b.url}/api/v1/events/{seed['event']}/checkin-code/?action=in", headers=manager).json()["token"]
    before = metric_value(call(f"{b.url}/metrics").body.decode(), 'volunteer_checkins_total{action="in"}')
    acknowledged: dict[int, int] = {}
    lost_on_a = []

    def scan(n: int) -> None:
        node = (a, b)[n % 2]
        try:
            reply = call(f"{node.url}{CHECKIN}", "POST", {"token": code}, headers=bearer(tokens[n]), timeout=10)
        except OSError:  # node A died under this request: the client tries again elsewhere
            lost_on_a.append(n)
            reply = call(f"{b.url}{CHECKIN}", "POST", {"token": code}, headers=bearer(tokens[n]))
        if reply.status in (200, 201):
            acknowledged[n] = reply.json()["id"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(scan, n) for n in range(len(phones))]
        while len(acknowledged) < 4:
            time.sleep(0.01)
        a.kill()
        for future in futures:
            future.result()

    assert len(acknowledged) == len(phones)
    with psycopg.connect(cluster["database"].replace("postgres://", "postgresql://", 1)) as connection:
        rows = connection.execute(
            "SELECT id, volunteer_id FROM events_servicerecord WHERE event_id = %s", [seed["event"]]
        ).fetchall()
    volunteers = [volunteer for _, volunteer in rows]
    assert len(volunteers) == len(set(volunteers)), "a volunteer has two records"
    assert set(acknowledged.values()) <= {record for record, _ in rows}, "an acknowledged check-in is missing"
    # A repeat scan on the surviving node answers with the same records.
    for n in range(0, len(phones), 5):
        again = call(f"{b.url}{CHECKIN}", "POST", {"token": code}, headers=bearer(tokens[n]))
        assert again.status == 200 and again.json()["id"] == acknowledged[n]
    after = metric_value(call(f"{b.url}/metrics").body.decode(), 'volunteer_checkins_total{action="in"}')
    assert after > before, "node B's metrics show its check-ins"
    print(f"\nburst: {len(phones)} check-ins, {len(lost_on_a)} retried after node A died, B metric +{after - before}")


def metric_value(text: str, sample: str) -> float:
    for line in text.splitlines():
        if line.startswith(sample + " "):
            return float(line.split()[-1])
    return 0.0
