"""The red-team review of the order flow (2026-12): hours, contact, deadlines, texts.

Starting early shifts the booked window and the report ends it, so hours never exceed the
service; the resident keeps the leader's number only while the rating is open; every read of
a resident's contact by a team leader is logged, the admin's too; lists mask names; an
agreed start lies ahead; 改派 keeps the deadline; the texts say who sees the contact.
"""

import datetime
from decimal import Decimal

import pytest

from events.checkin_codes import make_event_code
from events.models import Event, RecordFlag, RecordStatus, ServiceRecord
from events.services import close_stale_records
from orders import services
from orders.models import ContactView, Order, OrderState
from stations.models import UnitManager
from tests.conftest import client_for, make_manager
from tests.orders.conftest import local
from tests.orders.people.conftest import HOME, PHONE, accept, html, logged_in


def scan(volunteer, event: Event, action: str, at: datetime.datetime) -> int:
    token = make_event_code(event.pk, action, at)
    return client_for(volunteer.user).post("/api/v1/checkins/", {"token": token}, format="json").status_code


# 1. Hours: an early start shifts the window, the report ends it ---------------------------------------


def test_the_reviews_example_is_refused_as_too_early(order, station, teams, clock):
    services.dispatch_order(order, by=station, team=teams["a"])
    accept(order, teams["a"])
    clock.move_to(local(2026, 12, 1, 22, 30))
    with pytest.raises(services.OrderError) as early:
        services.start_service(order, by=teams["a"].leader.user)
    assert early.value.code == "too_early"
    event = Event.objects.get(pk=order.event_id)
    assert (event.starts_at, event.ends_at) == (local(2026, 12, 2, 10), local(2026, 12, 2, 11))


def test_the_reviews_example_credits_at_most_the_real_service_time(order, station, teams, clock, monkeypatch):
    """The example itself (11.5 hours early), with the early limit lifted: the window does the work."""
    monkeypatch.setattr(services, "MAX_EARLY_START", datetime.timedelta(hours=12))
    services.dispatch_order(order, by=station, team=teams["b"])
    accept(order, teams["b"])
    leader = teams["b"].leader.user
    clock.move_to(local(2026, 12, 1, 22, 30))
    services.start_service(order, by=leader)
    event = Event.objects.get(pk=order.event_id)
    # The booked hour moves as a whole.
    assert (event.starts_at, event.ends_at) == (local(2026, 12, 1, 22, 30), local(2026, 12, 1, 23, 30))
    members = list(teams["b"].members.exclude(pk=teams["b"].leader_id))
    for member in members:
        assert scan(member, event, "in", local(2026, 12, 1, 22, 30)) == 201
    clock.move_to(local(2026, 12, 1, 23, 0))
    services.complete_order(order, by=leader, summary="理发完成")
    event.refresh_from_db()
    assert event.ends_at == local(2026, 12, 1, 23, 0)
    # Nobody checks in after the report.
    late = teams["b"].leader
    clock.move_to(local(2026, 12, 1, 23, 5))
    assert scan(late, event, "in", local(2026, 12, 1, 23, 5)) != 201
    assert not ServiceRecord.objects.filter(volunteer=late, event=event).exists()
    # One scans out a little after the report: credited until the report, not until the scan.
    clock.move_to(local(2026, 12, 1, 23, 10))
    assert scan(members[0], event, "out", local(2026, 12, 1, 23, 10)) == 200
    # The other scans out at the booked 11:00 next day: long past the check-out window.
    clock.move_to(local(2026, 12, 2, 11, 0))
    assert scan(members[1], event, "out", local(2026, 12, 2, 11, 0)) != 200
    close_stale_records(now=local(2026, 12, 2, 11, 0))
    first, second = (ServiceRecord.objects.get(event=event, volunteer=member) for member in members)
    assert first.credited_hours == Decimal("0.50")
    assert second.credited_hours == Decimal("0.00") and second.flag == RecordFlag.MISSING_CHECKOUT
    assert second.status == RecordStatus.PENDING
    assert sum(record.credited_hours for record in event.records.all()) <= Decimal("1.00")


def test_within_two_hours_the_start_moves_and_the_report_ends_the_event(order, station, teams, clock):
    services.dispatch_order(order, by=station, team=teams["a"])
    accept(order, teams["a"])
    leader = logged_in(teams["a"].leader.user)
    clock.move_to(local(2026, 12, 2, 8, 0))
    assert leader.post(f"/orders/{order.pk}/start/").status_code == 302
    event = Event.objects.get(pk=order.event_id)
    assert (event.starts_at, event.ends_at) == (local(2026, 12, 2, 8), local(2026, 12, 2, 9))
    # The order keeps the time agreed with the resident.
    order.refresh_from_db()
    assert order.starts_at == local(2026, 12, 2, 10)
    clock.move_to(local(2026, 12, 2, 8, 40))
    assert leader.post(f"/orders/{order.pk}/complete/", {"summary": "理发完成"}).status_code == 302
    event.refresh_from_db()
    assert event.ends_at == local(2026, 12, 2, 8, 40)
    member = teams["a"].members.exclude(pk=teams["a"].leader_id).first()
    clock.move_to(local(2026, 12, 2, 8, 41))
    assert scan(member, event, "in", local(2026, 12, 2, 8, 41)) != 201


