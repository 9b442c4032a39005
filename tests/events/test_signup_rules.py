"""Sign-up rules: the risk notice acknowledged, the minimum age, walk-ins at the venue."""

import datetime

import pytest
import time_machine

from events.checkin_codes import make_event_code, make_volunteer_code
from events.models import RefusedScan, ServiceRecord, Signup, SignupStatus
from events.services import sign_up
from tests.conftest import client_for, make_volunteer
from tests.events.conftest import at, make_event


def young_volunteer(station, years: int):
    """A volunteer who turns ``years`` the day after the event."""
    volunteer = make_volunteer(station, "小明")
    birthday = at(9).date() + datetime.timedelta(days=1)
    volunteer.birth_date = birthday.replace(year=birthday.year - years)
    volunteer.save(update_fields=["birth_date"])
    return volunteer


def test_sign_up_needs_the_risk_notice_acknowledged(tree, volunteer):
    event = make_event(tree["S1"], risk_notice="请穿防滑鞋", signup_required=True)
    client = client_for(volunteer.user)
    with time_machine.travel(at(8), tick=False):
        refused = client.post(f"/api/v1/events/{event.pk}/signup/")
        accepted = client.post(f"/api/v1/events/{event.pk}/signup/", {"risk_acknowledged": True}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "risk_not_acknowledged"
    assert accepted.status_code == 201 and accepted.json()["risk_acknowledged_at"] is not None


def test_an_event_without_a_risk_notice_needs_no_acknowledgement(event, volunteer):
    with time_machine.travel(at(8), tick=False):
        assert client_for(volunteer.user).post(f"/api/v1/events/{event.pk}/signup/").status_code == 201


def test_the_minimum_age_holds_at_sign_up_and_check_in(tree):
    event = make_event(tree["S1"], min_age=16)
    fifteen = young_volunteer(tree["S1"], 16)  # turns sixteen a day too late
    client = client_for(fifteen.user)
    with time_machine.travel(at(8), tick=False):
        refused = client.post(f"/api/v1/events/{event.pk}/signup/")
    assert refused.status_code == 403 and refused.json()["code"] == "too_young"
    with time_machine.travel(at(9), tick=False):
        scanned = client.post("/api/v1/checkins/", {"token": make_event_code(event.pk, "in", at(9))}, format="json")
    assert scanned.status_code == 403 and scanned.json()["code"] == "too_young"
    assert not ServiceRecord.objects.exists()
    old_enough = young_volunteer(tree["S1"], 15)
    old_enough.birth_date = old_enough.birth_date.replace(year=old_enough.birth_date.year - 1, day=1)
    old_enough.save(update_fields=["birth_date"])
    with time_machine.travel(at(8), tick=False):
        assert client_for(old_enough.user).post(f"/api/v1/events/{event.pk}/signup/").status_code == 201


@pytest.fixture
def walk_in_event(tree):
    return make_event(tree["S1"], signup_required=True, walk_ins_allowed=True, capacity=1)


def test_a_walk_in_signs_up_and_checks_in_in_one_step(walk_in_event, volunteer):
    client = client_for(volunteer.user)
    token = make_event_code(walk_in_event.pk, "in", at(9))
    with time_machine.travel(at(9), tick=False):
        plain = client.post("/api/v1/checkins/", {"token": token}, format="json")
        walk_in = client.post("/api/v1/checkins/", {"token": token, "walk_in": True}, format="json")
    assert plain.status_code == 409 and plain.json()["code"] == "not_signed_up"
    assert walk_in.status_code == 201
    signup = Signup.objects.get(volunteer=volunteer)
    assert signup.status == SignupStatus.CONFIRMED and signup.risk_acknowledged_at == at(9)


def test_walk_ins_stop_when_the_event_is_full(walk_in_event, volunteer, other_volunteer):
    sign_up(walk_in_event, other_volunteer, at=at(8))
    token = make_event_code(walk_in_event.pk, "in", at(9))
    with time_machine.travel(at(9), tick=False):
        full = client_for(volunteer.user).post("/api/v1/checkins/", {"token": token, "walk_in": True}, format="json")
    assert full.status_code == 409 and full.json()["code"] == "event_full"
    assert not Signup.objects.filter(volunteer=volunteer).exists()


def test_walk_ins_need_the_event_to_allow_them(tree, volunteer):
    event = make_event(tree["S1"], signup_required=True)
    token = make_event_code(event.pk, "in", at(9))
    with time_machine.travel(at(9), tick=False):
        response = client_for(volunteer.user).post(
            "/api/v1/checkins/", {"token": token, "walk_in": True}, format="json"
        )
    assert response.status_code == 409 and response.json()["code"] == "not_signed_up"


def test_the_manager_can_check_in_a_walk_in_by_personal_code(walk_in_event, station_manager_client, volunteer):
    with time_machine.travel(at(9), tick=False):
        response = station_manager_client.post(
            f"/api/v1/events/{walk_in_event.pk}/scan/",
            {"volunteer_token": make_volunteer_code(volunteer.pk, at(9)), "action": "in", "walk_in": True},
            format="json",
        )
    assert response.status_code == 201 and ServiceRecord.objects.get().volunteer == volunteer


def test_refused_scans_never_name_an_event_the_manager_may_not_see(
    tree, station_manager_client, other_station_manager, volunteer
):
    # One of S1's volunteers is refused at a draft of another station.
    secret = make_event(tree["S2"], title="尚未公布的活动", status="draft")
    RefusedScan.objects.create(volunteer=volunteer, event=secret, action="in", code="event_not_open", at=at(9))
    published = make_event(tree["S2"], title="公开活动")
    RefusedScan.objects.create(volunteer=volunteer, event=published, action="in", code="out_of_area", at=at(9))
    body = station_manager_client.get("/api/v1/refused-scans/").content.decode()
    assert "尚未公布的活动" not in body and "公开活动" in body
    # The draft's own managers still see it.
    assert "尚未公布的活动" in client_for(other_station_manager).get("/api/v1/refused-scans/").content.decode()
