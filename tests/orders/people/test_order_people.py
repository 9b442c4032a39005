"""The order flow as its people live it (issue 21, items 5-7).

Team leaders: the leader of the team an order is dispatched to reads the resident's
contact to agree a time, each read logged; no other leader ever does; a started service
can be reported at once and a refused report keeps its photos. Residents: who is coming,
when, the leader's phone to call, then the completion report before rating. Managers:
改派 once dispatched, the team asked before losing the order.
"""

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from events.checkin_codes import make_event_code
from events.models import ActivityPhoto, Event
from orders import services
from orders.models import ContactView, Order, OrderState
from tests.conftest import client_for, make_user
from tests.orders.conftest import local, make_team, photo_upload
from tests.orders.people.conftest import HOME, PHONE, accept, html, logged_in

# Team leaders: the contact to agree a time ---------------------------------------------------


def test_the_leader_asked_reads_the_contact_and_each_read_is_logged(order, station, teams, clock):
    services.dispatch_order(order, by=station, team=teams["a"])
    leader = logged_in(teams["a"].leader.user)
    for _ in range(2):
        page = html(leader.get(f"/orders/{order.pk}/"))
        assert f'href="tel:{PHONE}"' in page and HOME in page
    assert client_for(teams["a"].leader.user).get(f"/api/v1/orders/{order.pk}/").json()["contact_phone"] == PHONE
    views = ContactView.objects.filter(order=order)
    assert views.count() == 3
    assert {(v.viewer_id, v.team_id, v.state) for v in views} == {
        (teams["a"].leader.user_id, teams["a"].pk, OrderState.DISPATCHED)
    }
    assert sorted(views.values_list("via", flat=True)) == ["api", "page", "page"]
    assert {v.viewed_at for v in views} == {local(2026, 12, 1, 9, 0)}


def test_the_resident_and_the_station_read_without_a_log_line_and_see_who_read_it(order, station, teams, resident):
    services.dispatch_order(order, by=station, team=teams["a"])
    logged_in(teams["a"].leader.user).get(f"/orders/{order.pk}/")
    for user in (resident, station):
        page = html(logged_in(user).get(f"/orders/{order.pk}/"))
        log = page.split('id="contact-views"')[1].split("</details>")[0]
        assert teams["a"].leader.user.name in log and teams["a"].name in log
    assert ContactView.objects.count() == 1


def test_no_other_leader_ever_reads_the_contact(order, station, teams, tree, django_user_model):
    services.dispatch_order(order, by=station, team=teams["a"])
    far = make_team(tree["S4"], "远方队")
    for team in (teams["b"], far):
        client = logged_in(team.leader.user)
        assert client.get(f"/orders/{order.pk}/").status_code == 404
        assert client.get(f"/orders/{order.pk}/photo/").status_code == 404
        assert client_for(team.leader.user).get(f"/api/v1/orders/{order.pk}/").status_code == 404
        inbox = client_for(team.leader.user).get("/api/v1/orders/inbox/").json()["results"]
        assert inbox == []
    # An ordinary member of the asked team neither.
    member = teams["a"].members.exclude(pk=teams["a"].leader_id).first()
    assert logged_in(member.user).get(f"/orders/{order.pk}/").status_code == 404
    # Open to claim: the leaders who may claim it read it masked.
    services.dispatch_order(order, by=station, claim_unit=tree["S1"])
    page = html(logged_in(teams["b"].leader.user).get(f"/orders/{order.pk}/"))
    assert PHONE not in page and HOME not in page and "136****5678" in page
    assert not ContactView.objects.filter(viewer=teams["b"].leader.user).exists()


def test_lists_never_show_the_phone_masked_or_not(order, station, teams, resident, clock):
    services.dispatch_order(order, by=station, team=teams["a"])
    pages = [
        (teams["a"].leader.user, "/orders/team/"),
        (station, "/orders/manage/"),
        (resident, "/orders/mine/"),
    ]
    for user, url in pages:
        page = html(logged_in(user).get(url))
        assert f"/orders/{order.pk}/" in page
        assert PHONE not in page and "136****5678" not in page, url
    accept(order, teams["a"])
    for user, url in pages:
        page = html(logged_in(user).get(url))
        assert PHONE not in page and "136****5678" not in page, url
        assert teams["a"].leader.user.phone not in page


# Managers: 改派 ----------------------------------------------------------------------------------


