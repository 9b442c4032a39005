"""Probes and metrics: what a load balancer and Prometheus see."""

from django.test import Client

from backend import health
from tests.conftest import client_for
from tests.events.conftest import make_event
from tests.events.test_checkin import code_for


def test_healthz_answers_without_a_login_or_a_known_host(db):
    response = Client(HTTP_HOST="10.0.0.7").get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_checks_database_migrations_cache_storage_and_queue(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "cache": "ok", "storage": "ok", "task_queue": "ok"},
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


def test_metrics_are_refused_to_addresses_not_configured(db, settings):
    settings.METRICS_ALLOWED_ADDRESSES = ["10.1.2.0/24"]
    assert Client(REMOTE_ADDR="192.0.2.9").get("/metrics").status_code == 404
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 200


def test_a_forged_forwarded_for_does_not_open_metrics(db, settings):
    settings.NUM_PROXIES = 0
    response = Client(REMOTE_ADDR="192.0.2.9", HTTP_X_FORWARDED_FOR="127.0.0.1").get("/metrics")
    assert response.status_code == 404


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
