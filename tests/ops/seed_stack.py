"""Data for the two-node test, written through the models into the stack's own database.

Run by the test as ``manage.py shell -c "from tests.ops.seed_stack import main; main()"``
with the stack's environment; prints what the test needs as JSON.
"""

import datetime
import json
from decimal import Decimal

from django.utils import timezone

from events.models import Method, RecordStatus, ServiceRecord
from stations.models import Level, PracticeUnit, UnitManager
from tests.conftest import PASSWORD, make_volunteer
from tests.events.conftest import make_event

VOLUNTEERS = 24
CERTIFIED = 3


def main() -> None:
    from django.contrib.auth import get_user_model

    center = PracticeUnit.objects.create(code="OPSC", name="运维测试中心", level=Level.CENTER)
    institute = PracticeUnit.objects.create(code="OPSI", name="运维测试所", level=Level.INSTITUTE, parent=center)
    station = PracticeUnit.objects.create(code="OPSS", name="运维测试站", level=Level.STATION, parent=institute)
    manager = get_user_model().objects.create_user("15999990001", PASSWORD, name="站管理员", is_staff=True)
    UnitManager.objects.create(user=manager, unit=station)
    volunteers = [make_volunteer(station, f"志愿者{n}", phone=f"158{n:08d}") for n in range(VOLUNTEERS)]
    now = timezone.now()
    today = make_event(
        station, starts_at=now - datetime.timedelta(minutes=10), ends_at=now + datetime.timedelta(hours=3)
    )
    last_week = make_event(
        station,
        title="上周的环境清洁",
        starts_at=now - datetime.timedelta(days=7),
        ends_at=now - datetime.timedelta(days=7) + datetime.timedelta(hours=2),
    )
    for volunteer in volunteers[:CERTIFIED]:
        ServiceRecord.objects.create(
            event=last_week,
            volunteer=volunteer,
            checked_in_at=last_week.starts_at,
            checked_out_at=last_week.ends_at,
            method=Method.EVENT_QR,
            status=RecordStatus.APPROVED,
            credited_hours=Decimal("2.00"),
        )
    local_day = timezone.localdate(last_week.starts_at)
    print(
        json.dumps(
            {
                "password": PASSWORD,
                "manager": manager.phone,
                "volunteers": [volunteer.phone for volunteer in volunteers],
                "station": station.pk,
                "event": today.pk,
                "period": [str(local_day - datetime.timedelta(days=1)), str(local_day + datetime.timedelta(days=1))],
                "certified": CERTIFIED,
            }
        )
    )