def test_re_dispatch_moves_the_order_and_its_contact_to_the_new_team(order, station, teams, clock):
    services.dispatch_order(order, by=station, team=teams["a"])
    first = logged_in(teams["a"].leader.user)
    assert first.get(f"/orders/{order.pk}/").status_code == 200
    manager = logged_in(station)
    page = html(manager.get(f"/orders/{order.pk}/"))
    # Dispatched: the form is folded behind 改派, not offered as a first dispatch again.
    assert 'id="redispatch"' in page and "改派" in page and "<h2>派单</h2>" not in page
    team_b = re.search(r'<option value="(\d+)"[^>]*>[^<]*理发二队', page).group(1)
    moved = manager.post(f"/orders/{order.pk}/dispatch/", {"team": team_b, "claim_unit": ""})
    assert moved.status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.DISPATCHED and order.team == teams["b"]
    change = order.history.last()
    assert change.action == "redispatch" and change.from_state == OrderState.DISPATCHED and change.team == teams["b"]
    # The first team has lost it: page, photo, inbox, answer.
    assert first.get(f"/orders/{order.pk}/").status_code == 404
    assert first.get(f"/orders/{order.pk}/photo/").status_code == 404
    assert html(first.get("/orders/team/")).count(f"/orders/{order.pk}/") == 0
    times = {"starts_at": "2026-12-02T10:00", "ends_at": "2026-12-02T11:00"}
    refused = first.post(f"/orders/{order.pk}/accept/", times)
    assert refused.status_code == 404
    with pytest.raises(services.OrderError) as moved_on:
        accept(order, teams["a"])
    assert moved_on.value.code == "invalid_state"
    # The new one reads it, and accepts.
    assert PHONE in html(logged_in(teams["b"].leader.user).get(f"/orders/{order.pk}/"))
    accept(order, teams["b"])
    page = html(manager.get(f"/orders/{order.pk}/"))
    assert 'id="dispatch-form"' not in page and 'id="redispatch"' not in page
    assert "已改派" in page


def test_the_admin_offers_re_dispatch_once_dispatched_and_lists_the_contact_reads(order, station, teams, admin_user):
    services.dispatch_order(order, by=station, team=teams["a"])
    logged_in(teams["a"].leader.user).get(f"/orders/{order.pk}/")
    page = html(logged_in(station).get(f"/admin/orders/order/{order.pk}/change/"))
    tools = re.findall(r'href="/admin/orders/order/\d+/(\w+)/"[^>]*>([^<]*)<', page)
    assert ("dispatch", "改派") in tools and ("review", "受理") not in [(name, label) for name, label in tools]
    # Admins read the access log in the admin too (managers on the order's page).
    page = html(logged_in(admin_user).get(f"/admin/orders/order/{order.pk}/change/"))
    assert "联系方式查看记录" in page and teams["a"].leader.user.name in page


def test_re_dispatch_to_the_same_team_is_refused(order, station, teams):
    services.dispatch_order(order, by=station, team=teams["a"])
    with pytest.raises(services.OrderError) as same:
        services.dispatch_order(order, by=station, team=teams["a"])
    assert same.value.code == "same_team" and same.value.status_code == 409


def test_another_units_manager_cannot_re_dispatch(order, station, teams, other_station_manager, tree):
    services.dispatch_order(order, by=station, team=teams["a"])
    client = logged_in(other_station_manager)
    assert client.post(f"/orders/{order.pk}/dispatch/", {"team": teams["b"].pk}).status_code == 404
    order.refresh_from_db()
    assert order.team == teams["a"]


def test_the_decline_rate_counts_re_dispatches(order, station, teams):
    from orders.statistics import order_statistics

    services.dispatch_order(order, by=station, team=teams["a"])
    services.dispatch_order(order, by=station, team=teams["b"])
    services.decline_order(order, by=teams["b"].leader.user, reason="没空")
    assert order_statistics(Order.objects.all())["decline_rate"] == 0.5


# Starting and reporting ---------------------------------------------------------------------------


