"""What `make run` does to the database: load_demo, then load_demo_orders, as often as it is run."""

import io
from decimal import Decimal

from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from events.models import RecordStatus, ServiceRecord
from orders.models import MenuItem, Order


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_the_demo_orders_load_after_the_demo_as_often_as_make_run_runs(client, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    run("load_demo")
    first = run("load_demo_orders")
    counts = (Order.objects.count(), MenuItem.objects.count())
    run("load_demo")
    again = run("load_demo_orders")
    assert "13600000001 / resident12345" in first and first == again
    assert (Order.objects.count(), MenuItem.objects.count()) == counts and counts[0] > 0
    response = client.post("/login/", {"username": "13600000001", "password": "resident12345"}, follow=True)
    assert response.redirect_chain[-1][0] == "/orders/mine/"
    assert (
        response.content.decode().count('class="event-card" href="/orders/')
        == Order.objects.filter(resident__phone="13600000001").count()
    )


def test_a_dry_run_of_the_demo_orders_saves_nothing(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    run("load_demo")
    assert "13600000001 / resident12345" in run("load_demo_orders", "--dry-run")
    assert not Order.objects.exists() and not MenuItem.objects.exists()


def test_the_demo_hours_show_in_the_statistics_the_rollups_answer(client, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    run("load_demo")
    approved = ServiceRecord.objects.filter(status=RecordStatus.APPROVED).aggregate(hours=Sum("credited_hours"))
    assert approved["hours"] > 0
    client.force_login(User.objects.get(phone="13800000000"))
    year = timezone.localtime(ServiceRecord.objects.filter(status=RecordStatus.APPROVED).first().checked_in_at).year
    summary = client.get("/api/v1/stats/summary/", {"year": year}).json()
    assert Decimal(str(summary["total_hours"])) == approved["hours"]


def test_the_demo_volunteer_finds_notices_in_the_inbox_after_make_run(client, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    run("load_demo")
    first = run("load_demo_notifications")
    again = run("load_demo_notifications")
    assert first == again and "occurrences" in first
    client.post("/login/", {"username": "13700000000", "password": "volunteer12345"})
    inbox = client.get("/me/inbox/").content.decode()
    assert "报名成功" in inbox and "每周助老探访" in inbox
