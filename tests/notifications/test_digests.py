"""The daily digests: one message a day listing several events; managers told only of what waits for them.

The clock is frozen by tests/events/conftest.py's ``clock`` (2026-12-05 08:00 Asia/Shanghai) and moved with it.
"""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certificates.services import Coverage, request_certificate
from events.models import RecordStatus
from notifications import digests
from notifications.kinds import Channel
from notifications.models import JobRun, Message, Preference
from orders.models import Order
from orders.services import place_order
from stations.models import UnitManager
from tests.certificates.conftest import approved
from tests.conftest import make_manager, make_user, make_volunteer
from tests.events.conftest import DAY, at, make_event
from tests.orders.conftest import menu  # noqa: F401
from volunteers.models import Team

pytestmark = pytest.mark.django_db
DAYS = datetime.timedelta(days=1)


def opt_in(volunteer, channel=Channel.INBOX):
    Preference.objects.create(user=volunteer.user, kind="new_events_digest", channel=channel, enabled=True)


def later(unit, title, days=2, **fields):
    return make_event(unit, title=title, starts_at=at(9) + days * DAYS, ends_at=at(11) + days * DAYS, **fields)


def digests_of(user, kind_code):
    return list(Message.objects.filter(recipient=user, kind=kind_code, channel=Channel.INBOX))


def test_one_message_lists_the_new_events_of_the_station_and_the_teams(tree, volunteer, other_volunteer, clock):
    opt_in(volunteer)
    team = Team.objects.create(name="敬老服务队", unit=tree["S2"], leader=volunteer)
    team.members.add(volunteer)
    stranger_team = Team.objects.create(name="西门服务队", unit=tree["S1"], leader=other_volunteer)
    later(tree["S1"], "社区环境清洁")
    later(tree["S1"], "文明交通劝导", days=3)
    later(tree["S2"], "敬老院探访", team=team)
    later(tree["S2"], "西湖社区义诊")  # another station
    later(tree["S1"], "西门队内活动", team=stranger_team)  # a team they are not in
    later(tree["S1"], "未发布活动", status="draft")
    clock.move_to(at(20))
    assert digests.send_new_events_digests() == 1
    (digest,) = digests_of(volunteer.user, "new_events_digest")
    assert "3个新活动" in digest.title
    for title in ("社区环境清洁", "文明交通劝导", "敬老院探访"):
        assert title in digest.body
    for title in ("西湖社区义诊", "西门队内活动", "未发布活动"):
        assert title not in digest.body
    assert digest.key == "new-events:2026-12-05"
    assert digests_of(other_volunteer.user, "new_events_digest") == []  # did not opt in
    assert digests.send_new_events_digests() == 0  # once a day


def test_after_missed_days_the_next_digest_covers_them_once(tree, volunteer, clock):
    opt_in(volunteer)
    JobRun.objects.create(name=digests.NEW_EVENTS, finished_at=at(20) - 3 * DAYS)
    clock.move_to(at(10) - 2 * DAYS)
    later(tree["S1"], "三天前发布的活动", days=4)
    clock.move_to(at(10))
    later(tree["S1"], "今天发布的活动")
    clock.move_to(at(20))
    digests.send_new_events_digests()
    (digest,) = digests_of(volunteer.user, "new_events_digest")
    assert "三天前发布的活动" in digest.body and "今天发布的活动" in digest.body
    clock.move_to(at(20) + DAYS)
    assert digests.send_new_events_digests() == 0
    assert len(digests_of(volunteer.user, "new_events_digest")) == 1


def test_nothing_new_sends_nothing(tree, volunteer, clock):
    opt_in(volunteer)
    clock.move_to(at(20))
    assert digests.send_new_events_digests() == 0
    assert JobRun.objects.get(name=digests.NEW_EVENTS).finished_at == at(20)


def test_the_digest_reads_the_volunteers_in_the_same_queries_however_many(tree, clock):
    later(tree["S1"], "社区环境清洁")

    def queries_for(count: int) -> int:
        JobRun.objects.all().delete()
        Message.objects.all().delete()
        for n in range(count):
            opt_in(make_volunteer(tree["S1"], f"志愿者{count}{n}"))
        with CaptureQueriesContext(connection) as captured:
            digests.send_new_events_digests(now=at(20))
        assert Message.objects.filter(kind="new_events_digest").count() == Preference.objects.count()
        return len(captured)

    assert queries_for(2) == queries_for(5)


# Managers ----------------------------------------------------------------------------------