def test_starting_early_moves_the_events_start_and_the_report_is_taken_at_once(order, station, teams, clock):
    services.dispatch_order(order, by=station, team=teams["a"])
    accept(order, teams["a"])
    clock.move_to(local(2026, 12, 2, 9, 20))
    leader = logged_in(teams["a"].leader.user)
    page = html(leader.get(f"/orders/{order.pk}/"))
    assert 'id="start-form"' in page and 'id="complete-form"' not in page
    assert leader.post(f"/orders/{order.pk}/start/").status_code == 302
    event = Event.objects.get(pk=order.event_id)
    # The whole booked hour moves with it: an early start never lengthens the service.
    assert event.starts_at == local(2026, 12, 2, 9, 20) and event.ends_at == local(2026, 12, 2, 10, 20)
    # The volunteers check in now and out when done: the hours count from the real start.
    members = list(teams["a"].members.all())
    for member in members:
        client_for(member.user).post(
            "/api/v1/checkins/", {"token": make_event_code(event.pk, "in", local(2026, 12, 2, 9, 20))}, format="json"
        )
    clock.move_to(local(2026, 12, 2, 9, 50))
    for member in members:
        client_for(member.user).post(
            "/api/v1/checkins/", {"token": make_event_code(event.pk, "out", local(2026, 12, 2, 9, 50))}, format="json"
        )
    assert {record.credited_hours for record in event.records.all()} == {Decimal("0.50")}
    # Reported before the booked 10:00.
    done = leader.post(f"/orders/{order.pk}/complete/", {"summary": "理发完成", "people_served": "1"})
    assert done.status_code == 302, html(done)
    order.refresh_from_db()
    assert order.state == OrderState.COMPLETED


def test_starting_late_moves_nothing_and_too_early_is_refused(order, station, teams, clock):
    services.dispatch_order(order, by=station, team=teams["a"])
    accept(order, teams["a"])
    clock.move_to(local(2026, 12, 2, 7, 59))
    with pytest.raises(services.OrderError) as early:
        services.start_service(order, by=teams["a"].leader.user)
    assert early.value.code == "too_early"
    clock.move_to(local(2026, 12, 2, 10, 15))
    services.start_service(order, by=teams["a"].leader.user)
    assert Event.objects.get(pk=order.event_id).starts_at == local(2026, 12, 2, 10)


def test_the_leader_changes_the_agreed_time_and_the_event_moves(order, station, teams, clock):
    services.dispatch_order(order, by=station, team=teams["a"])
    order = accept(order, teams["a"])
    due = order.due_on
    leader = logged_in(teams["a"].leader.user)
    page = html(leader.get(f"/orders/{order.pk}/"))
    assert 'id="reschedule-form"' in page and 'value="2026-12-02T10:00"' in page
    moved = leader.post(
        f"/orders/{order.pk}/reschedule/",
        {"starts_at": "2026-12-03T15:00", "ends_at": "2026-12-03T16:00", "place": "服务站门口"},
    )
    assert moved.status_code == 302
    order.refresh_from_db()
    event = Event.objects.get(pk=order.event_id)
    assert (event.starts_at, event.ends_at) == (local(2026, 12, 3, 15), local(2026, 12, 3, 16))
    assert order.starts_at == event.starts_at and order.state == OrderState.ACCEPTED and order.due_on == due
    assert order.history.last().action == "reschedule" and event.signups.count() == 2
    # Nobody else moves it: another team's leader, the resident.
    later = services.Appointment(local(2026, 12, 4, 9), local(2026, 12, 4, 10))
    for user in (teams["b"].leader.user, order.resident):
        with pytest.raises(services.OrderError) as refused:
            services.reschedule_order(order, later, by=user)
        assert refused.value.code == "not_allowed"
        times = {"starts_at": "2026-12-04T09:00", "ends_at": "2026-12-04T10:00"}
        assert logged_in(user).post(f"/orders/{order.pk}/reschedule/", times).status_code in (403, 404)
    # Once a volunteer checked in, the time stands.
    clock.move_to(local(2026, 12, 3, 14, 50))
    member = teams["a"].members.first()
    token = make_event_code(event.pk, "in", local(2026, 12, 3, 14, 50))
    assert client_for(member.user).post("/api/v1/checkins/", {"token": token}, format="json").status_code == 201
    with pytest.raises(services.OrderError) as late:
        services.reschedule_order(
            order, services.Appointment(local(2026, 12, 4, 9), local(2026, 12, 4, 10)), by=teams["a"].leader.user
        )
    assert late.value.code == "already_attended"


def test_reporting_before_the_start_says_to_start_the_service(order, station, teams, clock):
    services.dispatch_order(order, by=station, team=teams["a"])
    accept(order, teams["a"])
    with pytest.raises(services.OrderError) as early:
        services.complete_order(order, by=teams["a"].leader.user, summary="理发完成")
    assert early.value.code == "service_not_started"


