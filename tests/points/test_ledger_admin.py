"""The ledger in the admin: accounts, transfers with their entries, gifts and alerts; read-only and scoped."""

from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from points import gifts
from points.ledger import unit_account, volunteer_account
from points.models import Account, AccountKind, Alert, AlertKind, Gift, Transfer
from tests.conftest import make_manager
from tests.points.test_gifts_support import credit, generous_rule  # noqa: F401

pytestmark = pytest.mark.usefixtures("generous_rule")


def url(model: str, view: str = "changelist", *args) -> str:
    return reverse(f"admin:points_{model}_{view}", args=args)


@pytest.fixture
def ledger(volunteer, other_volunteer, far_volunteer, tree):
    """Points at S1 (volunteer), S2 (other_volunteer) and S4 under the other center (far_volunteer)."""
    for person in (volunteer, other_volunteer, far_volunteer):
        credit(person, "50")
    gifts.donate(volunteer, tree["S1"], Decimal("5"))
    return {
        "mine": volunteer_account(volunteer),
        "sibling": volunteer_account(other_volunteer),
        "far": volunteer_account(far_volunteer),
        "pool": unit_account(tree["S1"], AccountKind.POOL),
        "issue": unit_account(tree["C"], AccountKind.ISSUE),
        "far_issue": unit_account(tree["C2"], AccountKind.ISSUE),
    }


@pytest.fixture
def far_manager(django_user_model, tree):
    return make_manager(django_user_model, tree["C2"], "外中心管理员")


def listed(client, model: str, **params) -> list[int]:
    response = client.get(url(model), params)
    assert response.status_code == 200
    return sorted(obj.pk for obj in response.context["cl"].result_list)


def test_admins_see_every_account(client, admin_user, ledger):
    client.force_login(admin_user)
    assert listed(client, "account") == sorted(account.pk for account in Account.objects.all())


def test_a_center_manager_sees_their_volunteers_units_and_system_accounts(client, center_manager, ledger):
    client.force_login(center_manager)
    seen = listed(client, "account")
    assert {ledger[k].pk for k in ("mine", "sibling", "pool", "issue")} <= set(seen)
    assert ledger["far"].pk not in seen and ledger["far_issue"].pk not in seen


def test_a_station_manager_sees_their_stations_accounts_but_not_the_centers(client, station_manager, ledger):
    client.force_login(station_manager)
    assert listed(client, "account") == sorted([ledger["mine"].pk, ledger["pool"].pk])


def test_a_manager_of_another_center_sees_none_of_its_accounts(client, far_manager, ledger, volunteer):
    client.force_login(far_manager)
    assert listed(client, "account") == sorted([ledger["far"].pk, ledger["far_issue"].pk])
    assert listed(client, "account", q=volunteer.real_name) == []
    assert listed(client, "account", q=volunteer.number) == []
    for key in ("mine", "pool", "issue"):
        response = client.get(url("account", "change", ledger[key].pk))
        assert response.status_code == 302 and response["Location"] == reverse("admin:index")


def test_a_manager_of_another_center_cannot_freeze_its_volunteers(client, far_manager, ledger):
    client.force_login(far_manager)
    client.post(
        url("account"),
        {"action": "freeze_selected", "_selected_action": [ledger["mine"].pk], "apply": "1", "reason": "查"},
    )
    assert Account.objects.get(pk=ledger["mine"].pk).frozen_reason == ""


def test_a_manager_freezes_and_unfreezes_with_a_reason_kept_in_the_history(client, station_manager, ledger):
    client.force_login(station_manager)
    asked = client.post(url("account"), {"action": "freeze_selected", "_selected_action": [ledger["mine"].pk]})
    assert asked.status_code == 200 and "reason" in asked.context["form"].fields
    client.post(
        url("account"),
        {"action": "freeze_selected", "_selected_action": [ledger["mine"].pk], "apply": "1", "reason": "举报核查"},
    )
    assert Account.objects.get(pk=ledger["mine"].pk).frozen_reason == "举报核查"
    assert "举报核查" in client.get(url("account"), {"frozen": "yes"}).content.decode()
    client.post(
        url("account"),
        {"action": "unfreeze_selected", "_selected_action": [ledger["mine"].pk], "apply": "1", "reason": "查明无误"},
    )
    assert Account.objects.get(pk=ledger["mine"].pk).frozen_reason == ""
    history = [entry.change_message for entry in LogEntry.objects.filter(object_id=str(ledger["mine"].pk))]
    assert any("举报核查" in message for message in history) and any("查明无误" in message for message in history)


