"""Points follow the hours: credited on approval, reversed fully and traceably on rejection or correction."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from events.models import ServiceRecord
from events.services import approve_record, bulk_approve, correct_record_times, reject_record
from events.signals import hours_changed
from points import earning, ledger
from points.models import AccountKind, PointsDue, Transfer, TransferKind
from tests.conftest import make_volunteer
from tests.points.conftest import at, make_record

pytestmark = pytest.mark.django_db


def balance(volunteer) -> Decimal:
    return ledger.volunteer_account(volunteer).balance


def test_approving_a_record_credits_hours_times_the_rate(rule, served, station_manager, settled):
    with settled():
        approve_record(served, by=station_manager)
    earn = Transfer.objects.get(record=served)
    assert (earn.kind, earn.amount, earn.hours) == (TransferKind.EARN, Decimal("20.00"), Decimal("2.00"))
    assert earn.unit == served.event.unit and earn.source.kind == AccountKind.ISSUE
    assert balance(served.volunteer) == Decimal("20.00")
    assert not PointsDue.objects.exists()


def test_the_approval_pays_one_statement_for_the_points(rule, served, station_manager, tree, volunteer):
    twin = make_record(served.event, make_volunteer(tree["S1"]))
    with CaptureQueriesContext(connection) as without:
        hours_changed.disconnect(dispatch_uid="points-follow-hours", sender=ServiceRecord)
        try:
            approve_record(twin, by=station_manager)
        finally:
            hours_changed.connect(earning.on_hours_changed, sender=ServiceRecord, dispatch_uid="points-follow-hours")
    with CaptureQueriesContext(connection) as with_points:
        approve_record(served, by=station_manager)
    assert len(with_points) == len(without) + 1
    assert PointsDue.objects.filter(record=served).exists()


def test_rejecting_an_approved_record_reverses_its_points_naming_the_earning(
    rule, served, station_manager, institute_manager, settled
):
    with settled():
        approve_record(served, by=station_manager)
    with settled():
        reject_record(served, by=institute_manager, reason="未到场")
    earn = Transfer.objects.get(record=served, kind=TransferKind.EARN)
    reversal = Transfer.objects.get(record=served, kind=TransferKind.REVERSAL)
    assert reversal.reverses == earn and reversal.amount == earn.amount
    assert reversal.target.kind == AccountKind.REVERSAL and "未到场" in reversal.memo
    assert balance(served.volunteer) == Decimal("0.00")


def test_corrected_times_take_the_points_back_until_the_record_is_approved_again(
    rule, served, station_manager, institute_manager, settled, clock
):
    with settled():
        approve_record(served, by=station_manager)
    clock.move_to(at(12))
    with settled():
        correct_record_times(served, by=institute_manager, reason="提前离开", checked_out_at=at(10))
    assert balance(served.volunteer) == Decimal("0.00")
    with settled():
        approve_record(served, by=station_manager)
    earns = Transfer.objects.filter(record=served, kind=TransferKind.EARN).order_by("pk")
    assert [(earn.amount, earn.hours) for earn in earns] == [
        (Decimal("20.00"), Decimal("2.00")),
        (Decimal("10.00"), Decimal("1.00")),
    ]
    assert earns[0].reversals.count() == 1 and not earns[1].reversals.exists()
    assert balance(served.volunteer) == Decimal("10.00")


def test_a_bulk_approval_credits_every_record(rule, served, station_manager, tree, settled):
    others = [make_record(served.event, make_volunteer(tree["S1"])) for _ in range(3)]
    with settled():
        outcome = bulk_approve([served, *others], by=station_manager)
    assert len(outcome["approved"]) == 4
    for record in [served, *others]:
        assert balance(record.volunteer) == Decimal("20.00")


def test_settling_twice_moves_the_points_once(rule, served, station_manager, settled):
    with settled():
        approve_record(served, by=station_manager)
    earning.settle([served.pk, served.pk])
    earning.settle([served.pk])
    assert Transfer.objects.filter(record=served).count() == 1
    assert balance(served.volunteer) == Decimal("20.00")


def test_reversing_points_already_spent_leaves_a_debt(rule, served, station_manager, institute_manager, settled, tree):
    with settled():
        approve_record(served, by=station_manager)
    account = ledger.volunteer_account(served.volunteer)
    with transaction.atomic():
        ledger.post(
            TransferKind.REDEMPTION, account, ledger.unit_account(tree["S1"], AccountKind.SHOP), 15, unit=tree["S1"]
        )
    with settled():
        reject_record(served, by=institute_manager, reason="重复记录")
    assert balance(served.volunteer) == Decimal("-15.00")


def test_without_a_rule_approved_hours_earn_no_points(served, station_manager, settled):
    with settled():
        approve_record(served, by=station_manager)
    assert not Transfer.objects.exists()
    assert not PointsDue.objects.exists()


def test_a_failed_settle_leaves_the_record_due_for_the_cron_command(
    rule, served, station_manager, settled, monkeypatch, caplog
):
    def broken(record):
        raise RuntimeError("database went away")

    monkeypatch.setattr(earning, "points_for", broken)
    with settled():
        approved = approve_record(served, by=station_manager)
    assert approved.status == "approved"
    assert PointsDue.objects.filter(record=served).exists() and "settle_points will retry" in caplog.text
    monkeypatch.undo()
    call_command("settle_points", "--dry-run")
    assert PointsDue.objects.filter(record=served).exists()
    call_command("settle_points")
    assert balance(served.volunteer) == Decimal("20.00")
    assert not PointsDue.objects.exists()


def test_a_large_bulk_approval_settles_its_points_through_the_task_worker(
    rule, event, volunteer, station_manager, settled, settings
):
    settings.POINTS_SETTLE_INLINE = 2
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    people = [volunteer, *(make_volunteer(event.unit, f"志愿者{n}") for n in range(2))]
    records = [make_record(event, person) for person in people]
    with settled():
        outcome = bulk_approve(records, by=station_manager)
    assert sorted(outcome["approved"]) == sorted(record.pk for record in records)
    assert [ledger.volunteer_account(person).balance for person in people] == [Decimal("20.00")] * 3
    assert not PointsDue.objects.exists()


def test_a_large_bulk_approval_waits_for_the_worker_and_cron_when_none_runs(
    rule, event, volunteer, station_manager, settled, settings
):
    settings.POINTS_SETTLE_INLINE = 2
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    people = [volunteer, *(make_volunteer(event.unit, f"志愿者{n}") for n in range(2))]
    records = [make_record(event, person) for person in people]
    with settled():
        bulk_approve(records, by=station_manager)
    # Nothing settled in the request: the points are due, and settle_points (cron) brings them.
    assert PointsDue.objects.count() == 3
    assert ledger.volunteer_account(volunteer).balance == Decimal("0.00")
    call_command("settle_points", stdout=io.StringIO())
    assert [ledger.volunteer_account(person).balance for person in people] == [Decimal("20.00")] * 3