def test_a_refused_report_keeps_its_text_and_photos(order, station, teams, clock):
    services.dispatch_order(order, by=station, team=teams["a"])
    accept(order, teams["a"])
    leader = logged_in(teams["a"].leader.user)
    clock.move_to(local(2026, 12, 2, 9, 50))
    assert leader.post(f"/orders/{order.pk}/start/").status_code == 302
    refused = leader.post(
        f"/orders/{order.pk}/complete/",
        {"summary": "  ", "people_served": "2", "photos": [photo_upload("a.jpg"), photo_upload("b.jpg", "red")]},
    )
    assert refused.status_code == 400
    page = html(refused)
    # The number typed stays in its field; the photos wait on the activity record.
    assert re.search(r'name="people_served"[^>]*value="2"', page)
    assert 'id="kept-photos"' in page and "2" in page.split('id="kept-photos"')[1][:200]
    photos = ActivityPhoto.objects.filter(record__event=order.event_id)
    assert photos.count() == 2
    order.refresh_from_db()
    assert order.state == OrderState.IN_SERVICE
    # One bad photo among good ones: the good one is kept, the bad one named.
    bad = SimpleUploadedFile("broken.jpg", b"not a photo at all", content_type="image/jpeg")
    again = leader.post(
        f"/orders/{order.pk}/complete/", {"summary": "理发完成", "photos": [photo_upload("c.jpg"), bad]}
    )
    assert again.status_code == 400 and "broken.jpg" in html(again)
    assert photos.count() == 3
    done = leader.post(f"/orders/{order.pk}/complete/", {"summary": "理发完成", "people_served": "1"})
    assert done.status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.COMPLETED and order.event.activity_record.summary == "理发完成"


# Residents: who is coming, and the report before rating ----------------------------------------------


def test_the_resident_sees_who_is_coming_and_calls_the_leader(order, station, teams, resident, clock):
    services.dispatch_order(order, by=station, team=teams["a"])
    page = html(logged_in(resident).get(f"/orders/{order.pk}/"))
    assert 'id="crew"' not in page
    accept(order, teams["a"])
    page = html(logged_in(resident).get(f"/orders/{order.pk}/"))
    crew = page.split('id="crew"')[1].split("</section>")[0]
    leader = teams["a"].leader
    assert teams["a"].name in crew and leader.real_name in crew
    assert f'href="tel:{leader.user.phone}"' in crew and "2026-12-02 10:00" in crew
    # The volunteers' check-in hints are not for her.
    assert 'id="event"' not in page and "签到" not in page
    # The station's manager reads the leader's number masked.
    manager_page = html(logged_in(station).get(f"/orders/{order.pk}/"))
    assert leader.user.phone not in manager_page and 'id="crew"' in manager_page


def test_the_report_is_shown_before_the_rating_only_to_those_who_see_the_order(
    order, station, teams, resident, django_user_model, clock
):
    services.dispatch_order(order, by=station, team=teams["a"])
    accept(order, teams["a"])
    clock.move_to(local(2026, 12, 2, 10, 30))
    services.start_service(order, by=teams["a"].leader.user)
    [photo], _refused = services.add_report_photos(order, [photo_upload()], by=teams["a"].leader.user)
    url = f"/orders/{order.pk}/report-photos/{photo.pk}/"
    # While the report is written, the resident does not read it yet.
    assert logged_in(resident).get(url).status_code == 404
    services.complete_order(order, by=teams["a"].leader.user, summary="剪短了，老人很满意", people_served=1)
    page = html(logged_in(resident).get(f"/orders/{order.pk}/"))
    assert 'id="report"' in page and 'id="rate-form"' in page
    assert page.index('id="report"') < page.index('id="rate-form"')
    report = page.split('id="report"')[1].split("</section>")[0]
    assert "剪短了，老人很满意" in report and url in report
    image = logged_in(resident).get(url)
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert logged_in(resident).get(url + "?size=thumb").status_code == 200
    # Another resident, another team's leader, another station's manager: 404.
    other = make_user(django_user_model, "别的居民")
    for user in (other, teams["b"].leader.user):
        assert logged_in(user).get(url).status_code == 404
        assert logged_in(user).get(f"/orders/{order.pk}/").status_code == 404
    # A photo of another event is not reachable through this order.
    other_order = services.place_order(
        item=order.item,
        station=order.station,
        contact_name="李四",
        contact_phone="13712345678",
        address="西街",
        by=other,
    )
    assert logged_in(other).get(f"/orders/{other_order.pk}/report-photos/{photo.pk}/").status_code == 404
    # After the rating, the leader's number is no longer shown to her.
    services.rate_order(order, by=resident, response=5, attitude=5, result=5)
    page = html(logged_in(resident).get(f"/orders/{order.pk}/"))
    assert teams["a"].leader.user.phone not in page and "剪短了" in page


def test_the_menu_button_says_dian_dan(client, menu, tree):
    page = html(client.get(f"/orders/menu/?station={tree['S1'].pk}"))
    button = re.search(rf'id="order-item-{menu["haircut"].pk}"[^>]*>([^<]*)<', page).group(1)
    assert button == "点单"
