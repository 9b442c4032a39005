"""Points rules, coefficients and awards in the admin: scoped to the managers' units, four eyes for awards."""

from decimal import Decimal

import pytest

from events.services import approve_record
from points import ledger
from points.awards import propose_award
from points.models import AwardRequest, EventCoefficient, PointsRule, RequestStatus, Transfer, TransferKind
from tests.conftest import make_manager

pytestmark = pytest.mark.django_db

RULE_FIELDS = {
    "points_per_hour": "12.00",
    "leader_coefficient": "1.00",
    "cap_kind": "balance",
    "rates-TOTAL_FORMS": "0",
    "rates-INITIAL_FORMS": "0",
    "rates-MIN_NUM_FORMS": "0",
    "rates-MAX_NUM_FORMS": "1000",
}


@pytest.fixture
def far_manager(django_user_model, tree):
    return make_manager(django_user_model, tree["C2"], "外中心管理员")


def test_a_manager_of_another_center_neither_sees_nor_edits_the_rule(client, rule, far_manager):
    client.force_login(far_manager)
    assert "C 单位" not in client.get("/admin/points/pointsrule/").content.decode()
    assert client.get(f"/admin/points/pointsrule/{rule.pk}/change/").status_code == 302
    client.post(f"/admin/points/pointsrule/{rule.pk}/change/", {**RULE_FIELDS, "points_per_hour": "99"})
    rule.refresh_from_db()
    assert rule.points_per_hour == Decimal("10.00")