def test_a_report_after_the_booked_end_leaves_the_end_alone(order, station, teams, clock):
    services.dispatch_order(order, by=station, team=teams["a"])
    accept(order, teams["a"])
    clock.move_to(local(2026, 12, 2, 11, 30))
    services.complete_order(order, by=teams["a"].leader.user, summary="理发完成")
    assert Event.objects.get(pk=order.event_id).ends_at == local(2026, 12, 2, 11)


def test_a_report_the_minute_the_service_started_keeps_a_valid_event(order, station, teams, clock):
    services.dispatch_order(order, by=station, team=teams["a"])
    accept(order, teams["a"])
    clock.move_to(local(2026, 12, 2, 9, 30))
    services.start_service(order, by=teams["a"].leader.user)
    services.complete_order(order, by=teams["a"].leader.user, summary="理发完成")
    event = Event.objects.get(pk=order.event_id)
    assert event.starts_at == local(2026, 12, 2, 9, 30) and event.ends_at > event.starts_at


# 2. The leader's number: only while the rating is open -----------------------------------------------


def test_the_resident_loses_the_leaders_number_when_the_rating_window_closes(
    order, station, teams, resident, clock, settings
):
    services.dispatch_order(order, by=station, team=teams["a"])
    accept(order, teams["a"])
    clock.move_to(local(2026, 12, 2, 11, 0))
    services.complete_order(order, by=teams["a"].leader.user, summary="理发完成")
    phone = teams["a"].leader.user.phone
    assert phone in html(logged_in(resident).get(f"/orders/{order.pk}/"))
    assert Order.objects.leader_phone_visible_to(resident).filter(pk=order.pk).exists()
    clock.shift(datetime.timedelta(days=settings.ORDER_RATING_WINDOW_DAYS, minutes=1))
    order.refresh_from_db()
    assert order.state == OrderState.COMPLETED  # not closed yet: the cron has not run
    page = html(logged_in(resident).get(f"/orders/{order.pk}/"))
    assert phone not in page and 'id="crew"' in page
    assert not Order.objects.leader_phone_visible_to(resident).filter(pk=order.pk).exists()


# 3. The admin: a leader's read is logged ------------------------------------------------------------


def test_a_leader_who_manages_a_unit_reads_the_contact_in_the_admin_logged(order, station, teams, tree, clock):
    services.dispatch_order(order, by=station, team=teams["a"])
    leader = teams["a"].leader.user
    leader.is_staff = True
    leader.save(update_fields=["is_staff"])
    UnitManager.objects.create(user=leader, unit=tree["S2"])
    page = html(logged_in(leader).get(f"/admin/orders/order/{order.pk}/change/"))
    assert PHONE in page and HOME in page
    view = ContactView.objects.get(order=order)
    assert (view.viewer, view.via, view.team, view.state) == (leader, "admin", teams["a"], OrderState.DISPATCHED)
    # The dispatching unit's manager reads it there without a log line.
    assert PHONE in html(logged_in(station).get(f"/admin/orders/order/{order.pk}/change/"))
    assert ContactView.objects.count() == 1


# 4. The texts say who sees the contact ---------------------------------------------------------------


def test_the_texts_name_the_unit_and_the_leader_asked_and_the_log(
    order, station, teams, tree, client, resident, django_user_model
):
    register = html(client.get("/orders/register/"))
    assert "办理单位的管理员" in register and "订单派给（或抢单）的服务队队长" in register
    assert "派单单位" not in register and "接单后的服务队队长" not in register
    form = html(logged_in(resident).get(f"/orders/new/?station={tree['S1'].pk}"))
    notice = form.split('id="contact-notice"')[1].split("</p>")[0]
    assert "办理单位的管理员" in notice and "留下记录" in notice and "接单后" not in notice
    services.dispatch_order(order, by=station, team=teams["a"])
    asked = html(logged_in(teams["a"].leader.user).get(f"/orders/{order.pk}/"))
    assert "居民点单时已同意" not in asked and "查看记录都会被保存" in asked
    # Those who do not read it are told who does: not only the leader.
    above = make_manager(django_user_model, tree["I1"], "所里的人")
    page = html(logged_in(above).get(f"/orders/{order.pk}/"))
    assert "仅向受派队伍的队长显示" not in page and "办理单位的管理员" in page


# 5. Lists mask the resident's name -----------------------------------------------------------------


