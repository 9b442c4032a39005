from django.core.management import call_command

from accounts.models import User
from events.models import Event
from stations.models import Level, PracticeUnit, UnitManager
from volunteers.demo import ADMIN_PASSWORD, ADMIN_PHONE
from volunteers.models import Volunteer


def test_demo_data_builds_the_network_once_however_often_it_runs(db, capsys):
    call_command("load_demo")
    call_command("load_demo")
    assert PracticeUnit.objects.filter(level=Level.CENTER).count() == 1
    assert PracticeUnit.objects.filter(level=Level.INSTITUTE).count() == 2
    assert PracticeUnit.objects.filter(level=Level.STATION).count() == 4
    assert Volunteer.objects.count() == 40
    assert UnitManager.objects.count() == 7
    assert User.objects.get(phone=ADMIN_PHONE).check_password(ADMIN_PASSWORD)
    assert f"{ADMIN_PHONE} / {ADMIN_PASSWORD}" in capsys.readouterr().out
    assert Event.objects.count() == 2
    assert Volunteer.objects.with_hours().filter(approved_hours=2).count() == 5


def test_a_dry_run_saves_nothing(db):
    call_command("load_demo", "--dry-run")
    assert not PracticeUnit.objects.exists() and not User.objects.exists()


def test_demo_logins_work_for_the_api(db, client):
    call_command("load_demo")
    response = client.post("/api/v1/auth/token/", {"phone": "13900000101", "password": "manager12345"})
    assert response.status_code == 200
    token = response.json()["token"]
    body = client.get("/api/v1/volunteers/", HTTP_AUTHORIZATION=f"Token {token}").json()
    assert body["count"] == 10