def test_a_center_manager_edits_the_center_rule_with_category_rates(client, rule, center_manager):
    client.force_login(center_manager)
    response = client.post(
        f"/admin/points/pointsrule/{rule.pk}/change/",
        {
            **RULE_FIELDS,
            "rates-TOTAL_FORMS": "1",
            "rates-0-category": "health",
            "rates-0-points_per_hour": "20",
        },
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.points_per_hour == Decimal("12.00")
    assert rule.rates.get().points_per_hour == Decimal("20.00")


def test_a_station_manager_reads_the_center_rule_but_cannot_change_it(client, rule, station_manager):
    client.force_login(station_manager)
    page = client.get(f"/admin/points/pointsrule/{rule.pk}/change/").content.decode()
    assert 'name="_save"' not in page
    assert client.post(f"/admin/points/pointsrule/{rule.pk}/change/", RULE_FIELDS).status_code == 403


def test_a_station_sets_its_own_rule_only_where_the_center_allows(client, rule, station_manager, tree):
    client.force_login(station_manager)
    client.post("/admin/points/pointsrule/add/", {**RULE_FIELDS, "unit": tree["S1"].pk})
    assert not PointsRule.objects.filter(unit=tree["S1"]).exists()
    rule.units_may_override = True
    rule.save()
    response = client.post("/admin/points/pointsrule/add/", {**RULE_FIELDS, "unit": tree["S1"].pk})
    assert response.status_code == 302
    assert PointsRule.objects.get(unit=tree["S1"]).points_per_hour == Decimal("12.00")


def test_only_a_center_rule_lets_units_override(client, rule, center_manager, tree):
    client.force_login(center_manager)
    response = client.post(
        "/admin/points/pointsrule/add/", {**RULE_FIELDS, "unit": tree["S1"].pk, "units_may_override": "on"}
    )
    assert "只有中心的规则" in response.content.decode()
    assert not PointsRule.objects.filter(unit=tree["S1"]).exists()


def test_a_new_event_coefficient_recalculates_the_points_of_its_approved_records(
    client, rule, served, station_manager, institute_manager, settled, django_capture_on_commit_callbacks
):
    with settled():
        approve_record(served, by=station_manager)
    client.force_login(institute_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/points/eventcoefficient/add/",
            {"event": served.event.pk, "coefficient": "1.5", "reason": "高温户外"},
        )
    assert response.status_code == 302
    assert ledger.volunteer_account(served.volunteer).balance == Decimal("30.00")
    assert Transfer.objects.filter(record=served, kind=TransferKind.REVERSAL).count() == 1


def test_an_outsider_cannot_see_or_set_an_event_coefficient(client, rule, event, far_manager):
    EventCoefficient.objects.create(event=event, coefficient=Decimal("1.2"), reason="技能")
    client.force_login(far_manager)
    assert "社区环境清洁" not in client.get("/admin/points/eventcoefficient/").content.decode()
    client.post("/admin/points/eventcoefficient/add/", {"event": event.pk, "coefficient": "5", "reason": "x"})
    assert EventCoefficient.objects.get(event=event).coefficient == Decimal("1.20")


def test_a_proposed_award_names_its_proposer_and_waits(client, rule, volunteer, station_manager, tree):
    client.force_login(station_manager)
    response = client.post(
        "/admin/points/awardrequest/add/",
        {"volunteer": volunteer.pk, "unit": tree["S1"].pk, "amount": "8", "reason": "表现突出"},
    )
    assert response.status_code == 302
    award = AwardRequest.objects.get()
    assert (award.proposed_by, award.status) == (station_manager, RequestStatus.PENDING)
    assert ledger.volunteer_account(volunteer).balance == Decimal("0.00")


@pytest.mark.parametrize("amount", ["0", "-3", "NaN", "1.234", "99999999999"])
def test_the_award_form_refuses_bad_amounts_in_chinese(client, rule, volunteer, station_manager, tree, amount):
    client.force_login(station_manager)
    response = client.post(
        "/admin/points/awardrequest/add/",
        {"volunteer": volunteer.pk, "unit": tree["S1"].pk, "amount": amount, "reason": "表现突出"},
    )
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not AwardRequest.objects.exists()


def test_self_approval_is_refused_in_the_admin(client, rule, volunteer, station_manager, tree):
    award = propose_award(volunteer, Decimal("8"), "表现突出", by=station_manager, unit=tree["S1"])
    client.force_login(station_manager)
    response = client.post(f"/admin/points/awardrequest/{award.pk}/approve/")
    assert "必须由另一人审核" in response.content.decode()
    award.refresh_from_db()
    assert award.status == RequestStatus.PENDING
    response = client.post(
        "/admin/points/awardrequest/",
        {"action": "approve_selected", "_selected_action": [award.pk]},
        follow=True,
    )
    assert "必须由另一人审核" in response.content.decode()
    assert ledger.volunteer_account(volunteer).balance == Decimal("0.00")


def test_another_manager_approves_the_award_in_the_admin(client, rule, volunteer, station_manager, institute_manager):
    award = propose_award(volunteer, Decimal("8"), "表现突出", by=station_manager, unit=volunteer.home_station)
    client.force_login(institute_manager)
    response = client.post(f"/admin/points/awardrequest/{award.pk}/approve/")
    assert response.status_code == 302
    assert ledger.volunteer_account(volunteer).balance == Decimal("8.00")


def test_declining_an_award_in_the_admin_asks_for_a_reason(client, rule, volunteer, station_manager, institute_manager):
    award = propose_award(volunteer, Decimal("8"), "表现突出", by=station_manager, unit=volunteer.home_station)
    client.force_login(institute_manager)
    assert client.post(f"/admin/points/awardrequest/{award.pk}/decline/", {"reason": ""}).status_code == 200
    response = client.post(f"/admin/points/awardrequest/{award.pk}/decline/", {"reason": "材料不足"})
    assert response.status_code == 302
    award.refresh_from_db()
    assert award.status == RequestStatus.DECLINED


def test_an_outsider_neither_sees_nor_decides_an_award(client, rule, volunteer, station_manager, far_manager):
    award = propose_award(volunteer, Decimal("8"), "表现突出", by=station_manager, unit=volunteer.home_station)
    client.force_login(far_manager)
    assert "表现突出" not in client.get("/admin/points/awardrequest/").content.decode()
    assert client.post(f"/admin/points/awardrequest/{award.pk}/approve/").status_code == 404
    award.refresh_from_db()
    assert award.status == RequestStatus.PENDING


def test_the_admin_pages_of_rules_coefficients_and_awards_open(
    client, rule, event, volunteer, station_manager, center_manager
):
    coefficient = EventCoefficient.objects.create(event=event, coefficient=Decimal("1.2"), reason="技能")
    award = propose_award(volunteer, Decimal("8"), "表现突出", by=station_manager, unit=volunteer.home_station)
    client.force_login(center_manager)
    for url in [
        "/admin/points/pointsrule/",
        "/admin/points/pointsrule/add/",
        f"/admin/points/pointsrule/{rule.pk}/change/",
        "/admin/points/eventcoefficient/",
        "/admin/points/eventcoefficient/add/",
        f"/admin/points/eventcoefficient/{coefficient.pk}/change/",
        "/admin/points/awardrequest/",
        "/admin/points/awardrequest/add/",
        f"/admin/points/awardrequest/{award.pk}/approve/",
        f"/admin/points/awardrequest/{award.pk}/decline/",
    ]:
        assert client.get(url).status_code == 200, url
    page = client.get(f"/admin/points/awardrequest/{award.pk}/change/").content.decode()
    assert f"/admin/points/awardrequest/{award.pk}/approve/" in page and 'name="_save"' not in page


def test_a_stranger_or_a_volunteer_cannot_propose_an_award_or_change_a_rule(client, rule, volunteer, stranger, tree):
    for user in (stranger, volunteer.user):
        client.force_login(user)
        response = client.post(
            "/admin/points/awardrequest/add/",
            {"volunteer": volunteer.pk, "unit": tree["S1"].pk, "amount": "8", "reason": "给自己加分"},
        )
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
        client.post(f"/admin/points/pointsrule/{rule.pk}/change/", {**RULE_FIELDS, "points_per_hour": "99"})
    assert not AwardRequest.objects.exists()
    rule.refresh_from_db()
    assert rule.points_per_hour == Decimal("10.00")
