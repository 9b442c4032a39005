"""Two scanners uploading at the same moment scans of the same volunteers (PostgreSQL): no
deadlock, no duplicate record or place, and the result is the one a merge done alone gives."""

import pytest
import time_machine
from django.db.models import Count

from events.models import OfflineScan, OfflineScanOutcome, ServiceRecord, Signup, SignupStatus
from events.offline_merge import merge
from tests.concurrency import run_together
from tests.offline_merge.scan_log import at, build_world
from tests.offline_merge.test_receive import Scanner

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def crowd(transactional_db):
    with time_machine.travel(at(8), tick=False):
        yield build_world(volunteers=8, devices=2)


def batch(scanner: Scanner, volunteers: list[int], minute: int) -> list:
    """Each volunteer checked in and out at events 1 (10:00-12:00) and 2 (walk-ins, few places)."""
    scans = []
    for volunteer in volunteers:
        scans.append(scanner.scan(volunteer, 1, "in", at(10, minute)))
        scans.append(scanner.scan(volunteer, 1, "out", at(11, minute)))
        scans.append(scanner.scan(volunteer, 2, "in", at(12, 30 + minute), walk_in=True))
        scans.append(scanner.scan(volunteer, 2, "out", at(14, minute)))
    return scans


def state() -> tuple:
    records = ServiceRecord.objects.order_by("event_id", "volunteer_id")
    places = Signup.objects.filter(status=SignupStatus.CONFIRMED).order_by("event_id", "volunteer_id")
    scans = OfflineScan.objects.order_by("pk")
    return (
        list(records.values_list("event_id", "volunteer_id", "checked_in_at", "checked_out_at", "status")),
        list(places.values_list("event_id", "volunteer_id", "queued_at")),
        list(scans.values_list("pk", "outcome", "reason", "record_id")),
    )


def test_two_scanners_uploading_the_same_volunteers_at_once(crowd):
    first, second = Scanner(crowd, 0), Scanner(crowd, 1)
    everyone = list(range(len(crowd.volunteers)))
    # The same volunteers on both phones, in opposite orders, a minute apart.
    uploads = [batch(first, everyone, 5), batch(second, everyone[::-1], 6)]
    results = run_together([lambda: first.send(uploads[0]), lambda: second.send(uploads[1])])
    assert not [result for result in results if isinstance(result, Exception)], results
    duplicates = ServiceRecord.objects.values("event_id", "volunteer_id").annotate(n=Count("pk")).filter(n__gt=1)
    assert not duplicates.exists()
    event = crowd.events[2]
    assert event.signups.filter(status=SignupStatus.CONFIRMED).count() <= event.capacity
    assert not OfflineScan.objects.filter(outcome=OfflineScanOutcome.PENDING).exists()
    # Nothing a merge done alone would change: each upload saw the other's work whole.
    merged_apart = state()
    merge({volunteer.pk for volunteer in crowd.volunteers}, now=results[1].scans[0].uploaded_at)
    assert state() == merged_apart
    assert ServiceRecord.objects.filter(event=crowd.events[1]).count() == len(everyone)
