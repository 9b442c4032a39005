"""Who is told what, and when: each receiver queues one notice per person and occasion.

The clock is frozen by tests/events/conftest.py's ``clock`` (2026-12-05 08:00 Asia/Shanghai) and moved with it.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certificates.models import Certificate, CertificateRequest, RequestStatus
from certificates.services import Coverage, decline_request, issue_certificate, request_certificate
from events.models import Event, RecordStatus
from events.services import approve_record, cancel_event, cancel_signup, reject_record, sign_up
from notifications import receivers
from notifications.delivery import deliver_due
from notifications.kinds import Channel
from notifications.models import Message, MessageStatus
from orders import services as orders
from tests.certificates.conftest import approved
from tests.conftest import make_volunteer
from tests.events.conftest import at, make_event
from tests.orders.conftest import menu, teams  # noqa: F401

pytestmark = pytest.mark.django_db
NEXT_DAY = datetime.timedelta(days=1)


def inbox(user, kind_code=None):
    rows = Message.objects.filter(recipient=user, channel=Channel.INBOX)
    return list(rows.filter(kind=kind_code) if kind_code else rows)


def fresh(event) -> Event:
    """The event as a page loads it: events/ compares its saves with what was loaded."""
    return Event.objects.get(pk=event.pk)


# Sign-ups -------------------------------------------------------------------------------------


def test_a_sign_up_is_confirmed_once_and_a_later_sign_up_again(event, volunteer, clock):
    sign_up(event, volunteer, at=at(8))
    sign_up(event, volunteer, at=at(8, 1))  # a double tap: the same place
    assert len(inbox(volunteer.user, "signup_confirmed")) == 1
    cancel_signup(event, volunteer, at=at(8, 2))
    assert len(inbox(volunteer.user)) == 1  # giving the place back is their own doing
    sign_up(event, volunteer, at=at(8, 3))
    assert len(inbox(volunteer.user, "signup_confirmed")) == 2


def test_a_waitlisted_volunteer_is_told_then_promoted_with_a_deadline_and_a_link(
    tree, volunteer, other_volunteer, clock
):
    event = make_event(tree["S1"], capacity=1)
    sign_up(event, volunteer, at=at(7))
    sign_up(event, other_volunteer, at=at(7, 30))
    (waiting,) = inbox(other_volunteer.user)
    assert waiting.kind == "signup_waitlisted" and "候补" in waiting.title
    cancel_signup(event, volunteer, at=at(8))
    (promoted,) = inbox(other_volunteer.user, "promoted")
    assert "2026-12-05 09:00" in promoted.body  # confirm by: at most the start
    confirm = f"/signups/{promoted.about_id}/confirm/"
    assert confirm in promoted.body and promoted.link == confirm
    assert promoted.params == {
        "title": "社区环境清洁",
        "time": "2026-12-05 09:00",
        "place": "东门社区广场",
        "deadline": "2026-12-05 09:00",
    }
    # SMS too (a missed promotion costs the place), queued for delivery.
    assert Message.objects.filter(recipient=other_volunteer.user, kind="promoted", channel=Channel.SMS).exists()


# Event changes and cancellations --------------------------------------------------------------


def test_an_event_change_tells_each_signed_up_volunteer_once_but_not_those_who_cancelled(
    tree, volunteer, other_volunteer, clock
):
    event = make_event(tree["S1"], capacity=1)
    sign_up(event, volunteer, at=at(7))
    sign_up(event, other_volunteer, at=at(7, 1))  # waitlisted: told too
    gone = make_volunteer(tree["S1"], "王五")
    sign_up(event, gone, at=at(7, 2))
    cancel_signup(event, gone, at=at(7, 3))
    before = Message.objects.count()
    moved = fresh(event)
    moved.starts_at, moved.ends_at = at(10), at(12)
    moved.save()
    moved.save()  # saved again unchanged: nothing new to tell
    fresh(moved).save()
    told = Message.objects.filter(kind="event_changed", channel=Channel.INBOX)
    assert sorted(told.values_list("recipient", flat=True)) == sorted([volunteer.user_id, other_volunteer.user_id])
    assert "2026-12-05 09:00 → 2026-12-05 10:00" in told.first().body
    assert not Message.objects.filter(recipient=gone.user, kind="event_changed").exists()
    assert Message.objects.count() == before + 4  # inbox and WeChat for each of the two


def test_the_volunteers_of_an_event_are_read_in_one_query_whatever_their_number(tree, clock):
    def queries_for(count: int) -> int:
        event = make_event(tree["S1"])
        for n in range(count):
            sign_up(event, make_volunteer(tree["S1"], f"志愿者{n}"), at=at(7))
        moved = fresh(event)
        moved.address = f"新地点{count}"
        with CaptureQueriesContext(connection) as captured:
            moved.save()
        return len(captured)

    assert queries_for(2) == queries_for(6)


def test_a_cancellation_within_24_hours_at_night_goes_out_at_once_on_sms(tree, volunteer, clock, sent):
    event = make_event(tree["S1"], starts_at=at(9) + NEXT_DAY, ends_at=at(11) + NEXT_DAY)
    sign_up(event, volunteer, at=at(8))
    clock.move_to(at(22))
    cancel_event(event)
    sms = Message.objects.get(recipient=volunteer.user, kind="event_cancelled_urgent", channel=Channel.SMS)
    assert sms.urgent and sms.not_before == at(22)
    deliver_due(now=at(22))
    sms.refresh_from_db()
    assert sms.status == MessageStatus.SENT and len(sent) >= 1


def test_a_change_the_evening_before_goes_out_at_once_like_a_cancellation(tree, volunteer, clock, sent):
    event = make_event(tree["S1"], starts_at=at(9) + NEXT_DAY, ends_at=at(11) + NEXT_DAY)
    sign_up(event, volunteer, at=at(8))
    clock.move_to(at(22))
    moved = fresh(event)
    moved.address = "西门社区广场"
    moved.save()
    wechat = Message.objects.get(recipient=volunteer.user, kind="event_changed", channel=Channel.WECHAT)
    assert wechat.urgent and wechat.not_before == at(22)
    deliver_due(now=at(22, 1))
    wechat.refresh_from_db()
    assert wechat.status == MessageStatus.SENT


def test_a_promotion_whose_deadline_falls_in_the_night_goes_out_at_once(tree, volunteer, other_volunteer, clock):
    event = make_event(tree["S1"], capacity=1, starts_at=at(7) + NEXT_DAY, ends_at=at(9) + NEXT_DAY)
    sign_up(event, volunteer, at=at(8))
    sign_up(event, other_volunteer, at=at(8, 5))
    clock.move_to(at(23))
    cancel_signup(event, volunteer, at=at(23))
    wechat = Message.objects.get(recipient=other_volunteer.user, kind="promoted", channel=Channel.WECHAT)
    # Confirm by 07:00, the start: a message held until 08:00 would come after the place was gone.
    assert wechat.urgent and wechat.not_before == at(23)


def test_a_normal_change_at_night_waits_for_the_morning_but_shows_in_the_inbox(tree, volunteer, clock):
    event = make_event(tree["S1"], starts_at=at(9) + 3 * NEXT_DAY, ends_at=at(11) + 3 * NEXT_DAY)
    sign_up(event, volunteer, at=at(8))
    clock.move_to(at(22))
    moved = fresh(event)
    moved.address = "西门社区广场"
    moved.save()
    wechat = Message.objects.get(recipient=volunteer.user, kind="event_changed", channel=Channel.WECHAT)
    assert not wechat.urgent and wechat.not_before == at(8) + NEXT_DAY
    (shown,) = inbox(volunteer.user, "event_changed")
    assert shown.status == MessageStatus.SENT and "东门社区广场 → 西门社区广场" in shown.body
    deliver_due(now=at(22, 5))
    wechat.refresh_from_db()
    assert wechat.status == MessageStatus.PENDING


def test_a_cancellation_days_ahead_is_not_urgent(tree, volunteer, clock):
    event = make_event(tree["S1"], starts_at=at(9) + 3 * NEXT_DAY, ends_at=at(11) + 3 * NEXT_DAY)
    sign_up(event, volunteer, at=at(8))
    cancel_event(event)
    assert [row.kind for row in inbox(volunteer.user)] == ["event_cancelled", "signup_confirmed"]


# Hours --------------------------------------------------------------------------------------


def test_hours_approved_then_rejected_are_each_told_once(tree, volunteer, admin_user, clock):
    event = make_event(tree["S1"], starts_at=at(9) - NEXT_DAY, ends_at=at(11) - NEXT_DAY)
    record = approved(event, volunteer, status=RecordStatus.PENDING)
    approve_record(record, by=admin_user, at=at(8))
    (told,) = inbox(volunteer.user, "hours_approved")
    assert "2.00" in told.body and "社区环境清洁" in told.title
    reject_record(record, by=admin_user, reason="未到岗", at=at(8, 5))
    (rejected,) = inbox(volunteer.user, "hours_rejected")
    assert "未到岗" in rejected.body
    assert len(inbox(volunteer.user, "hours_approved")) == 1


def test_a_pending_record_rejected_is_told_once(tree, volunteer, admin_user, clock):
    event = make_event(tree["S1"], starts_at=at(9) - NEXT_DAY, ends_at=at(11) - NEXT_DAY)
    record = approved(event, volunteer, status=RecordStatus.PENDING)
    reject_record(record, by=admin_user, reason="签到地点不符", at=at(8))
    (rejected,) = inbox(volunteer.user, "hours_rejected")
    assert "签到地点不符" in rejected.body and inbox(volunteer.user, "hours_approved") == []


# Certificates -------------------------------------------------------------------------------


def _served(tree, volunteer):
    event = make_event(tree["S1"], starts_at=at(9) - NEXT_DAY, ends_at=at(11) - NEXT_DAY)
    approved(event, volunteer)
    return event


def test_a_certificate_issued_is_told_to_its_volunteer(tree, volunteer, station_manager, clock):
    event = _served(tree, volunteer)
    certificate = issue_certificate(volunteer, tree["S1"], Coverage(event=event), by=station_manager)
    (told,) = inbox(volunteer.user, "certificate_issued")
    assert certificate.number in told.title and "2.00" in told.body


def test_many_certificates_are_told_in_the_same_number_of_queries_as_few(tree, station_manager, clock):
    def queries_for(count: int) -> tuple[int, int]:
        certificates = []
        for n in range(count):
            volunteer = make_volunteer(tree["S1"], f"志愿者{n}")
            event = _served(tree, volunteer)
            certificates.append(issue_certificate(volunteer, tree["S1"], Coverage(event=event), by=station_manager))
        Message.objects.filter(kind="certificate_issued").delete()
        with CaptureQueriesContext(connection) as captured:
            receivers.on_certificates_issued(sender=Certificate, certificates=certificates)
        return len(captured), Message.objects.filter(kind="certificate_issued").count()

    few, many = queries_for(2), queries_for(7)
    assert few[0] == many[0] and (few[1], many[1]) == (2, 7)


def test_a_declined_request_tells_the_reason(tree, volunteer, station_manager, clock):
    event = _served(tree, volunteer)
    request = request_certificate(volunteer, tree["S1"], Coverage(event=event))
    decline_request(request, by=station_manager, reason="请先补充材料")
    (told,) = inbox(volunteer.user, "certificate_request_answered")
    assert "未获通过" in told.title and "请先补充材料" in told.body
    assert CertificateRequest.objects.get(pk=request.pk).status == RequestStatus.DECLINED


# Orders -------------------------------------------------------------------------------------


def test_each_step_of_an_order_is_told_to_the_resident_and_the_rating_asked_once_completed(
    tree,
    menu,  # noqa: F811
    teams,  # noqa: F811
    admin_user,
    django_user_model,
    clock,
):
    from tests.conftest import make_user

    resident = make_user(django_user_model, "李红")
    order = orders.place_order(
        item=menu["haircut"],
        station=tree["S1"],
        contact_name="张桂兰",
        honorific="ms",
        contact_phone="13612345678",
        address="东门社区3栋",
        by=resident,
    )
    assert inbox(resident) == []  # their own step
    orders.review_order(order, by=admin_user, accept=True)
    orders.dispatch_order(order, by=admin_user, team=teams["a"])
    appointment = orders.Appointment(starts_at=at(10), ends_at=at(11), place="东门社区服务站")
    orders.accept_order(order, appointment, by=teams["a"].leader.user, at=at(8))
    clock.move_to(at(11, 30))
    orders.complete_order(order, by=admin_user, summary="理发完成")
    told = [row.body for row in reversed(inbox(resident, "order_update"))]
    assert len(told) == 4
    assert "通过审核" in told[0] and "派给" in told[1] and "东门社区服务站" in told[2] and "服务已完成" in told[3]
    assert all("张桂兰" not in body and "13612345678" not in body for body in told)
    (rating,) = inbox(resident, "order_rating_request")
    assert "上门理发" in rating.title


def test_a_resident_withdrawing_their_own_order_is_not_told_of_it(tree, menu, django_user_model, clock):  # noqa: F811
    from tests.conftest import make_user

    resident = make_user(django_user_model, "李红")
    order = orders.place_order(
        item=menu["haircut"],
        station=tree["S1"],
        contact_name="张桂兰",
        contact_phone="13612345678",
        address="东门社区3栋",
        by=resident,
    )
    orders.cancel_order(order, by=resident)
    assert inbox(resident) == []
