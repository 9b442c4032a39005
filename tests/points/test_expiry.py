"""Points older than the rule's years expire, oldest first; the volunteer sees them coming for 30 days."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from events.models import RecordStatus
from events.services import approve_record, reject_record
from points import ledger
from points.expiry import expire_points, expiring, expiry_date_of_next
from points.models import AccountKind, Transfer, TransferKind
from tests.points.conftest import DAY, SHANGHAI

pytestmark = pytest.mark.django_db


def moment(year: int, month: int, day: int) -> datetime.datetime:
    return datetime.datetime(year, month, day, 12, 0, tzinfo=SHANGHAI)


def credit(volunteer, amount: str, when: datetime.datetime, unit) -> Transfer:
    with transaction.atomic():
        return ledger.post(
            TransferKind.AWARD,
            ledger.unit_account(unit, AccountKind.ISSUE),
            ledger.volunteer_account(volunteer),
            Decimal(amount),
            unit=unit,
            at=when,
        )


def spend(volunteer, amount: str, when: datetime.datetime, unit) -> None:
    with transaction.atomic():
        shop = ledger.unit_account(unit, AccountKind.SHOP)
        ledger.post(
            TransferKind.REDEMPTION, ledger.volunteer_account(volunteer), shop, Decimal(amount), unit=unit, at=when
        )


@pytest.fixture
def two_years(rule):
    rule.expiry_years = 2
    rule.save()
    return rule


@pytest.fixture
def earned(two_years, served, station_manager, settled, tree):
    """20 points for the served record on DAY (2026-12-05), 5 spent in 2027, 10 more in mid-2027."""
    with settled():
        approve_record(served, by=station_manager)
    spend(served.volunteer, "5", moment(2027, 3, 1), tree["S1"])
    credit(served.volunteer, "10", moment(2027, 6, 1), tree["S1"])
    return served.volunteer


def test_the_page_shows_the_oldest_unspent_points_30_days_before_they_expire(earned):
    assert expiring(earned, now=moment(2028, 10, 1)) == Decimal("0.00")
    assert expiring(earned, now=moment(2028, 11, 10)) == Decimal("15.00")
    assert expiry_date_of_next(earned, now=moment(2028, 11, 10)) == DAY.replace(year=2028)


def test_a_run_expires_only_points_older_than_the_rule_years(earned, clock):
    assert expire_points(now=moment(2028, 11, 10)) == {"volunteers": 0, "points": Decimal("0.00")}
    outcome = expire_points(now=moment(2028, 12, 6))
    assert outcome == {"volunteers": 1, "points": Decimal("15.00")}
    expiry = Transfer.objects.get(kind=TransferKind.EXPIRY)
    assert expiry.target.kind == AccountKind.EXPIRY and expiry.unit == earned.home_station
    assert ledger.volunteer_account(earned).balance == Decimal("10.00")
    assert expiring(earned, now=moment(2028, 12, 6)) == Decimal("0.00")
    assert expiry_date_of_next(earned, now=moment(2028, 12, 6)) == datetime.date(2029, 6, 1)


def test_a_second_run_expires_nothing_more(earned):
    expire_points(now=moment(2028, 12, 6))
    assert expire_points(now=moment(2028, 12, 7))["points"] == Decimal("0.00")
    assert expire_points(now=moment(2029, 6, 2))["points"] == Decimal("10.00")
    assert ledger.volunteer_account(earned).balance == Decimal("0.00")


def test_hours_never_expire(earned, served):
    expire_points(now=moment(2030, 1, 1))
    served.refresh_from_db()
    assert (served.status, served.credited_hours) == (RecordStatus.APPROVED, Decimal("2.00"))


def test_a_dry_run_counts_without_moving_points(earned, clock):
    clock.move_to(moment(2028, 12, 6))
    out = StringIO()
    call_command("expire_points", "--dry-run", stdout=out)
    assert "15.00" in out.getvalue()
    assert ledger.volunteer_account(earned).balance == Decimal("25.00")
    assert not Transfer.objects.filter(kind=TransferKind.EXPIRY).exists()


def test_the_command_expires_what_is_due_now(earned, clock):
    clock.move_to(moment(2028, 12, 6))
    out = StringIO()
    call_command("expire_points", stdout=out)
    assert "15.00" in out.getvalue()
    assert ledger.volunteer_account(earned).balance == Decimal("10.00")


def test_reversed_points_neither_expire_nor_use_up_older_points(
    two_years, served, station_manager, institute_manager, settled, tree
):
    credit(served.volunteer, "7", moment(2025, 12, 1), tree["S1"])
    with settled():
        approve_record(served, by=station_manager)
    with settled():
        reject_record(served, by=institute_manager, reason="重复记录")
    assert expiring(served.volunteer, now=moment(2028, 1, 1), within_days=0) == Decimal("7.00")


def test_frozen_points_still_expire(earned):
    account = ledger.volunteer_account(earned)
    account.frozen_reason = "记录有争议"
    account.save(update_fields=["frozen_reason"])
    assert expire_points(now=moment(2028, 12, 6))["points"] == Decimal("15.00")


def test_points_never_expire_without_an_expiry_in_the_rule(rule, served, station_manager, settled):
    with settled():
        approve_record(served, by=station_manager)
    assert expiring(served.volunteer, now=moment(2040, 1, 1)) == Decimal("0.00")
    assert expire_points(now=moment(2040, 1, 1))["points"] == Decimal("0.00")