def test_nothing_in_the_ledger_is_added_changed_or_deleted_by_hand(client, admin_user, ledger):
    client.force_login(admin_user)
    transfer = Transfer.objects.first()
    assert transfer is not None
    for model, pk in (("account", ledger["mine"].pk), ("transfer", transfer.pk)):
        assert client.get(url(model, "add")).status_code == 403
        assert client.get(url(model, "delete", pk)).status_code == 403
        page = client.post(url(model, "change", pk), {"balance": "9999"})
        assert page.status_code == 403
    assert Account.objects.get(pk=ledger["mine"].pk).balance == Decimal("45.00")


def test_a_transfer_shows_its_entries_cause_and_who_did_it(client, station_manager, ledger, volunteer):
    client.force_login(station_manager)
    donation = Transfer.objects.get(kind="donation")
    page = client.get(url("transfer", "change", donation.pk)).content.decode()
    assert "-5.00" in page and volunteer.real_name in page and str(volunteer.user) in page


def test_transfers_are_scoped_to_the_accounts_a_manager_reaches(client, station_manager, far_manager, ledger):
    client.force_login(station_manager)
    mine = listed(client, "transfer")
    touching = Transfer.objects.filter(source=ledger["mine"]) | Transfer.objects.filter(target=ledger["mine"])
    assert mine == sorted(touching.values_list("pk", flat=True))
    client.force_login(far_manager)
    far = listed(client, "transfer")
    assert far == [Transfer.objects.get(target=ledger["far"]).pk]
    assert listed(client, "transfer", kind="donation") == []
    response = client.get(url("transfer", "change", mine[0]))
    assert response.status_code == 302


def test_gifts_are_listed_for_the_managers_of_either_side(
    client, station_manager, other_station_manager, far_manager, volunteer, other_volunteer, ledger
):
    gift = gifts.offer_gift(volunteer, other_volunteer, Decimal("5"), relation="父母")
    for manager in (station_manager, other_station_manager):
        client.force_login(manager)
        assert listed(client, "gift") == [gift.pk]
    client.force_login(far_manager)
    assert listed(client, "gift") == []
    assert Gift.objects.count() == 1


def test_a_manager_resolves_alerts_of_their_units_only(client, station_manager, far_manager, volunteer, far_volunteer):
    now = volunteer.created_at
    mine = Alert.objects.create(
        kind=AlertKind.FAST_EARNING, unit=volunteer.home_station, volunteer=volunteer, detail="多", created_at=now
    )
    far = Alert.objects.create(
        kind=AlertKind.FAST_EARNING,
        unit=far_volunteer.home_station,
        volunteer=far_volunteer,
        detail="多",
        created_at=now,
    )
    client.force_login(far_manager)
    assert listed(client, "alert") == [far.pk]
    action = {"action": "resolve_selected", "apply": "1", "resolution": "属实"}
    client.post(url("alert"), {**action, "_selected_action": [mine.pk]})
    assert Alert.objects.get(pk=mine.pk).resolved_at is None

    client.force_login(station_manager)
    assert listed(client, "alert", resolved="no") == [mine.pk]
    client.post(url("alert"), {**action, "_selected_action": [mine.pk]})
    mine.refresh_from_db()
    assert mine.resolved_by == station_manager and mine.resolution == "属实"
    assert listed(client, "alert", resolved="no") == []


def test_the_lists_filter_by_kind_unit_date_and_frozen(client, admin_user, ledger, tree):
    client.force_login(admin_user)
    year = Transfer.objects.get(kind="donation").created_at.year
    donations = listed(client, "transfer", kind="donation", unit__id__exact=tree["S1"].pk, created_at__year=year)
    assert donations == [Transfer.objects.get(kind="donation").pk]
    assert listed(client, "transfer", created_at__year=year - 1) == []
    assert listed(client, "account", kind=AccountKind.POOL) == [ledger["pool"].pk]
    assert listed(client, "account", frozen="yes") == []
    assert client.get(url("transfer"), {"created_at__year": "99999"}).status_code != 500
