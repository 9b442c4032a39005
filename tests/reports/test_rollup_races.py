"""Approvals running at the same moment all land in the rollups (PostgreSQL, as CI runs it)."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction

from events import services
from events.models import Method, RecordStatus, ServiceRecord
from reports.models import HoursRollup, UnitHours
from reports.rollups import reading
from tests.concurrency import run_together
from tests.conftest import make_manager, make_volunteer
from tests.reports.rollups import assert_rollups_match
from tests.stats.conftest import local, make_event

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_seven_approvals_at_once_in_one_group_all_count(tree, django_user_model):
    # Eight events, so the approvals lock no common event: only the rollup rows are shared.
    records = []
    for n in range(8):
        event = make_event(tree["S1"], f"清洁{n}", "environment", local(f"2026-03-{10 + n}"))
        volunteer = make_volunteer(tree["S1"], f"志愿者{n}")
        records.append(
            ServiceRecord.objects.create(
                event=event,
                volunteer=volunteer,
                checked_in_at=event.starts_at,
                checked_out_at=event.starts_at + datetime.timedelta(hours=2),
                credited_hours=Decimal("1.50"),
                method=Method.EVENT_QR,
                status=RecordStatus.PENDING,
            )
        )
    manager = make_manager(django_user_model, tree["I1"], "所管理员")
    # The group's rows exist already, as they mostly will.
    services.approve_record(records.pop(), by=manager)

    results = run_together([lambda r=r: services.approve_record(r, by=manager).status for r in records])

    assert results == [RecordStatus.APPROVED] * 7
    assert HoursRollup.objects.get().records == 8
    assert UnitHours.objects.get(unit=tree["C"], year=2026, month=0).hours == Decimal("12.00")
    assert reading.volunteer_counts(reading.Reach(tree["S1"]), year=2026).served == 8
    assert_rollups_match()


def test_a_volunteer_moving_while_their_records_are_approved_takes_all_of_them(tree, django_user_model):
    volunteer = make_volunteer(tree["S1"], "李四")
    manager = make_manager(django_user_model, tree["C"], "中心管理员")
    records = []
    for n in range(4):
        event = make_event(tree["S2"], f"活动{n}", "culture", local(f"2026-0{n + 1}-10"))
        records.append(
            ServiceRecord.objects.create(
                event=event,
                volunteer=volunteer,
                checked_in_at=event.starts_at,
                checked_out_at=event.starts_at + datetime.timedelta(hours=1),
                credited_hours=Decimal("1.00"),
                method=Method.EVENT_QR,
                status=RecordStatus.PENDING,
            )
        )

    @transaction.atomic
    def move():
        volunteer.home_station = tree["S3"]
        volunteer.save()

    run_together([move] + [lambda r=r: services.approve_record(r, by=manager) for r in records])

    assert ServiceRecord.objects.filter(status=RecordStatus.APPROVED).count() == 4
    assert_rollups_match()
    assert reading.totals(reading.Reach(tree["S3"])).records == 4
