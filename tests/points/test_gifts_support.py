"""Support for the gift, watch and ledger-admin tests (no tests here): points on an account, a rule allowing gifts."""

from decimal import Decimal

import pytest
from django.db import transaction

from points.ledger import post, unit_account, volunteer_account
from points.models import AccountKind, PointsRule, Transfer, TransferKind
from volunteers.models import Volunteer


def credit(volunteer: Volunteer, amount: str, **kwargs) -> Transfer:
    """``amount`` points issued to the volunteer, as if earned at their home station."""
    with transaction.atomic():
        station = volunteer.home_station
        return post(
            TransferKind.EARN,
            unit_account(station, AccountKind.ISSUE),
            volunteer_account(volunteer),
            Decimal(amount),
            unit=station,
            **kwargs,
        )


def balance(volunteer: Volunteer) -> Decimal:
    return volunteer_account(volunteer).balance


@pytest.fixture
def generous_rule(tree) -> PointsRule:
    """Center C's rule: 10 points per hour; gifts to relatives and donations allowed."""
    return PointsRule.objects.create(
        unit=tree["C"], points_per_hour=Decimal("10.00"), gifts_allowed=True, donations_allowed=True
    )


def set_rule(**fields) -> None:
    """Change center C's rule (``generous_rule``): ``set_rule(gifts_allowed=False)``."""
    PointsRule.objects.filter(unit__code="C").update(**fields)
