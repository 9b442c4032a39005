"""The service-order pages one by one: who may open what, what they read, and how bad input is answered."""

import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

from orders import services
from orders.models import ContactView, Order, OrderState
from tests.conftest import make_manager, make_volunteer
from tests.orders.conftest import local, make_team, photo_upload

PHONE = "13612345678"


def html(response) -> str:
    return response.content.decode()


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def station(django_user_model, tree):
    return make_manager(django_user_model, tree["S1"], "东门站长")


def place(menu, tree, resident, **extra) -> Order:
    fields = {"contact_name": "张桂兰", "honorific": "ms", "contact_phone": PHONE, "address": "东门社区3栋2单元101"}
    fields.update(extra)
    return services.place_order(item=menu["haircut"], station=tree["S1"], by=resident, **fields)


@pytest.fixture
def order(menu, tree, resident) -> Order:
    return place(menu, tree, resident, photo=photo_upload())


def dispatched(order: Order, station, team) -> Order:
    services.review_order(order, by=station, accept=True)
    return services.dispatch_order(order, by=station, team=team)


# Who may open an order ---------------------------------------------------------------------


def test_outsiders_and_other_managers_get_404_on_the_order_and_its_steps(
    order, stranger, other_station_manager, far_volunteer
):
    for user in (stranger, other_station_manager, far_volunteer.user):
        client = logged_in(user)
        assert client.get(f"/orders/{order.pk}/").status_code == 404
        assert client.get(f"/orders/{order.pk}/photo/").status_code == 404
        assert client.post(f"/orders/{order.pk}/cancel/", {"reason": "x"}).status_code == 404
        assert client.post(f"/orders/{order.pk}/review/", {"decision": "accept"}).status_code == 404
    order.refresh_from_db()
    assert order.state == OrderState.SUBMITTED


def test_the_login_page_comes_before_any_order_page(client, order):
    response = client.get(f"/orders/{order.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_leader_of_another_team_gets_404_and_the_asked_leader_sees_the_contact_logged(order, station, teams, tree):
    dispatched(order, station, teams["a"])
    assert logged_in(teams["b"].leader.user).get(f"/orders/{order.pk}/").status_code == 404
    far_team = make_team(tree["S4"], "远方队")
    assert logged_in(far_team.leader.user).get(f"/orders/{order.pk}/").status_code == 404
    asked = logged_in(teams["a"].leader.user)
    page = html(asked.get(f"/orders/{order.pk}/"))
    # To agree a time before answering (issue 21): each read is logged.
    assert PHONE in page and "3栋" in page and "张桂兰" in page and 'id="agree-time"' in page
    assert asked.get(f"/orders/{order.pk}/photo/").status_code == 200
    views = ContactView.objects.filter(order=order, viewer=teams["a"].leader.user)
    assert sorted(views.values_list("via", flat=True)) == ["page", "photo"]
    assert not ContactView.objects.exclude(viewer=teams["a"].leader.user).exists()


def test_the_resident_and_the_station_see_the_contact_and_the_photo(order, resident, station):
    for user in (resident, station):
        client = logged_in(user)
        page = html(client.get(f"/orders/{order.pk}/"))
        assert PHONE in page and "东门社区3栋2单元101" in page
        photo = client.get(f"/orders/{order.pk}/photo/")
        assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"


def test_team_and_manager_pages_are_404_for_those_without_a_team_or_unit(resident):
    client = logged_in(resident)
    for url in ("/orders/team/", "/orders/manage/", "/orders/manage/new/", "/orders/manage/statistics/"):
        assert client.get(url).status_code == 404, url


def test_a_manager_may_not_read_statistics_of_a_unit_outside_their_reach(station, tree):
    assert logged_in(station).get(f"/orders/manage/statistics/?unit={tree['S4'].pk}").status_code == 404
    assert logged_in(station).get("/orders/manage/statistics/?unit=abc").status_code == 404


# The resident's pages ------------------------------------------------------------------------


def test_the_menu_is_public_and_lists_the_items_of_the_chosen_station(client, menu, tree):
    page = html(client.get(f"/orders/menu/?station={tree['S1'].pk}"))
    assert "上门理发" in page and "法律咨询" in page and "/orders/register/" in page
    # Another county's station has none of this center's items; nonsense is ignored.
    assert "上门理发" not in html(client.get(f"/orders/menu/?station={tree['S4'].pk}"))
    assert client.get("/orders/menu/?station=x%00").status_code in (200, 400)


def test_registration_logs_the_resident_in_and_refuses_bad_input_in_chinese(client, db):
    bad = client.post("/orders/register/", {"name": "", "phone": "12345", "password": "123", "consent": ""})
    assert bad.status_code == 400
    text = html(bad)
    assert "请输入有效的大陆手机号" in text
    assert not get_user_model().objects.filter(name="李红").exists()
    good = client.post(
        "/orders/register/", {"name": "李红", "phone": "13512345678", "password": "a-long-secret-77", "consent": "true"}
    )
    assert good.status_code == 302
    assert client.get("/orders/mine/").status_code == 200
    again = Client().post(
        "/orders/register/", {"name": "李红", "phone": "13512345678", "password": "a-long-secret-77", "consent": "true"}
    )
    assert again.status_code == 400 and "13512345678" in html(again)


def test_registration_shares_the_registration_throttle(client, db, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"register": "1/minute"})
    client.post("/orders/register/", {"name": "甲", "phone": "1", "password": "x"})
    response = client.post(
        "/orders/register/", {"name": "李红", "phone": "13512345678", "password": "a-long-secret-77", "consent": "true"}
    )
    assert response.status_code == 429
    assert not get_user_model().objects.filter(phone="13512345678").exists()


