"""The resident's phone and address (志愿服务条例 art. 21): visible to the resident, the
dispatching unit's own managers and, from dispatch until the service is done, the leader of
the team asked (to agree a time, each read logged) and then serving; masked for everyone
else who may see the order at all."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from orders import services
from tests import leak_scan
from tests.conftest import client_for, make_manager
from tests.orders.conftest import photo_upload

PHONE = "13612345678"


@pytest.fixture
def order(django_user_model, tree, menu, teams, resident):
    station = make_manager(django_user_model, tree["S1"], "东门站长")
    order = services.place_order(
        item=menu["haircut"],
        station=tree["S1"],
        contact_name="张桂兰",
        honorific="ms",
        contact_phone=PHONE,
        address="东门社区3栋2单元101",
        photo=photo_upload(),
        by=resident,
    )
    services.review_order(order, by=station, accept=True)
    services.dispatch_order(order, by=station, team=teams["b"])
    return order


@pytest.fixture
def station_for_s1(tree):
    return tree["S1"].manager_roles.get().user


def sees(user, order) -> tuple[int, str | None, str | None]:
    response = client_for(user).get(f"/api/v1/orders/{order.pk}/")
    if response.status_code != 200:
        return response.status_code, None, None
    body = response.json()
    assert PHONE not in response.content.decode() or body["contact_visible"]
    return 200, body["contact_phone"], body["address"]


def accept(order, teams):
    start = timezone.now() + datetime.timedelta(days=1)
    appointment = services.Appointment(starts_at=start, ends_at=start + datetime.timedelta(hours=1))
    return services.accept_order(order, appointment, by=teams["b"].leader.user)


def test_the_resident_and_the_dispatching_station_see_the_contact(order, resident, tree):
    dispatcher = tree["S1"].manager_roles.get().user
    for person in (resident, dispatcher):
        assert sees(person, order) == (200, PHONE, "东门社区3栋2单元101")


def test_managers_above_see_it_masked_and_the_leader_asked_sees_it(
    django_user_model, order, tree, teams, center_manager, institute_manager
):
    for person in (center_manager, institute_manager):
        assert sees(person, order) == (200, "136****5678", "")
    assert sees(teams["b"].leader.user, order) == (200, PHONE, "东门社区3栋2单元101")


def test_an_open_order_shows_the_leaders_who_may_claim_it_no_contact(order, station_for_s1, teams, tree):
    services.dispatch_order(order, by=station_for_s1, claim_unit=tree["S1"])
    for team in teams.values():
        assert sees(team.leader.user, order) == (200, "136****5678", "")


def test_strangers_and_other_stations_do_not_see_the_order_at_all(
    order, other_station_manager, stranger, teams, far_volunteer
):
    for person in (other_station_manager, stranger, teams["a"].leader.user, far_volunteer.user):
        assert sees(person, order)[0] == 404
    assert client_for(None).get(f"/api/v1/orders/{order.pk}/").status_code == 401


def test_the_accepting_leader_sees_the_contact_until_the_service_is_done(order, teams):
    accept(order, teams)
    assert sees(teams["b"].leader.user, order) == (200, PHONE, "东门社区3栋2单元101")
    # An ordinary member of the team does not.
    member = teams["b"].members.exclude(pk=teams["b"].leader_id).first()
    assert sees(member.user, order)[0] == 404


def test_the_event_volunteers_read_shows_a_meeting_place_not_the_home(order, teams):
    order = accept(order, teams)
    # The team's members read it; nobody else (tests/orders/test_order_events_private.py).
    member = teams["b"].members.exclude(pk=teams["b"].leader_id).first()
    response = client_for(member.user).get(f"/api/v1/events/{order.event_id}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "3栋" not in text and PHONE not in text and "张桂兰" not in text and "张女士" in text


def test_the_photo_goes_only_to_those_who_see_the_address(order, resident, center_manager):
    assert client_for(resident).get(f"/api/v1/orders/{order.pk}/photo/").status_code == 200
    assert client_for(center_manager).get(f"/api/v1/orders/{order.pk}/photo/").status_code == 404


def test_searching_by_the_residents_name_finds_nothing(order, center_manager):
    response = client_for(center_manager).get("/api/v1/orders/?q=张桂兰")
    assert response.status_code == 200 and response.json()["count"] == 0


def scanned(user, body: str) -> list[str]:
    """What the suite's leak scan (tests/leak_scan.py) makes of ``body`` shown to ``user``."""
    request = RequestFactory().get("/somewhere/")
    request.user = user
    leak_scan.LeakScanMiddleware(lambda request: HttpResponse(body))(request)
    found = list(leak_scan.leaks)
    leak_scan.leaks.clear()
    return found


@pytest.mark.parametrize("shown", [PHONE, "东门社区3栋2单元101"])
def test_the_leak_scan_lets_the_contact_reach_only_whom_the_order_allows(order, resident, tree, teams, shown):
    dispatcher = tree["S1"].manager_roles.get().user
    leader = teams["b"].leader.user
    assert scanned(resident, shown) == [] and scanned(dispatcher, shown) == []
    # Asked (dispatched to the team): its leader may read it, the other team's may not.
    assert scanned(leader, shown) == [] and scanned(AnonymousUser(), shown) != []
    assert scanned(teams["a"].leader.user, shown) != []
    accept(order, teams)
    assert scanned(leader, shown) == []
    assert scanned(teams["a"].leader.user, shown) != []
