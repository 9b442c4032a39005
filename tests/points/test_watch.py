"""Fraud watch: points frozen while a record is disputed or by a manager; alerts: fast earning, shop rushes, circles."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from events.services import approve_record, ask_correction, decline_correction
from points import gifts, shop, watch
from points.errors import PointsError
from points.ledger import unit_account, volunteer_account
from points.models import AccountKind, Alert, AlertKind, ShopItem
from tests.conftest import make_volunteer
from tests.points.conftest import at
from tests.points.test_gifts_support import balance, credit, generous_rule  # noqa: F401

pytestmark = pytest.mark.usefixtures("generous_rule")


def frozen_reason(volunteer) -> str:
    return volunteer_account(volunteer).frozen_reason


def code_of(call) -> str:
    with pytest.raises(PointsError) as refused:
        call()
    return refused.value.code


@pytest.fixture
def rice(tree, station_manager) -> ShopItem:
    item = ShopItem.objects.create(unit=tree["S1"], name="一袋大米", price=Decimal("10.00"))
    shop.receive_stock(item, 20, by=station_manager)
    item.refresh_from_db()
    return item


@pytest.fixture
def dispute(settled):
    """``dispute(record)`` asks a correction; the freeze follows once it commits, as in production."""

    def ask(record):
        with settled():
            return ask_correction(record.volunteer, reason="签到时间记错了", record=record, checked_in_at=at(9, 30))

    return ask


@pytest.fixture
def decide(settled, station_manager):
    """``decide(request)`` declines it: the record stands; the freeze lifts once that commits."""

    def decline(request):
        with settled():
            return decline_correction(request, by=station_manager, reason="签到记录无误")

    return decline


# Freezing ----------------------------------------------------------------------------------------------


def test_a_pending_correction_freezes_the_points_and_its_decision_thaws_them(served, dispute, decide):
    request = dispute(served)
    assert frozen_reason(served.volunteer) == watch.DISPUTED
    assert watch.frozen_reason_text(volunteer_account(served.volunteer)) == str(watch.DISPUTED_TEXT)

    decide(request)
    assert frozen_reason(served.volunteer) == ""


def test_a_frozen_volunteer_still_earns_but_cannot_redeem_give_or_donate(
    served, station_manager, other_volunteer, rice, settled, tree, dispute, decide
):
    volunteer = served.volunteer
    credit(volunteer, "50")
    request = dispute(served)

    with settled():
        approve_record(served, by=station_manager)
    assert balance(volunteer) == Decimal("70.00")

    assert code_of(lambda: shop.redeem(rice, volunteer, by=station_manager)) == "account_frozen"
    assert code_of(lambda: gifts.offer_gift(volunteer, other_volunteer, Decimal("5"), relation="父母")) == (
        "account_frozen"
    )
    assert code_of(lambda: gifts.donate(volunteer, tree["S1"], Decimal("5"))) == "account_frozen"

    decide(request)
    shop.redeem(rice, volunteer, by=station_manager)
    assert balance(volunteer) == Decimal("60.00")


def test_the_end_of_a_dispute_keeps_a_managers_freeze(served, station_manager, dispute, decide):
    request = dispute(served)
    watch.freeze_account(volunteer_account(served.volunteer), reason="举报核查", by=station_manager)
    decide(request)
    assert frozen_reason(served.volunteer) == "举报核查"


def test_lifting_a_managers_freeze_during_a_dispute_keeps_the_points_frozen(served, station_manager, dispute):
    watch.freeze_account(volunteer_account(served.volunteer), reason="举报核查", by=station_manager)
    dispute(served)
    account = watch.unfreeze_account(volunteer_account(served.volunteer), by=station_manager)
    assert account.frozen_reason == watch.DISPUTED


def test_the_command_freezes_what_a_lost_commit_left_unfrozen_and_thaws_the_rest(served, volunteer, other_volunteer):
    dispute_without_its_freeze = ask_correction(
        served.volunteer, reason="签到时间记错了", record=served, checked_in_at=at(9, 30)
    )
    assert dispute_without_its_freeze.status == "pending" and frozen_reason(volunteer) == ""
    thawed_late = volunteer_account(other_volunteer)
    thawed_late.frozen_reason = watch.DISPUTED
    thawed_late.save(update_fields=["frozen_reason"])

    call_command("watch_points", stdout=StringIO())

    assert (frozen_reason(volunteer), frozen_reason(other_volunteer)) == (watch.DISPUTED, "")


def test_a_manager_freezes_and_unfreezes_with_a_reason(volunteer, station_manager):
    account = volunteer_account(volunteer)
    assert code_of(lambda: watch.freeze_account(account, reason=" ", by=station_manager)) == "reason_required"
    assert watch.freeze_account(account, reason="举报核查", by=station_manager).frozen_reason == "举报核查"
    assert watch.unfreeze_account(account, by=station_manager).frozen_reason == ""


def test_managers_of_other_units_cannot_freeze(volunteer, other_station_manager, stranger, tree):
    account = volunteer_account(volunteer)
    for outsider in (other_station_manager, stranger, volunteer.user):
        assert code_of(lambda u=outsider: watch.freeze_account(account, reason="x", by=u)) == "not_manager"
    assert frozen_reason(volunteer) == ""
    shop_account = unit_account(tree["S1"], AccountKind.SHOP)
    assert code_of(lambda: watch.freeze_account(shop_account, reason="x", by=other_station_manager)) == (
        "not_volunteer"
    )


# Alerts ------------------------------------------------------------------------------------------------


NOW = at(20)


def test_many_points_within_a_day_raise_one_alert_a_day(volunteer, other_volunteer, settings):
    settings.POINTS_ALERT_POINTS_PER_DAY = 100
    credit(volunteer, "60", at=NOW - datetime.timedelta(hours=23))
    credit(volunteer, "50", at=NOW - datetime.timedelta(hours=1))
    credit(other_volunteer, "90", at=NOW - datetime.timedelta(hours=1))
    credit(other_volunteer, "90", at=NOW - datetime.timedelta(hours=25))

    alerts = watch.scan_for_alerts(now=NOW)

    assert [(a.kind, a.volunteer, a.unit) for a in alerts] == [
        (AlertKind.FAST_EARNING, volunteer, volunteer.home_station)
    ]
    assert "110" in alerts[0].detail
    assert watch.scan_for_alerts(now=NOW + datetime.timedelta(hours=1)) == []
    assert Alert.objects.count() == 1
    # The next day the same volunteer may be raised again (if they keep earning as fast).
    credit(volunteer, "120", at=NOW + datetime.timedelta(hours=12))
    assert len(watch.scan_for_alerts(now=NOW + datetime.timedelta(hours=13))) == 1


def test_one_alert_a_shanghai_day_even_across_midnight_utc(volunteer, settings):
    settings.POINTS_ALERT_POINTS_PER_DAY = 100
    # 06:00 in Shanghai is 22:00 UTC the day before: three hours later it is a new UTC day, not a new day here.
    credit(volunteer, "150", at=at(5))
    assert len(watch.scan_for_alerts(now=at(6))) == 1
    credit(volunteer, "150", at=at(8, 30))
    assert watch.scan_for_alerts(now=at(9)) == []


def test_points_below_the_limit_raise_nothing(volunteer, settings):
    settings.POINTS_ALERT_POINTS_PER_DAY = 100
    credit(volunteer, "100", at=NOW - datetime.timedelta(hours=1))
    assert watch.scan_for_alerts(now=NOW) == []


def test_many_redemptions_at_one_shop_within_an_hour_raise_an_alert_for_the_shop(tree, station_manager, rice, settings):
    settings.POINTS_ALERT_REDEMPTIONS_PER_HOUR = 2
    people = [make_volunteer(tree["S1"], "孙七") for _ in range(3)]
    for minutes, person in zip((50, 30, 10), people, strict=True):
        credit(person, "10")
        shop.redeem(rice, person, by=station_manager, at=NOW - datetime.timedelta(minutes=minutes))

    alerts = watch.scan_for_alerts(now=NOW)
    assert [(a.kind, a.unit, a.volunteer) for a in alerts] == [(AlertKind.SHOP_RUSH, tree["S1"], None)]
    assert watch.scan_for_alerts(now=NOW + datetime.timedelta(minutes=5)) == []
    # An hour later the three are no longer within one hour.
    assert watch.scan_for_alerts(now=NOW + datetime.timedelta(minutes=55)) == []


def accept_at(moment, giver, receiver, amount="5"):
    gift = gifts.offer_gift(giver, receiver, Decimal(amount), relation="亲属")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: moment)
        gifts.accept_gift(gift, by=receiver.user)


def test_gifts_that_circle_back_within_30_days_raise_one_alert(volunteer, other_volunteer, tree):
    third = make_volunteer(tree["S3"], "周八")
    for person in (volunteer, other_volunteer, third):
        credit(person, "50")
    accept_at(NOW - datetime.timedelta(days=20), volunteer, other_volunteer)
    accept_at(NOW - datetime.timedelta(days=10), other_volunteer, third)
    accept_at(NOW - datetime.timedelta(days=1), third, volunteer)

    alerts = watch.scan_for_alerts(now=NOW)

    assert [(a.kind, a.volunteer) for a in alerts] == [(AlertKind.CIRCLE, volunteer)]
    assert "李四 → 王五 → 周八 → 李四" in alerts[0].detail
    assert watch.scan_for_alerts(now=NOW) == []


def test_gifts_in_one_direction_or_longer_ago_raise_nothing(volunteer, other_volunteer):
    credit(volunteer, "50")
    credit(other_volunteer, "50")
    accept_at(NOW - datetime.timedelta(days=31), volunteer, other_volunteer)
    accept_at(NOW - datetime.timedelta(days=2), other_volunteer, volunteer)
    accept_at(NOW - datetime.timedelta(days=1), other_volunteer, volunteer)
    assert watch.scan_for_alerts(now=NOW) == []


def test_circles_are_found_once_each_from_their_smallest_member():
    assert watch.circles([(1, 2), (2, 1)]) == [[1, 2]]
    assert watch.circles([(3, 1), (1, 2), (2, 3), (2, 1)]) == [[1, 2], [1, 2, 3]]
    assert watch.circles([(1, 2), (2, 3)]) == []


def test_the_command_raises_the_alerts_and_a_dry_run_saves_none(volunteer, settings):
    settings.POINTS_ALERT_POINTS_PER_DAY = 10
    credit(volunteer, "11")
    out = StringIO()
    call_command("watch_points", "--dry-run", stdout=out)
    assert "Would raise 1 alerts." in out.getvalue() and not Alert.objects.exists()
    call_command("watch_points", stdout=out)
    assert Alert.objects.filter(kind=AlertKind.FAST_EARNING, volunteer=volunteer).count() == 1


def test_a_manager_resolves_an_alert_of_their_unit_with_what_they_found(
    volunteer, station_manager, other_station_manager
):
    alert = Alert.objects.create(
        kind=AlertKind.FAST_EARNING, unit=volunteer.home_station, volunteer=volunteer, detail="x", created_at=NOW
    )
    assert code_of(lambda: watch.resolve_alert(alert, by=other_station_manager, resolution="看过")) == "not_manager"
    assert code_of(lambda: watch.resolve_alert(alert, by=station_manager, resolution=" ")) == "reason_required"
    resolved = watch.resolve_alert(alert, by=station_manager, resolution="补录了三次活动，属实")
    assert resolved.resolved_by == station_manager and resolved.resolution == "补录了三次活动，属实"
    assert code_of(lambda: watch.resolve_alert(alert, by=station_manager, resolution="再看")) == "invalid_state"