def test_the_order_form_answers_bad_input_with_chinese_messages(menu, tree, resident):
    client = logged_in(resident)
    response = client.post(
        "/orders/new/",
        {
            "station": tree["S1"].pk,
            "item": menu["haircut"].pk,
            "contact_name": "",
            "contact_phone": "12345",
            "address": "",
            "photo": photo_upload(),
        },
    )
    assert response.status_code == 400
    text = html(response)
    assert "请输入有效的大陆手机号" in text and "该字段是必填项。" in text
    not_an_image = client.post(
        "/orders/new/",
        {
            "station": tree["S1"].pk,
            "item": "abc",
            "contact_name": "张桂兰",
            "contact_phone": PHONE,
            "address": "西街1号",
            "photo": photo_upload().__class__("x.jpg", b"not a photo", content_type="image/jpeg"),
        },
    )
    assert not_an_image.status_code == 400
    assert not Order.objects.exists()


def test_an_item_of_another_county_cannot_be_ordered_at_a_station(menu, tree, resident):
    response = logged_in(resident).post(
        "/orders/new/",
        {
            "station": tree["S4"].pk,
            "item": menu["haircut"].pk,
            "contact_name": "张",
            "contact_phone": PHONE,
            "address": "x",
        },
    )
    assert response.status_code == 400 and not Order.objects.exists()
    assert logged_in(resident).get("/orders/new/?station=nope").status_code == 302


def test_the_preferred_time_goes_into_the_description(menu, tree, resident):
    response = logged_in(resident).post(
        "/orders/new/",
        {
            "station": tree["S1"].pk,
            "item": menu["haircut"].pk,
            "contact_name": "张桂兰",
            "contact_phone": PHONE,
            "address": "西街1号",
            "description": "想剪短",
            "preferred_time": "周六上午",
        },
    )
    assert response.status_code == 302
    assert "周六上午" in Order.objects.get().description and "想剪短" in Order.objects.get().description


def test_the_resident_cancels_before_acceptance_but_not_after(order, menu, tree, resident, station, teams):
    client = logged_in(resident)
    assert 'id="cancel-form"' in html(client.get(f"/orders/{order.pk}/"))
    assert client.post(f"/orders/{order.pk}/cancel/", {"reason": "已自行解决"}).status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED

    with time_machine.travel(local(2026, 12, 1, 9), tick=False):
        second = place(menu, tree, resident)
        dispatched(second, station, teams["a"])
        appointment = services.Appointment(starts_at=local(2026, 12, 2, 9), ends_at=local(2026, 12, 2, 10))
        services.accept_order(second, appointment, by=teams["a"].leader.user)
        assert 'id="cancel-form"' not in html(client.get(f"/orders/{second.pk}/"))
        refused = client.post(f"/orders/{second.pk}/cancel/", {"reason": ""})
    assert refused.status_code == 409
    second.refresh_from_db()
    assert second.state == OrderState.ACCEPTED


def test_rating_needs_one_to_five_stars_and_only_within_the_window(order, resident, station, teams, settings):
    with time_machine.travel(local(2026, 12, 1, 9), tick=False) as clock:
        dispatched(order, station, teams["a"])
        appointment = services.Appointment(starts_at=local(2026, 12, 1, 10), ends_at=local(2026, 12, 1, 11))
        services.accept_order(order, appointment, by=teams["a"].leader.user)
        clock.move_to(local(2026, 12, 1, 11, 5))
        services.complete_order(order, by=station, summary="理发完成")
        client = logged_in(resident)
        bad = client.post(f"/orders/{order.pk}/rate/", {"response": "7", "attitude": "", "result": "x"})
        assert bad.status_code == 400 and "选择一个有效的选项" in html(bad)
        window = datetime.timedelta(days=settings.ORDER_RATING_WINDOW_DAYS, minutes=1)
        clock.move_to(local(2026, 12, 1, 11, 5) + window)
        assert 'id="rate-form"' not in html(client.get(f"/orders/{order.pk}/"))
        late = client.post(f"/orders/{order.pk}/rate/", {"response": "5", "attitude": "5", "result": "5"})
    assert late.status_code == 409
    order.refresh_from_db()
    assert order.state == OrderState.COMPLETED


