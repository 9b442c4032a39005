"""The visit an accepted order makes to a resident's home is the team's own event (issue 20).

Nobody outside the team and the units handling the order learns when and where it
takes place: not anonymous visitors, not other volunteers, not other units' managers,
in no list, page or lookup (``Event.objects.visible_to``: a 404, never a 403). Only the
team's members sign up, on its places and on its waitlist. The leader is warned when
the meeting place looks like the resident's home.
"""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from events import services as event_services
from events.checkin_codes import make_event_code
from events.choices import ScanAction
from events.models import Event, Signup, SignupStatus
from orders import services
from tests.conftest import PASSWORD, client_for, make_manager
from tests.events.conftest import make_event
from tests.orders.conftest import local, make_team

ADDRESS = "东门社区人民路12号3栋2单元101"
MEETING_POINT = "东门社区服务站门口"


@pytest.fixture
def clock():
    with time_machine.travel(local(2026, 12, 1, 9, 0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def station(django_user_model, tree):
    """The S1 station's manager: the order's handling unit."""
    return make_manager(django_user_model, tree["S1"], "东门站长")


def place_order(menu, tree, resident):
    return services.place_order(
        item=menu["haircut"],
        station=tree["S1"],
        contact_name="张桂兰",
        honorific="ms",
        contact_phone="13612345678",
        address=ADDRESS,
        by=resident,
    )


def accept(order, team, place: str = MEETING_POINT, members=None):
    appointment = services.Appointment(
        starts_at=local(2026, 12, 2, 10), ends_at=local(2026, 12, 2, 11), place=place, members=members
    )
    return services.accept_order(order, appointment, by=team.leader.user)


@pytest.fixture
def dispatched(clock, menu, tree, resident, station, teams):
    order = place_order(menu, tree, resident)
    services.review_order(order, by=station, accept=True)
    return services.dispatch_order(order, by=station, team=teams["b"])


@pytest.fixture
def event(dispatched, teams) -> Event:
    """The event of the order accepted by team b (three members, all serving)."""
    order = accept(dispatched, teams["b"])
    assert order.event is not None
    return order.event


def member(team, n: int = 1):
    """The team's ``n``-th member other than its leader."""
    return team.members.exclude(pk=team.leader_id).order_by("pk")[n - 1]


def logged_in(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def listed_ids(user) -> set[int]:
    body = client_for(user).get("/api/v1/events/").json()
    return {row["id"] for row in body["results"]}


def page_ids(user) -> set[int]:
    response = logged_in(user).get("/events/?scope=all")
    assert response.status_code == 200
    return {event.pk for event in response.context["events"]}


# Who sees it -------------------------------------------------------------------------------


def outsiders(django_user_model, tree, teams, volunteer, far_volunteer) -> dict:
    return {
        "a volunteer of the same station": volunteer.user,
        "a volunteer far away": far_volunteer.user,
        "a member of the other team": member(teams["a"]).user,
        "the other team's leader": teams["a"].leader.user,
        "another station's manager": make_manager(django_user_model, tree["S2"], "西门站长"),
        "another center's manager": make_manager(django_user_model, tree["C2"], "外区中心管理员"),
    }


def test_anonymous_visitors_find_the_order_event_in_no_list_or_page(event):
    anonymous = Client()
    listing = anonymous.get("/events/")
    assert listing.status_code == 200
    assert event.pk not in {row.pk for row in listing.context["events"]}
    assert f"/events/{event.pk}/" not in listing.content.decode()
    assert anonymous.get(f"/events/{event.pk}/").status_code == 404
    assert client_for(None).get(f"/api/v1/events/{event.pk}/").status_code == 401
    assert not Event.objects.visible_to(AnonymousUser()).filter(pk=event.pk).exists()


def test_other_volunteers_and_other_units_managers_get_404_everywhere(
    django_user_model, tree, teams, event, volunteer, far_volunteer
):
    for who, user in outsiders(django_user_model, tree, teams, volunteer, far_volunteer).items():
        assert client_for(user).get(f"/api/v1/events/{event.pk}/").status_code == 404, who
        assert event.pk not in listed_ids(user), who
        assert logged_in(user).get(f"/events/{event.pk}/").status_code == 404, who
        assert event.pk not in page_ids(user), who
        assert not Event.objects.visible_to(user).filter(pk=event.pk).exists(), who


def test_the_team_and_the_handling_units_still_see_it(tree, teams, event, station, center_manager, admin_user):
    insiders = {
        "the leader": teams["b"].leader.user,
        "a serving member": member(teams["b"]).user,
        "the handling station's manager": station,
        "the center's manager": center_manager,
        "an admin": admin_user,
    }
    for who, user in insiders.items():
        assert client_for(user).get(f"/api/v1/events/{event.pk}/").status_code == 200, who
        assert event.pk in listed_ids(user), who
        assert logged_in(user).get(f"/events/{event.pk}/").status_code == 200, who


def test_a_member_who_does_not_serve_still_sees_the_team_event_in_the_lists(clock, dispatched, teams):
    order = accept(dispatched, teams["b"], members=[teams["b"].leader])
    idle = member(teams["b"])
    assert order.event_id in listed_ids(idle.user)
    assert order.event_id in page_ids(idle.user)


def test_the_handling_station_sees_the_event_of_a_team_of_another_station(
    clock, django_user_model, menu, tree, resident, station, center_manager
):
    # The center dispatches S1's order to a team of S2: S1's managers do not manage that team's unit.
    order = place_order(menu, tree, resident)
    services.review_order(order, by=station, accept=True)
    west = make_team(tree["S2"], "西门服务队")
    services.dispatch_order(order, by=center_manager, team=west)
    event = accept(order, west).event
    assert client_for(station).get(f"/api/v1/events/{event.pk}/").status_code == 200
    other = make_manager(django_user_model, tree["S3"], "南门站长")
    assert client_for(other).get(f"/api/v1/events/{event.pk}/").status_code == 404


def test_the_check_in_code_shows_an_outsider_nothing_of_the_visit(event, volunteer, teams):
    token = make_event_code(event.pk, ScanAction.IN, local(2026, 12, 1, 9, 0))
    outsider = logged_in(volunteer.user).get(f"/c/{token}")
    assert outsider.status_code == 400
    assert MEETING_POINT not in outsider.content.decode()
    assert logged_in(member(teams["b"]).user).get(f"/c/{token}").status_code == 200


def test_the_check_in_api_tells_an_outsider_with_a_forwarded_code_nothing(clock, event, volunteer):
    """Neither the window (event_not_open) nor the place (out_of_area) nor the visit's name in a refusal."""
    from events.models import RefusedScan

    api = client_for(volunteer.user)
    for moment in (local(2026, 12, 1, 9, 0), local(2026, 12, 2, 10, 15)):
        clock.move_to(moment)
        token = make_event_code(event.pk, ScanAction.IN, moment)
        response = api.post("/api/v1/checkins/", {"token": token, "latitude": 0, "longitude": 0}, format="json")
        assert response.status_code == 400 and response.json()["code"] == "token_invalid"
    assert list(RefusedScan.objects.filter(volunteer=volunteer).values_list("event", flat=True)) == [None, None]
    assert event.title not in str(api.get("/api/v1/me/data/").json())


def test_no_manager_enters_a_record_for_a_non_member_at_the_visit(clock, event, volunteer, django_user_model, tree):
    clock.move_to(local(2026, 12, 2, 12))
    colleague = make_manager(django_user_model, tree["S1"], "东门副站长")
    response = client_for(colleague).post(
        "/api/v1/records/",
        {
            "event": event.pk,
            "volunteer": volunteer.pk,
            "checked_in_at": local(2026, 12, 2, 10).isoformat(),
            "checked_out_at": local(2026, 12, 2, 11).isoformat(),
            "reason": "漏扫补录",
        },
        format="json",
    )
    assert response.status_code == 403 and response.json()["code"] == "members_only"
    assert client_for(volunteer.user).get(f"/api/v1/events/{event.pk}/").status_code == 404


def test_the_order_page_links_the_event_only_for_those_who_see_it(event, dispatched, resident, teams):
    link = f'href="/events/{event.pk}/"'
    assert link in logged_in(teams["b"].leader.user).get(f"/orders/{dispatched.pk}/").content.decode()
    resident_page = logged_in(resident).get(f"/orders/{dispatched.pk}/")
    assert resident_page.status_code == 200 and link not in resident_page.content.decode()


# Who signs up ------------------------------------------------------------------------------


def test_a_non_member_cannot_sign_up_nor_join_the_waitlist(clock, event, volunteer, teams):
    for person in (volunteer, member(teams["a"])):
        api = client_for(person.user).post(f"/api/v1/events/{event.pk}/signup/", {}, format="json")
        assert api.status_code == 404
        assert logged_in(person.user).post(f"/events/{event.pk}/signup/").status_code == 404
        with pytest.raises(event_services.EventError) as refused:
            event_services.sign_up(event, person, at=local(2026, 12, 1, 9, 0))
        assert refused.value.code == "members_only" and refused.value.status_code == 403
    assert not Signup.objects.filter(event=event, volunteer=volunteer).exists()


def test_a_member_of_the_team_joins_the_waitlist_of_a_full_crew(clock, dispatched, teams):
    order = accept(dispatched, teams["b"], members=[teams["b"].leader, member(teams["b"])])
    response = client_for(member(teams["b"], 2).user).post(
        f"/api/v1/events/{order.event_id}/signup/", {}, format="json"
    )
    assert response.status_code == 201 and response.json()["status"] == SignupStatus.WAITLISTED


def test_a_promotion_from_the_waitlist_never_picks_a_non_member(clock, dispatched, teams, volunteer):
    crew = [teams["b"].leader, member(teams["b"])]
    event = accept(dispatched, teams["b"], members=crew).event
    # A stranger queued first (a sign-up from before the rule), then the team's third member.
    Signup.objects.create(
        event=event, volunteer=volunteer, status=SignupStatus.WAITLISTED, queued_at=local(2026, 12, 1, 8, 0)
    )
    third = member(teams["b"], 2)
    event_services.sign_up(event, third, at=local(2026, 12, 1, 9, 0))
    event_services.cancel_signup(event, crew[1])
    assert Signup.objects.get(event=event, volunteer=third).status == SignupStatus.CONFIRMED
    assert Signup.objects.get(event=event, volunteer=volunteer).status == SignupStatus.WAITLISTED


def test_nobody_is_promoted_when_only_non_members_wait(clock, dispatched, teams, volunteer):
    crew = [teams["b"].leader, member(teams["b"])]
    event = accept(dispatched, teams["b"], members=crew).event
    Signup.objects.create(
        event=event, volunteer=volunteer, status=SignupStatus.WAITLISTED, queued_at=local(2026, 12, 1, 8, 0)
    )
    event_services.cancel_signup(event, crew[1])
    assert Signup.objects.get(event=event, volunteer=volunteer).status == SignupStatus.WAITLISTED
    assert Signup.objects.filter(event=event, status=SignupStatus.CONFIRMED).count() == 1


def test_a_serving_member_who_left_the_team_keeps_the_place_and_sees_the_event(clock, event, teams):
    leaving = member(teams["b"])
    teams["b"].members.remove(leaving)
    assert client_for(leaving.user).get(f"/api/v1/events/{event.pk}/").status_code == 200
    signup, created = event_services.sign_up(event, leaving, at=local(2026, 12, 1, 9, 0))
    assert not created and signup.status == SignupStatus.CONFIRMED


def test_a_stranger_is_refused_at_the_door_even_without_a_sign_up_rule(clock, event, volunteer, teams):
    Event.objects.filter(pk=event.pk).update(signup_required=False)
    event.refresh_from_db()
    at = event.starts_at
    with pytest.raises(event_services.CheckInError) as refused:
        event_services.record_scan(volunteer, event, ScanAction.IN, method="manual", at=at)
    assert refused.value.code == "members_only"
    record, created = event_services.record_scan(member(teams["b"]), event, ScanAction.IN, method="manual", at=at)
    assert created and record.event_id == event.pk


def test_ordinary_events_stay_open_to_every_volunteer(clock, tree, far_volunteer):
    ordinary = make_event(tree["S1"], starts_at=local(2026, 12, 2, 9), ends_at=local(2026, 12, 2, 11))
    assert ordinary.pk in listed_ids(far_volunteer.user)
    assert ordinary.pk in {row.pk for row in Client().get("/events/").context["events"]}
    signup, created = event_services.sign_up(ordinary, far_volunteer, at=local(2026, 12, 1, 9, 0))
    assert created and signup.status == SignupStatus.CONFIRMED


# The meeting place -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("place", "warned"),
    [
        (ADDRESS, True),
        (f"{ADDRESS}楼下", True),
        ("3栋2单元101", True),
        ("人民路１２号 小区大门", True),
        (MEETING_POINT, False),
        ("人民路120号", False),
        ("", False),
    ],
    ids=[
        "the-address",
        "the-address-and-more",
        "its-door",
        "its-street-and-number",
        "a-meeting-point",
        "another-number",
        "no-place",
    ],
)
def test_the_leader_is_warned_when_the_meeting_place_looks_like_the_home(clock, dispatched, teams, place, warned):
    start = local(2026, 12, 2, 10)
    response = client_for(teams["b"].leader.user).post(
        f"/api/v1/orders/{dispatched.pk}/accept/",
        {"starts_at": start.isoformat(), "ends_at": (start + datetime.timedelta(hours=1)).isoformat(), "place": place},
        format="json",
    )
    # A warning, never a refusal: the order is accepted either way.
    assert response.status_code == 200 and response.json()["state"] == "accepted"
    codes = [warning["code"] for warning in response.json()["warnings"]]
    assert codes == (["place_looks_like_home"] if warned else [])


def test_a_claiming_leader_is_warned_too(clock, menu, tree, resident, station):
    order = place_order(menu, tree, resident)
    services.review_order(order, by=station, accept=True)
    services.dispatch_order(order, by=station, claim_unit=tree["S1"])
    team = make_team(tree["S1"], "抢单队")
    start = local(2026, 12, 2, 10)
    response = client_for(team.leader.user).post(
        f"/api/v1/orders/{order.pk}/claim/",
        {
            "team": team.pk,
            "starts_at": start.isoformat(),
            "ends_at": (start + datetime.timedelta(hours=1)).isoformat(),
            "place": ADDRESS,
        },
        format="json",
    )
    assert response.status_code == 200
    assert [warning["code"] for warning in response.json()["warnings"]] == ["place_looks_like_home"]


def test_the_leaders_order_page_shows_the_warning_after_accepting_there(clock, dispatched, teams):
    leader = logged_in(teams["b"].leader.user)
    response = leader.post(
        f"/orders/{dispatched.pk}/accept/",
        {"starts_at": "2026-12-02T10:00", "ends_at": "2026-12-02T11:00", "place": ADDRESS},
        follow=True,
    )
    assert response.status_code == 200
    assert [code for code, _detail in response.context["place_warnings"]] == ["place_looks_like_home"]
    assert 'data-code="place_looks_like_home"' in response.content.decode()
    # Members do not read the order; the leader alone sees the address and the warning.
    assert logged_in(member(teams["b"]).user).get(f"/orders/{dispatched.pk}/").status_code == 404


def test_no_warning_for_a_meeting_point(clock, dispatched, teams):
    leader = logged_in(teams["b"].leader.user)
    response = leader.post(
        f"/orders/{dispatched.pk}/accept/",
        {"starts_at": "2026-12-02T10:00", "ends_at": "2026-12-02T11:00", "place": MEETING_POINT},
        follow=True,
    )
    assert response.status_code == 200 and not response.context.get("place_warnings")
    assert "place-warning" not in response.content.decode()


# When the resident closes their account ----------------------------------------------------


def test_closing_erases_a_meeting_place_that_was_the_home(clock, dispatched, teams, resident):
    from volunteers.services import close_account

    order = accept(dispatched, teams["b"], place=ADDRESS)
    clock.move_to(local(2026, 12, 2, 11, 30))
    services.complete_order(order, by=teams["b"].leader.user, summary="理发完成")
    close_account(resident, password=PASSWORD, at=local(2026, 12, 3, 9))
    order.refresh_from_db()
    order.event.refresh_from_db()
    assert order.address == ""
    assert "人民路" not in order.place and "人民路" not in order.event.address


def test_closing_keeps_a_meeting_point_away_from_the_home(clock, dispatched, teams, resident):
    from volunteers.services import close_account

    order = accept(dispatched, teams["b"])
    clock.move_to(local(2026, 12, 2, 11, 30))
    services.complete_order(order, by=teams["b"].leader.user, summary="理发完成")
    close_account(resident, password=PASSWORD, at=local(2026, 12, 3, 9))
    order.refresh_from_db()
    assert order.place == MEETING_POINT and order.event.address == MEETING_POINT