def _overdue_order(menu, tree, django_user_model):  # noqa: F811
    order = place_order(
        item=menu["haircut"],
        station=tree["S1"],
        contact_name="张桂兰",
        contact_phone="13612345678",
        address="东门社区3栋",
        by=make_user(django_user_model, "李红"),
    )
    Order.objects.filter(pk=order.pk).update(handling_unit=tree["S1"], due_on=DAY - 3 * DAYS)


def test_a_manager_is_told_what_waits_and_a_manager_with_nothing_gets_nothing(
    tree,
    menu,  # noqa: F811
    volunteer,
    station_manager,
    other_station_manager,
    center_manager,
    django_user_model,
    clock,
):
    _overdue_order(menu, tree, django_user_model)
    ended = make_event(tree["S1"], starts_at=at(9) - 30 * DAYS, ends_at=at(11) - 30 * DAYS)
    approved(ended, volunteer, status=RecordStatus.PENDING)
    clock.move_to(at(9))
    digests.send_manager_digests()
    (mine,) = digests_of(station_manager, "manager_digest")
    assert "服务订单：1个" in mine.body and "服务记录：1条" in mine.body and "证明申请：" not in mine.body
    (centre,) = digests_of(center_manager, "manager_digest")  # the center covers S1
    assert "服务订单：1个" in centre.body
    assert digests_of(other_station_manager, "manager_digest") == []
    assert digests.send_manager_digests() == 0


def test_a_pending_certificate_request_waits_for_the_unit_asked(tree, volunteer, station_manager, clock):
    event = make_event(tree["S1"], starts_at=at(9) - DAYS, ends_at=at(11) - DAYS)
    approved(event, volunteer)
    request_certificate(volunteer, tree["S1"], Coverage(event=event))
    digests.send_manager_digests()
    (mine,) = digests_of(station_manager, "manager_digest")
    assert "证明申请：1个" in mine.body and mine.key == "manager-digest:2026-12-05"


def test_a_manager_of_two_nested_units_counts_each_thing_once(
    tree,
    menu,  # noqa: F811
    django_user_model,
    clock,
):
    both = make_manager(django_user_model, tree["I1"], "两级管理员")
    UnitManager.objects.create(user=both, unit=tree["S1"])
    _overdue_order(menu, tree, django_user_model)
    digests.send_manager_digests()
    (digest,) = digests_of(both, "manager_digest")
    assert "服务订单：1个" in digest.body


def test_manager_digests_cost_the_same_queries_for_few_and_many_managers(
    tree,
    menu,  # noqa: F811
    django_user_model,
    clock,
):
    _overdue_order(menu, tree, django_user_model)

    def queries_for(count: int) -> int:
        JobRun.objects.all().delete()
        Message.objects.all().delete()
        for n in range(count):
            make_manager(django_user_model, tree["S1"], f"站长{count}{n}")
        with CaptureQueriesContext(connection) as captured:
            digests.send_manager_digests()
        return len(captured)

    assert queries_for(2) == queries_for(5)


def test_the_command_runs_both_digests(tree, volunteer, station_manager, clock, capsys):
    opt_in(volunteer)
    later(tree["S1"], "社区环境清洁")
    clock.move_to(at(20))
    call_command("send_digests")
    assert "new events digests: 1; manager digests: 0; points expiring: 0" in capsys.readouterr().out


# Points about to expire ---------------------------------------------------------------------


def test_points_about_to_expire_are_told_once_per_expiry_date(tree, volunteer, other_volunteer):
    from decimal import Decimal

    from points.models import PointsRule
    from tests.points.test_expiry import credit, moment

    PointsRule.objects.create(unit=tree["C"], points_per_hour=Decimal("10.00"), expiry_years=2)
    credit(volunteer, "20", moment(2026, 12, 5), tree["S1"])
    credit(other_volunteer, "30", moment(2027, 6, 1), tree["S1"])  # expires later: not yet
    assert digests.send_points_expiring(now=moment(2028, 10, 1)) == 0  # more than 30 days ahead
    JobRun.objects.all().delete()
    digests.send_points_expiring(now=moment(2028, 11, 10))
    (told,) = Message.objects.filter(kind="points_expiring", channel=Channel.INBOX)
    assert told.recipient == volunteer.user and "20" in told.title and "2028-12-05" in told.body
    JobRun.objects.all().delete()
    assert digests.send_points_expiring(now=moment(2028, 11, 11)) == 0  # the same expiry: told already