# The station's and the team's steps -----------------------------------------------------------


def test_a_refusal_needs_a_reason_and_the_resident_reads_it(order, resident, station):
    client = logged_in(station)
    missing = client.post(f"/orders/{order.pk}/review/", {"decision": "refuse", "reason": " "})
    assert missing.status_code == 400 and "必须填写理由。" in html(missing)
    order.refresh_from_db()
    assert order.state == OrderState.SUBMITTED
    assert (
        client.post(f"/orders/{order.pk}/review/", {"decision": "refuse", "reason": "超出服务范围"}).status_code == 302
    )
    assert "超出服务范围" in html(logged_in(resident).get(f"/orders/{order.pk}/"))


def test_dispatch_refuses_two_targets_none_and_teams_out_of_reach(order, station, teams, tree):
    services.review_order(order, by=station, accept=True)
    client = logged_in(station)
    both = client.post(f"/orders/{order.pk}/dispatch/", {"team": teams["a"].pk, "claim_unit": tree["S1"].pk})
    neither = client.post(f"/orders/{order.pk}/dispatch/", {"team": "", "claim_unit": ""})
    far = make_team(tree["S4"], "远方队")
    out_of_reach = client.post(f"/orders/{order.pk}/dispatch/", {"team": far.pk})
    assert [both.status_code, neither.status_code, out_of_reach.status_code] == [400, 400, 400]
    assert "选择一个有效的选项" in html(out_of_reach)
    order.refresh_from_db()
    assert order.state == OrderState.REVIEWED


def test_a_leader_answers_bad_times_and_an_empty_reason_with_form_errors(order, station, teams):
    dispatched(order, station, teams["a"])
    client = logged_in(teams["a"].leader.user)
    backwards = client.post(
        f"/orders/{order.pk}/accept/", {"starts_at": "2030-01-01T10:00", "ends_at": "2030-01-01T09:00"}
    )
    assert backwards.status_code == 400 and "结束时间必须晚于开始时间" in html(backwards)
    ancient = client.post(f"/orders/{order.pk}/accept/", {"starts_at": "0001-01-01T00:00", "ends_at": "garbage"})
    assert ancient.status_code == 400
    with time_machine.travel(local(2026, 12, 1, 9), tick=False):
        passed = client.post(
            f"/orders/{order.pk}/accept/", {"starts_at": "2026-11-01T09:00", "ends_at": "2026-11-01T10:00"}
        )
    assert passed.status_code == 400
    empty = client.post(f"/orders/{order.pk}/decline/", {"reason": "   "})
    assert empty.status_code == 400 and "该字段是必填项。" in html(empty)
    order.refresh_from_db()
    assert order.state == OrderState.DISPATCHED


def test_a_leader_claims_an_open_order_and_a_second_team_learns_it_is_taken(order, station, teams, tree):
    services.review_order(order, by=station, accept=True)
    services.dispatch_order(order, by=station, claim_unit=tree["S1"])
    first, second = logged_in(teams["a"].leader.user), logged_in(teams["b"].leader.user)
    inbox = html(first.get("/orders/team/"))
    assert f"/orders/{order.pk}/" in inbox
    second_page = html(second.get(f"/orders/{order.pk}/"))
    assert 'id="claim-form"' in second_page
    times = {"starts_at": "2030-01-02T09:00", "ends_at": "2030-01-02T10:00", "place": "站门口"}
    assert first.post(f"/orders/{order.pk}/claim/", {"team": teams["a"].pk, **times}).status_code == 302
    late = second.post(f"/orders/{order.pk}/claim/", {"team": teams["b"].pk, **times})
    assert late.status_code == 404
    order.refresh_from_db()
    assert order.state == OrderState.ACCEPTED and order.team == teams["a"]


