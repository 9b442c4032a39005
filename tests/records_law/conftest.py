import datetime

import pytest
import time_machine

from events.models import Method, RecordStatus, ServiceRecord
from tests.events.conftest import SHANGHAI, make_event


def past_event(unit, day: datetime.date, **fields):
    """A finished two-hour event (09:00-11:00 Shanghai) on ``day``."""
    start = datetime.datetime.combine(day, datetime.time(9), tzinfo=SHANGHAI)
    return make_event(unit, starts_at=start, ends_at=start + datetime.timedelta(hours=2), status="finished", **fields)


def attended(event, volunteer, *, status: str = RecordStatus.PENDING, out: bool = True, **fields) -> ServiceRecord:
    """A record of ``volunteer`` at ``event``, checked out at its end unless ``out`` is false."""
    return ServiceRecord.objects.create(
        event=event,
        volunteer=volunteer,
        checked_in_at=event.starts_at,
        checked_out_at=event.ends_at if out else None,
        credited_hours=event.credited_hours(event.starts_at, event.ends_at) if out else 0,
        method=Method.EVENT_QR,
        status=status,
        **fields,
    )


@pytest.fixture
def on_day():
    """``with on_day(date):`` travel to noon of that day in Shanghai."""

    def travel(day: datetime.date):
        return time_machine.travel(datetime.datetime.combine(day, datetime.time(12), tzinfo=SHANGHAI), tick=False)

    return travel


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
