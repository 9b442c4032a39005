"""Deadlines per state in working days on China's official calendar, the overdue flag,
and the cron command that escalates overdue orders to the parent unit."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command

from orders import services
from orders.models import Order, OrderState
from tests.conftest import client_for, make_manager
from tests.orders.conftest import local


@pytest.fixture
def station_manager_s1(django_user_model, tree):
    return make_manager(django_user_model, tree["S1"], "东门站长")


def place(menu, tree, resident, at):
    return services.place_order(
        item=menu["haircut"],
        station=tree["S1"],
        contact_name="张桂兰",
        contact_phone="13612345678",
        address="东门社区",
        by=resident,
        at=at,
    )


def test_a_review_deadline_skips_the_national_day_holiday(menu, tree, resident):
    # Ordered on Tuesday 30 September 2025; 1-8 October are holidays, so one working day is 9 October.
    order = place(menu, tree, resident, local(2025, 9, 30, 16))
    assert order.due_on == datetime.date(2025, 10, 9)
    assert not Order.objects.overdue(datetime.date(2025, 10, 9)).exists()
    assert list(Order.objects.overdue(datetime.date(2025, 10, 10))) == [order]


def test_a_deadline_counts_a_make_up_saturday(menu, tree, resident):
    # Ordered on Friday 10 October 2025: Saturday 11 October was a working day (调休).
    order = place(menu, tree, resident, local(2025, 10, 10, 10))
    assert order.due_on == datetime.date(2025, 10, 11)


def test_each_state_runs_its_own_deadline(menu, tree, resident, station_manager_s1):
    menu["haircut"].dispatch_days = 3
    menu["haircut"].save()
    order = place(menu, tree, resident, local(2026, 12, 7, 9))  # a Monday
    order = services.review_order(order, by=station_manager_s1, accept=True, at=local(2026, 12, 7, 10))
    assert order.state == OrderState.REVIEWED and order.due_on == datetime.date(2026, 12, 10)


def test_the_list_flags_overdue_orders(menu, tree, resident, station_manager_s1):
    place(menu, tree, resident, local(2025, 9, 30, 16))
    with time_machine.travel(local(2025, 10, 13, 9), tick=False):
        body = client_for(station_manager_s1).get("/api/v1/orders/?overdue=true").json()
    assert body["count"] == 1 and body["results"][0]["overdue"] is True


def test_the_command_escalates_overdue_orders_to_the_parent_unit_once(
    menu, tree, resident, station_manager_s1, institute_manager
):
    order = place(menu, tree, resident, local(2025, 9, 30, 16))
    out = io.StringIO()
    with time_machine.travel(local(2025, 10, 10, 8), tick=False):
        call_command("escalate_overdue_orders", stdout=out)
        call_command("escalate_overdue_orders", stdout=out)
    order.refresh_from_db()
    assert order.handling_unit == tree["I1"] and order.escalation_level == 1
    assert order.due_on == datetime.date(2025, 10, 11)
    lines = out.getvalue().splitlines()
    assert f"Escalated order {order.pk}" in lines[0] and tree["I1"].name in lines[0]
    assert lines[1] == "Escalated 1 overdue orders." and lines[-1] == "Escalated 0 overdue orders."
    assert order.history.filter(action="escalate", unit=tree["I1"]).count() == 1
    # The institute's manager now handles it; the station's manager still sees it.
    assert (
        client_for(institute_manager)
        .post(f"/api/v1/orders/{order.pk}/review/", {"accept": True}, format="json")
        .status_code
        == 200
    )
    assert client_for(station_manager_s1).get(f"/api/v1/orders/{order.pk}/").status_code == 200


def test_a_dry_run_changes_nothing(menu, tree, resident):
    order = place(menu, tree, resident, local(2025, 9, 30, 16))
    out = io.StringIO()
    with time_machine.travel(local(2025, 10, 10, 8), tick=False):
        call_command("escalate_overdue_orders", "--dry-run", stdout=out)
    order.refresh_from_db()
    assert order.handling_unit == tree["S1"] and "Would escalate 1 overdue orders (dry run)." in out.getvalue()


def test_an_order_overdue_at_the_center_stays_and_is_reported(menu, tree, resident):
    order = place(menu, tree, resident, local(2025, 9, 30, 16))
    Order.objects.filter(pk=order.pk).update(handling_unit=tree["C"])
    out = io.StringIO()
    with time_machine.travel(local(2025, 10, 10, 8), tick=False):
        call_command("escalate_overdue_orders", stdout=out)
    assert "no parent unit" in out.getvalue() and Order.objects.get(pk=order.pk).handling_unit == tree["C"]


def test_unrated_orders_close_as_unrated_after_the_window_never_as_satisfied(
    menu, tree, resident, teams, station_manager_s1, settings
):
    settings.ORDER_RATING_WINDOW_DAYS = 7
    order = place(menu, tree, resident, local(2026, 12, 1, 9))
    Order.objects.filter(pk=order.pk).update(
        state=OrderState.COMPLETED, team=teams["b"], completed_at=local(2026, 12, 2, 9)
    )
    order.refresh_from_db()
    with pytest.raises(services.OrderError) as early:
        services.close_order(order, by=station_manager_s1, at=local(2026, 12, 5))
    assert early.value.code == "rating_window_open"
    with pytest.raises(services.OrderError) as late:
        services.rate_order(order, by=resident, response=5, attitude=5, result=5, at=local(2026, 12, 9, 10))
    assert late.value.code == "rating_closed"
    out = io.StringIO()
    with time_machine.travel(local(2026, 12, 9, 10), tick=False):
        call_command("close_finished_orders", stdout=out)
    order.refresh_from_db()
    assert order.state == OrderState.CLOSED and order.is_unrated
    assert f"Closed order {order.pk} (unrated)." in out.getvalue()
    stats = client_for(station_manager_s1).get("/api/v1/orders/statistics/").json()
    [row] = stats["satisfaction"]["item"]
    assert row["rated"] == 0 and row["unrated"] == 1 and row["satisfied_rate"] is None and row["average"] is None
