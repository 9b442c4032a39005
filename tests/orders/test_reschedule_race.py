"""A check-in and a change of the agreed time at once: one after the other, never both (PostgreSQL).

A check-in locks the volunteer's row, not the event's; moving the visit locks the rows of
everyone who could check in. The check-in is held open between reading the event and
writing its record: the move waits for it and then sees the record, or (control: the move
without those locks) slips through, and the record lands on an event moved elsewhere.
"""

import datetime
import threading
import time

import pytest
from django.utils import timezone

from events import services as event_services
from events.checkin_codes import make_event_code
from events.models import Event, ServiceRecord
from orders import services
from orders.models import Order
from tests.concurrency import run_together
from tests.conftest import make_manager
from tests.orders.conftest import make_team

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def accepted(django_user_model, tree, menu, resident) -> Order:
    station = make_manager(django_user_model, tree["S1"], "东门站长")
    order = services.place_order(
        item=menu["haircut"],
        station=tree["S1"],
        contact_name="张桂兰",
        contact_phone="13612345678",
        address="东门社区",
        by=resident,
    )
    services.review_order(order, by=station, accept=True)
    team = make_team(tree["S1"], "甲队")
    services.dispatch_order(order, by=station, team=team)
    start = timezone.now() + datetime.timedelta(minutes=10)
    appointment = services.Appointment(start, start + datetime.timedelta(hours=1), place="服务站门口")
    return services.accept_order(order, appointment, by=team.leader.user)


def check_in_and_move(order: Order, monkeypatch) -> list:
    """The member's check-in, paused inside its transaction, and the leader's move of the visit."""
    member = order.team.members.exclude(pk=order.team.leader_id).get()
    inside = threading.Event()
    original = event_services._check_in

    def slow_check_in(*args, **kwargs):
        inside.set()
        time.sleep(1.5)
        return original(*args, **kwargs)

    monkeypatch.setattr(event_services, "_check_in", slow_check_in)
    now = timezone.now()
    token = make_event_code(order.event_id, "in", now)
    later = now + datetime.timedelta(days=2)

    def check_in():
        return event_services.check_in_by_code(member, token, at=now)[1]

    def move():
        assert inside.wait(timeout=10)
        return services.reschedule_order(
            order, services.Appointment(later, later + datetime.timedelta(hours=1)), by=order.team.leader.user
        )

    return run_together([check_in, move])


def test_a_move_waits_for_a_check_in_under_way_and_is_refused(accepted, monkeypatch):
    created, moved = check_in_and_move(accepted, monkeypatch)
    assert created is True
    assert isinstance(moved, services.OrderError) and moved.code == "already_attended"
    event = Event.objects.get(pk=accepted.event_id)
    assert event.starts_at == accepted.starts_at
    assert ServiceRecord.objects.filter(event=event).count() == 1


def test_control_without_the_attendees_locks_both_pass(accepted, monkeypatch):
    monkeypatch.setattr(services, "_lock_event_and_attendees", lambda pk: Event.objects.select_for_update().get(pk=pk))
    created, moved = check_in_and_move(accepted, monkeypatch)
    assert created is True and isinstance(moved, Order)
    # The record's check-in lies before the moved window: the race the locks prevent.
    event = Event.objects.get(pk=accepted.event_id)
    record = ServiceRecord.objects.get(event=event)
    assert record.checked_in_at < event.checkin_opens_at
