"""The embedded default (SQLite) holds simultaneous requests behind a threaded web server.

`make run` serves SQLite with Django's threaded server. Without WAL, IMMEDIATE
transactions and a busy timeout, a burst of identical check-ins answered
"database is locked" with a 500. This test starts that server on a throwaway
SQLite file and replays the races the PostgreSQL suite runs (tests/test_races.py).
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import PASSWORD

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="exercises the embedded SQLite default; the PostgreSQL run has tests/test_races.py",
)

ROOT = Path(__file__).resolve().parent.parent
SETUP = """
import datetime, json
from django.utils import timezone
from events.checkin_codes import make_event_code
from events.models import Event, EventStatus
from stations.models import Level, PracticeUnit
from tests.conftest import make_volunteer
c = PracticeUnit.objects.create(code="C", name="中心", level=Level.CENTER)
i = PracticeUnit.objects.create(code="I", name="所", level=Level.INSTITUTE, parent=c)
s = PracticeUnit.objects.create(code="S", name="站", level=Level.STATION, parent=i)
now = timezone.now()
running = Event.objects.create(unit=s, title="进行中", category="other", address="广场", starts_at=now,
    ends_at=now + datetime.timedelta(hours=2), status=EventStatus.PUBLISHED, signup_required=False)
later = Event.objects.create(unit=s, title="明天", category="other", address="广场",
    starts_at=now + datetime.timedelta(days=1), ends_at=now + datetime.timedelta(days=1, hours=2),
    status=EventStatus.PUBLISHED, capacity=5)
phones = []
for n in range(12):
    volunteer = make_volunteer(s, "志愿者")
    phones.append(volunteer.user.phone)
print(json.dumps({"token": make_event_code(running.pk, "in", now), "later": later.pk, "phones": phones}))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def call(base: str, path: str, body: dict, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        base + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}") if error.code != 500 else {}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sqlite-server")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "tests.sqlite_server_settings",
        "THROTTLE_CHECKIN": "10000/minute",
        "THROTTLE_LOGIN": "10000/minute",
        "LOGIN_ATTEMPTS_PER_IP": "10000",
        "MEDIA_ROOT": str(folder / "media"),
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput"], env=env, cwd=ROOT, check=True, capture_output=True)
    made = subprocess.run([*manage, "shell", "-c", SETUP], env=env, cwd=ROOT, check=True, capture_output=True)
    data = json.loads(made.stdout.decode().strip().splitlines()[-1])
    port = free_port()
    process = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.2)
        with ThreadPoolExecutor(len(data["phones"])) as pool:
            logins = pool.map(
                lambda phone: call(base, "/api/v1/auth/token/", {"phone": phone, "password": PASSWORD}),
                data["phones"],
            )
            data["tokens"] = [body["token"] for status, body in logins]
        yield base, data
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_twelve_identical_check_ins_make_one_record_and_no_error(server):
    base, data = server
    token = data["tokens"][0]
    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(lambda _: call(base, "/api/v1/checkins/", {"token": data["token"]}, token), range(12)))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * 11 + [201]
    assert len({body["id"] for _, body in answers}) == 1


def test_twelve_simultaneous_sign_ups_fill_five_places_exactly(server):
    base, data = server
    path = f"/api/v1/events/{data['later']}/signup/"
    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(lambda token: call(base, path, {}, token), data["tokens"]))
    assert [status for status, _ in answers] == [201] * 12
    assert sorted(body["status"] for _, body in answers) == ["confirmed"] * 5 + ["waitlisted"] * 7
