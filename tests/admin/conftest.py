"""The admin site as a station manager uses it: on the event day, tasks run at once, files in a temp folder."""

import pytest
import time_machine

from events.models import Method, ServiceRecord
from events.services import record_scan
from tests.events.conftest import at, make_event


@pytest.fixture(autouse=True)
def admin_storage_and_tasks(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def after_the_event():
    """Noon of the tests' event day: the 09:00-11:00 event is over, its records can be reviewed."""
    with time_machine.travel(at(12), tick=True):
        yield


def pending_record(event, volunteer, *, start: int = 9, end: int = 10) -> ServiceRecord:
    record_scan(volunteer, event, "in", method=Method.EVENT_QR, at=at(start))
    return record_scan(volunteer, event, "out", method=Method.EVENT_QR, at=at(end))[0]


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def event(tree):
    return make_event(tree["S1"])