def test_a_manager_enters_an_order_for_a_resident_and_records_the_rating(menu, tree, station, teams):
    client = logged_in(station)
    form = html(client.get("/orders/manage/new/"))
    assert tree["S1"].name in form and tree["S4"].name not in form
    entered = client.post(
        "/orders/manage/new/",
        {
            "station": tree["S1"].pk,
            "item": menu["haircut"].pk,
            "contact_name": "王大爷",
            "contact_phone": PHONE,
            "address": "西街1号",
            "description": "电话来单",
        },
    )
    assert entered.status_code == 302, html(entered)
    order = Order.objects.get()
    assert order.resident is None and order.entered_by == station
    outside = client.post(
        "/orders/manage/new/",
        {
            "station": tree["S4"].pk,
            "item": menu["haircut"].pk,
            "contact_name": "王",
            "contact_phone": PHONE,
            "address": "x",
        },
    )
    assert outside.status_code == 400
    with time_machine.travel(local(2026, 12, 1, 9), tick=False) as clock:
        dispatched(order, station, teams["a"])
        appointment = services.Appointment(starts_at=local(2026, 12, 1, 10), ends_at=local(2026, 12, 1, 11))
        services.accept_order(order, appointment, by=teams["a"].leader.user)
        clock.move_to(local(2026, 12, 1, 11, 5))
        services.complete_order(order, by=station, summary="理发完成")
        rated = client.post(f"/orders/{order.pk}/rate/", {"response": "4", "attitude": "5", "result": "5"})
    assert rated.status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.RATED
    assert client.post(f"/orders/{order.pk}/close/").status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.CLOSED


def test_the_managers_list_filters_by_state_item_and_overdue(menu, tree, resident, station):
    with time_machine.travel(local(2026, 12, 1, 9), tick=False):
        late = place(menu, tree, resident)
        fresh = services.place_order(
            item=menu["errands"],
            station=tree["S1"],
            by=resident,
            contact_name="李",
            contact_phone=PHONE,
            address="x",
        )
        services.review_order(fresh, by=station, accept=True)
    with time_machine.travel(local(2026, 12, 4, 9), tick=False):
        client = logged_in(station)
        everything = html(client.get("/orders/manage/"))
        assert f"/orders/{late.pk}/" in everything and f"/orders/{fresh.pk}/" in everything
        submitted = html(client.get("/orders/manage/?state=submitted"))
        assert f"/orders/{late.pk}/" in submitted and f"/orders/{fresh.pk}/" not in submitted
        by_item = html(client.get(f"/orders/manage/?item={menu['errands'].pk}"))
        assert f"/orders/{fresh.pk}/" in by_item and f"/orders/{late.pk}/" not in by_item
        overdue = html(client.get("/orders/manage/?overdue=on"))
        assert f"/orders/{late.pk}/" in overdue
        assert client.get("/orders/manage/?state=nonsense&item=x&page=999").status_code == 200
    # Another station's manager does not see them.
    other = make_manager(get_user_model(), tree["S2"], "西湖站长")
    assert f"/orders/{late.pk}/" not in html(logged_in(other).get("/orders/manage/"))


# The public board ---------------------------------------------------------------------------


def test_the_board_masks_the_resident_and_hides_phone_and_address(client, order, menu, station, teams, tree):
    with time_machine.travel(local(2026, 12, 1, 9), tick=False) as clock:
        dispatched(order, station, teams["a"])
        appointment = services.Appointment(starts_at=local(2026, 12, 1, 10), ends_at=local(2026, 12, 1, 11))
        services.accept_order(order, appointment, by=teams["a"].leader.user)
        clock.move_to(local(2026, 12, 1, 11, 5))
        services.complete_order(order, by=station, summary="理发完成")
    unfinished = place(menu, tree, order.resident, contact_name="赵小花")
    for unit in ("C", "I1", "S1"):
        text = html(client.get(f"/orders/board/{tree[unit].pk}/"))
        assert "张女士" in text and "上门理发" in text and teams["a"].name in text, unit
        assert PHONE not in text and "3栋" not in text and "张桂兰" not in text
        assert "赵" not in text
    assert "张女士" not in html(client.get(f"/orders/board/{tree['S2'].pk}/"))
    assert client.get("/orders/board/999999/").status_code == 404
    assert unfinished.state == OrderState.SUBMITTED


def test_a_volunteer_who_leads_no_team_has_no_team_page(tree):
    volunteer = make_volunteer(tree["S1"], "孙七")
    assert logged_in(volunteer.user).get("/orders/team/").status_code == 404


def test_a_step_no_longer_offered_says_why_above_the_page(order, station, teams):
    dispatched(order, station, teams["a"])
    leader = logged_in(teams["a"].leader.user)
    assert leader.post(f"/orders/{order.pk}/decline/", {"reason": "人手不足"}).status_code == 302
    services.dispatch_order(order, by=station, team=teams["b"])
    # A start pressed on a page opened earlier: no team has accepted yet, so the form is gone.
    late = logged_in(station).post(f"/orders/{order.pk}/start/")
    assert late.status_code == 409 and 'class="error"' in html(late)


def test_list_pages_take_the_same_queries_for_one_order_or_many(menu, tree, resident, station):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(client, url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    place(menu, tree, resident)
    pages = {"/orders/mine/": logged_in(resident), "/orders/manage/": logged_in(station)}
    before = {url: count(c, url) for url, c in pages.items()}
    for _ in range(4):
        place(menu, tree, resident)
    after = {url: count(c, url) for url, c in pages.items()}
    assert after == before