def test_the_team_inbox_and_the_lists_show_the_masked_name(order, station, teams, resident, clock):
    services.dispatch_order(order, by=station, team=teams["a"])
    for user, url in [
        (teams["a"].leader.user, "/orders/team/"),
        (station, "/orders/manage/"),
        (resident, "/orders/mine/"),
    ]:
        page = html(logged_in(user).get(url))
        assert "张女士" in page and "张桂兰" not in page, url
    assert not ContactView.objects.exists()


# 6. The agreed start lies ahead ---------------------------------------------------------------------


def test_an_agreed_start_in_the_past_is_refused_on_accepting_and_rescheduling(order, station, teams, clock):
    services.dispatch_order(order, by=station, team=teams["a"])
    leader = teams["a"].leader.user
    past = services.Appointment(local(2026, 12, 1, 7), local(2026, 12, 1, 10))
    with pytest.raises(services.OrderError) as refused:
        services.accept_order(order, past, by=leader)
    assert refused.value.code == "schedule_passed"
    # A few minutes back is a slip of the clock, not a refusal.
    services.accept_order(order, services.Appointment(local(2026, 12, 1, 8, 55), local(2026, 12, 1, 10)), by=leader)
    with pytest.raises(services.OrderError) as moved:
        services.reschedule_order(order, past, by=leader)
    assert moved.value.code == "schedule_passed"
    page = logged_in(leader).post(
        f"/orders/{order.pk}/reschedule/", {"starts_at": "2026-12-01T07:00", "ends_at": "2026-12-01T10:00"}
    )
    assert page.status_code == 400 and "约定时间已过" in html(page)
    order.refresh_from_db()
    assert order.starts_at == local(2026, 12, 1, 8, 55)


# 7. Deadlines, the reschedule lock, the photo's cache --------------------------------------------------


def test_re_dispatch_keeps_the_first_dispatchs_deadline(order, station, teams, tree, clock):
    services.dispatch_order(order, by=station, team=teams["a"])
    order.refresh_from_db()
    due = order.due_on
    clock.shift(datetime.timedelta(days=5))
    services.dispatch_order(order, by=station, team=teams["b"])
    services.dispatch_order(order, by=station, claim_unit=tree["S1"])
    order.refresh_from_db()
    assert order.due_on == due and order.is_overdue
    escalated = services.escalate_overdue_orders()
    assert [e.order.pk for e in escalated] == [order.pk]
    order.refresh_from_db()
    assert order.handling_unit == tree["S1"].parent


def test_a_decline_then_a_dispatch_starts_a_new_deadline(order, station, teams, clock):
    services.dispatch_order(order, by=station, team=teams["a"])
    clock.shift(datetime.timedelta(days=5))
    services.decline_order(order, by=teams["a"].leader.user, reason="没空")
    services.dispatch_order(order, by=station, team=teams["b"])
    order.refresh_from_db()
    assert not order.is_overdue


def test_the_order_photo_is_never_cached(order, station, teams, resident):
    services.dispatch_order(order, by=station, team=teams["a"])
    for user in (resident, teams["a"].leader.user):
        page = logged_in(user).get(f"/orders/{order.pk}/photo/")
        api = client_for(user).get(f"/api/v1/orders/{order.pk}/photo/")
        for response in (page, api):
            assert response.status_code == 200
            assert response["Cache-Control"] == "private, no-store"


# 8. The resident's hint, and the number for who entered an order --------------------------------------


def test_the_call_the_leader_hint_shows_only_before_and_during_the_service(order, station, teams, resident, clock):
    services.dispatch_order(order, by=station, team=teams["a"])
    accept(order, teams["a"])
    hint = "如需改时间或有任何问题"
    assert hint in html(logged_in(resident).get(f"/orders/{order.pk}/"))
    clock.move_to(local(2026, 12, 2, 11))
    services.complete_order(order, by=teams["a"].leader.user, summary="理发完成")
    page = html(logged_in(resident).get(f"/orders/{order.pk}/"))
    assert hint not in page and teams["a"].leader.user.phone in page


def test_the_manager_who_entered_an_order_reads_the_leaders_number(
    clock, station, teams, tree, menu, django_user_model
):
    order = services.place_order(
        item=menu["haircut"],
        station=tree["S1"],
        contact_name="王大爷",
        contact_phone="13712345678",
        address="西街5号",
        by=station,
        on_behalf=True,
    )
    services.review_order(order, by=station, accept=True)
    services.dispatch_order(order, by=station, team=teams["a"])
    accept(order, teams["a"])
    phone = teams["a"].leader.user.phone
    crew = html(logged_in(station).get(f"/orders/{order.pk}/")).split('id="crew"')[1].split("</section>")[0]
    assert f'href="tel:{phone}"' in crew
    # Another station's manager, who does not speak for this resident, reads it masked.
    other = make_manager(django_user_model, tree["S2"], "西门站长")
    assert not Order.objects.leader_phone_visible_to(other).filter(pk=order.pk).exists()
