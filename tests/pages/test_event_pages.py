import datetime

import time_machine

from events.models import Signup, SignupStatus
from events.services import sign_up
from tests.conftest import make_volunteer
from tests.pages.conftest import at, make_event


def test_published_events_are_listed_and_shown_without_login(client, tree):
    event = make_event(tree["S1"], title="公开的助老活动")
    draft = make_event(tree["S1"], title="草稿活动", status="draft")
    with time_machine.travel(at(8), tick=False):
        html = client.get("/events/").content.decode()
        assert "公开的助老活动" in html and "草稿活动" not in html
        detail = client.get(f"/events/{event.pk}/")
        assert detail.status_code == 200
        assert "请以志愿者身份登录后报名" in detail.content.decode()
        assert client.get(f"/events/{draft.pk}/").status_code == 404


def test_the_list_is_paginated_instead_of_cut(client, tree):
    for n in range(45):
        make_event(tree["S1"], title=f"活动{n:02d}", starts_at=at(9) + datetime.timedelta(minutes=n))
    with time_machine.travel(at(8), tick=False):
        first = client.get("/events/").content.decode()
        last = client.get("/events/?page=3").content.decode()
        beyond = client.get("/events/?page=99")
    assert "活动00" in first and "活动20" not in first and "第 1 / 3 页（共 45 个活动）" in first
    assert "活动44" in last and "page=2" in last
    assert beyond.status_code == 200 and "活动44" in beyond.content.decode()


def test_status_badges_say_running_signed_up_waitlisted_and_full(client, tree, volunteer):
    running = make_event(tree["S1"], title="进行中的活动")
    full = make_event(tree["S1"], title="满员活动", starts_at=at(14), ends_at=at(16), capacity=1, signup_required=True)
    mine = make_event(tree["S1"], title="我报名的活动", starts_at=at(14), ends_at=at(16))
    waiting = make_event(tree["S1"], title="我候补的活动", starts_at=at(14), ends_at=at(16), capacity=1)
    with time_machine.travel(at(10), tick=False):
        sign_up(full, make_volunteer(tree["S2"], "钱七"), at=at(8))
        sign_up(waiting, make_volunteer(tree["S2"], "孙八"), at=at(8))
        sign_up(mine, volunteer, at=at(8))
        sign_up(waiting, volunteer, at=at(8))
        client.force_login(volunteer.user)
        html = client.get("/events/?scope=all").content.decode()
    assert running.title in html

    def badge_after(title: str) -> str:
        start = html.index(title)
        return html[start : start + 200]

    assert "进行中" in badge_after("进行中的活动")
    assert "已满" in badge_after("满员活动")
    assert "已报名" in badge_after("我报名的活动")
    assert "候补" in badge_after("我候补的活动")


def test_signing_up_asks_for_the_risk_notice_first(client, tree, volunteer):
    event = make_event(tree["S1"], risk_notice="高温天气，注意防暑。", starts_at=at(14), ends_at=at(16))
    client.force_login(volunteer.user)
    with time_machine.travel(at(8), tick=False):
        page = client.get(f"/events/{event.pk}/").content.decode()
        assert "高温天气，注意防暑。" in page and 'name="risk_acknowledged"' in page
        refused = client.post(f"/events/{event.pk}/signup/", follow=True).content.decode()
        assert not Signup.objects.exists() and "风险提示" in refused
        client.post(f"/events/{event.pk}/signup/", {"risk_acknowledged": "1"})
    signup = Signup.objects.get()
    assert signup.status == SignupStatus.CONFIRMED and signup.risk_acknowledged_at is not None


def test_an_event_without_a_risk_notice_signs_up_with_one_tap(client, tree, volunteer):
    event = make_event(tree["S1"], starts_at=at(14), ends_at=at(16))
    client.force_login(volunteer.user)
    with time_machine.travel(at(8), tick=False):
        client.post(f"/events/{event.pk}/signup/")
    assert Signup.objects.filter(volunteer=volunteer).exists()
