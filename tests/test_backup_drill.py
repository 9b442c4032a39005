import json
import os
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from events.models import Method
from events.services import approve_record, record_scan
from tests.events.conftest import at, make_event

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parent.parent


def test_the_drill_restores_a_backup_with_equal_counts_and_hours(tree, volunteer, admin_user, tmp_path, capsys):
    event = make_event(tree["S1"])
    record_scan(volunteer, event, "in", method=Method.EVENT_QR, at=at(9))
    record, _ = record_scan(volunteer, event, "out", method=Method.EVENT_QR, at=at(10, 30))
    approve_record(record, by=admin_user)
    settings = connection.settings_dict
    url = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    result = subprocess.run(
        ["bash", "scripts/backup_drill.sh", str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1.50 approved hours, identical after restore" in result.stdout
    assert list(tmp_path.glob("volunteers-*.dump"))
    call_command("data_totals")
    totals = json.loads(capsys.readouterr().out)
    assert totals["approved_hours"] == "1.50" and totals["counts"]["events.ServiceRecord"] == 1
