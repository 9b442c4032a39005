"""Probes and metrics: what a load balancer and Prometheus see."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.test import Client

from backend import health
from events import working_days
from tests.conftest import client_for
from tests.events.conftest import make_event
from tests.events.test_checkin import code_for

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def fresh_storage_probe(monkeypatch):
    """Every test probes the storage itself, whatever the one before it saw."""
    monkeypatch.setattr(health, "_storage_checked", None)


@pytest.fixture
def mid_2026():
    """A year whose holiday schedule chinesecalendar 1.11 knows, the next one's not yet needed."""
    with time_machine.travel(datetime.datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI), tick=False) as traveller:
        yield traveller


def test_healthz_answers_without_a_login_or_a_known_host(db):
    response = Client(HTTP_HOST="10.0.0.7").get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_checks_database_migrations_cache_storage_and_queue(db, settings, tmp_path, mid_2026):
    settings.MEDIA_ROOT = tmp_path
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "cache": "ok", "storage": "ok", "task_queue": "ok"},
        "calendar": {"known_until": working_days.schedule_years()[-1], "missing_year": None},
    }
    assert response["Cache-Control"] == "no-store"
    assert not any(tmp_path.rglob("*.txt")), "the storage probe leaves no file behind"


def test_readyz_fails_when_storage_is_not_writable(db, settings, tmp_path):
    # A file where the media folder should be: not writable, even for root.
    (tmp_path / "not-a-folder").write_text("x")
    settings.MEDIA_ROOT = tmp_path / "not-a-folder" / "media"
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "fail"
    assert response.json()["checks"]["database"] == "ok"


def test_readyz_reports_unapplied_migrations(db, monkeypatch):
    monkeypatch.setattr(health, "_migrations_applied", False)
    monkeypatch.setattr(health.MigrationExecutor, "migration_plan", lambda self, targets: [("events", "9999_future")])
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "fail"
    # Says which check failed and nothing more: no migration names, no error text.
    assert "9999" not in response.content.decode()


def test_readyz_writes_to_storage_once_in_a_few_seconds(db, settings, monkeypatch):
    settings.READYZ_STORAGE_CHECK_SECONDS = 10
    writes = []
    real_save = default_storage.save
    monkeypatch.setattr(default_storage, "save", lambda *args, **kwargs: writes.append(1) or real_save(*args, **kwargs))
    statuses = [Client(REMOTE_ADDR="198.51.100.7").get("/readyz").status_code for _ in range(5)]
    assert statuses == [200] * 5 and len(writes) == 1
    checked_at, failure = health._storage_checked
    monkeypatch.setattr(health, "_storage_checked", (checked_at - 11, failure))  # 11 seconds later
    assert Client().get("/readyz").json()["checks"]["storage"] == "ok"
    assert len(writes) == 2


def test_a_storage_failure_is_remembered_as_long_as_a_success(db, settings, tmp_path):
    settings.READYZ_STORAGE_CHECK_SECONDS = 10
    (tmp_path / "not-a-folder").write_text("x")
    settings.MEDIA_ROOT = tmp_path / "not-a-folder" / "media"
    assert Client().get("/readyz").status_code == 503
    settings.MEDIA_ROOT = tmp_path / "media"
    again = Client().get("/readyz")
    assert again.status_code == 503 and again.json()["checks"]["storage"] == "fail"


