"""Two settles of one record at once, on PostgreSQL: the points move once.

The control reads the record, the account and what stands without the row locks, and
the two settles then both credit the record.
"""

from decimal import Decimal

import pytest

from events.models import RecordStatus, ServiceRecord
from points import earning, ledger
from points.models import PointsRule, Transfer, TransferKind
from tests.concurrency import run_together, without_lock
from tests.conftest import make_volunteer
from tests.points.conftest import make_event, make_record

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def approved_record(tree) -> ServiceRecord:
    PointsRule.objects.create(unit=tree["C"], points_per_hour=Decimal("10"))
    volunteer = make_volunteer(tree["S1"])
    record = make_record(make_event(tree["S1"]), volunteer)
    record.status = RecordStatus.APPROVED
    record.save(update_fields=["status"])
    ledger.volunteer_account(volunteer)
    return record


def settle_twice_at_once(record: ServiceRecord) -> int:
    outcomes = run_together([lambda: earning.settle([record.pk]) for _ in range(2)])
    assert outcomes == [None, None]
    return Transfer.objects.filter(record=record, kind=TransferKind.EARN).count()


def test_two_simultaneous_settles_credit_a_record_once(tree):
    record = approved_record(tree)
    assert settle_twice_at_once(record) == 1
    assert ledger.volunteer_account(record.volunteer).balance == Decimal("20.00")


def unlocked(record_id: int):
    record = ServiceRecord.objects.select_related("event__unit", "volunteer").get(pk=record_id)
    account = ledger.volunteer_account(record.volunteer)
    return record, account, list(earning.standing_earns(record))


def test_control_without_the_locks_two_settles_credit_twice(tree, monkeypatch):
    record = approved_record(tree)
    without_lock(monkeypatch, earning, "_locked", unlocked, parties=2)
    assert settle_twice_at_once(record) == 2