def test_readyz_tells_others_its_status_only(db, settings):
    settings.METRICS_ALLOWED_ADDRESSES = ["10.1.2.0/24"]
    response = Client(REMOTE_ADDR="192.0.2.9").get("/readyz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "checks" in Client(REMOTE_ADDR="10.1.2.3").get("/readyz").json()


def test_readyz_tells_others_only_that_it_failed(db, settings, tmp_path):
    settings.METRICS_ALLOWED_ADDRESSES = ["10.1.2.0/24"]
    (tmp_path / "not-a-folder").write_text("x")
    settings.MEDIA_ROOT = tmp_path / "not-a-folder" / "media"
    response = Client(REMOTE_ADDR="192.0.2.9").get("/readyz")
    assert response.status_code == 503 and response.json() == {"status": "fail"}


def test_admins_see_the_details_from_any_address(db, settings, admin_user, station_manager):
    settings.METRICS_ALLOWED_ADDRESSES = ["10.1.2.0/24"]
    admin = Client(REMOTE_ADDR="192.0.2.9")
    admin.force_login(admin_user)
    assert admin.get("/readyz").json()["checks"]["database"] == "ok"
    manager = Client(REMOTE_ADDR="192.0.2.9")
    manager.force_login(station_manager)
    assert "checks" not in manager.get("/readyz").json()


def test_a_forged_forwarded_for_does_not_show_the_details(db, settings):
    settings.METRICS_ALLOWED_ADDRESSES = ["127.0.0.1"]
    settings.NUM_PROXIES = 1
    settings.TRUSTED_PROXIES = ["10.9.0.1"]
    response = Client(REMOTE_ADDR="192.0.2.9", HTTP_X_FORWARDED_FOR="127.0.0.1").get("/readyz")
    assert response.json() == {"status": "ok"}


def test_readyz_names_the_year_the_calendar_lacks_without_failing(db, settings):
    with time_machine.travel(datetime.datetime(2027, 3, 1, 9, 0, tzinfo=SHANGHAI), tick=False):
        response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json()["calendar"] == {"known_until": 2026, "missing_year": 2027}


def test_metrics_are_refused_to_addresses_not_configured(db, settings):
    settings.METRICS_ALLOWED_ADDRESSES = ["10.1.2.0/24"]
    assert Client(REMOTE_ADDR="192.0.2.9").get("/metrics").status_code == 404
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 200


@pytest.mark.parametrize("proxies", [0, 1, 2])
def test_a_forged_forwarded_for_does_not_open_metrics(db, settings, proxies):
    settings.NUM_PROXIES = proxies
    response = Client(REMOTE_ADDR="192.0.2.9", HTTP_X_FORWARDED_FOR="127.0.0.1").get("/metrics")
    assert response.status_code == 404


def test_a_trusted_proxy_tells_who_the_client_is(db, settings):
    settings.NUM_PROXIES = 1
    settings.TRUSTED_PROXIES = ["10.9.0.0/24"]
    settings.METRICS_ALLOWED_ADDRESSES = ["192.0.2.50"]
    assert Client(REMOTE_ADDR="10.9.0.1", HTTP_X_FORWARDED_FOR="192.0.2.50").get("/metrics").status_code == 200
    # What the client wrote itself stands left of what our proxy appended.
    forged = Client(REMOTE_ADDR="10.9.0.1", HTTP_X_FORWARDED_FOR="192.0.2.50, 203.0.113.4")
    assert forged.get("/metrics").status_code == 404


@pytest.mark.parametrize("forwarded", ["2.2.2.2, garbage", "garbage", "127.0.0.1, not-an-address"])
def test_an_unparseable_hop_from_a_trusted_proxy_is_not_the_proxys_address(db, settings, forwarded):
    # Defaults: the proxy is on loopback, and loopback may read /metrics.
    settings.NUM_PROXIES = 1
    settings.TRUSTED_PROXIES = ["127.0.0.1", "::1"]
    settings.METRICS_ALLOWED_ADDRESSES = ["127.0.0.1", "::1"]
    client = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client.get("/metrics").status_code == 404
    assert "checks" not in client.get("/readyz").json()
    # The proxy asking for itself still may.
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 200


def metric(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    prefix = f"{name}{{{wanted}}} " if labels else f"{name} "
    lines = [line for line in text.splitlines() if line.startswith(prefix)]
    return float(lines[0].split()[-1]) if lines else 0.0


def scrape() -> str:
    response = Client(REMOTE_ADDR="127.0.0.1").get("/metrics")
    assert response.status_code == 200
    return response.content.decode()


def test_metrics_count_checkins_refusals_requests_and_queue(clock, tree, station_manager_client, volunteer):
    event = make_event(tree["S1"])
    before = scrape()
    clock.move_to(event.starts_at)
    token = code_for(station_manager_client, event)["token"]
    volunteer_client = client_for(volunteer.user)
    assert volunteer_client.post("/api/v1/checkins/", {"token": token}, format="json").status_code == 201
    refused = volunteer_client.post("/api/v1/checkins/", {"token": token + "x"}, format="json")
    assert refused.status_code == 400
    after = scrape()
    name = "volunteer_checkins_total"
    assert metric(after, name, action="in") - metric(before, name, action="in") == 1
    code = refused.json()["code"]
    assert metric(after, "volunteer_refused_scans_total", code=code) == (
        metric(before, "volunteer_refused_scans_total", code=code) + 1
    )
    # django-prometheus: requests by view and status, latency histograms by view.
    assert 'django_http_responses_total_by_status_view_method_total{method="POST",status="201",view="checkin"}' in after
    assert "django_http_requests_latency_seconds_by_view_method_bucket" in after
    assert 'volunteer_task_queue_depth{queue="default"} 0.0' in after
