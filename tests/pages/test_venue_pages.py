import datetime

import time_machine

from events.checkin_codes import make_volunteer_code
from events.models import ServiceRecord, Signup
from events.services import sign_up
from tests.pages.conftest import at, make_event


def test_the_kiosk_has_no_site_links_for_passers_by(client, event, station_manager):
    client.force_login(station_manager)
    with time_machine.travel(at(9, 30), tick=False):
        html = client.get(f"/events/{event.pk}/kiosk/").content.decode()
    assert 'id="site-nav"' not in html and "退出" not in html and "/me/" not in html
    assert "<svg" in html


def test_before_the_window_the_kiosk_shows_when_check_in_opens_and_no_code(client, tree, station_manager):
    event = make_event(tree["S1"], starts_at=at(15), ends_at=at(17))
    client.force_login(station_manager)
    with time_machine.travel(at(9), tick=False):
        html = client.get(f"/events/{event.pk}/kiosk/").content.decode()
        state = client.get(f"/events/{event.pk}/kiosk/state/?action=in").json()
    assert "签到将于 14:30 开放" in html and "<svg" not in html
    assert state["is_open"] is False and state["qr_svg"] == "" and state["closed_text"] == "签到将于 14:30 开放"


def scan(client, event, token, action="in", **extra):
    return client.post(
        f"/events/{event.pk}/scan/answer/",
        {"volunteer_token": token, "action": action, **extra},
        content_type="application/json",
    )


def test_the_scan_names_a_signed_up_volunteer_in_full_and_repeats_say_when(client, tree, station_manager, volunteer):
    event = make_event(tree["S1"], signup_required=True)
    client.force_login(station_manager)
    with time_machine.travel(at(8), tick=False):
        sign_up(event, volunteer, at=at(8))
    with time_machine.travel(at(10, 2), tick=False):
        first = scan(client, event, make_volunteer_code(volunteer.pk, at(10, 2)))
    assert first.status_code == 201
    assert first.json() | {"ok": True, "name": "李四", "kind": "checked_in"} == first.json()
    with time_machine.travel(at(10, 40), tick=False):
        code = make_volunteer_code(volunteer.pk, at(10, 40))
        out = scan(client, event, code, "out").json()
        again = scan(client, event, code, "in").json()
    assert out["kind"] == "checked_out" and "已签退（10:40）" in out["message"]
    assert again["kind"] == "already_in" and again["message"] == "已签到（10:02）"
    assert ServiceRecord.objects.count() == 1


def test_a_refusal_is_worded_for_the_manager_and_names_the_person_masked(client, tree, station_manager, volunteer):
    event = make_event(tree["S1"], signup_required=True)
    client.force_login(station_manager)
    with time_machine.travel(at(10), tick=False):
        answer = scan(client, event, make_volunteer_code(volunteer.pk, at(10)))
    body = answer.json()
    assert answer.status_code >= 400 and body["ok"] is False
    assert body["name"] == "李*" and body["message"] == "李* 未报名本活动。"
    assert "walk_in_offer" not in body


def test_the_scan_offers_a_walk_in_and_signs_up_and_checks_in(client, tree, station_manager, volunteer):
    event = make_event(tree["S1"], signup_required=True, walk_ins_allowed=True, capacity=5, risk_notice="注意安全")
    client.force_login(station_manager)
    with time_machine.travel(at(10), tick=False):
        code = make_volunteer_code(volunteer.pk, at(10))
        offer = scan(client, event, code).json()
        assert offer["walk_in_offer"] is True and offer["risk_notice"] == "注意安全"
        taken = scan(client, event, code, walk_in=True)
    assert taken.status_code == 201 and taken.json()["name"] == "李四"
    assert Signup.objects.get(volunteer=volunteer).status == "confirmed"
    assert ServiceRecord.objects.filter(volunteer=volunteer).count() == 1


def test_odd_scan_bodies_are_400_not_500(client, event, station_manager):
    client.force_login(station_manager)
    url = f"/events/{event.pk}/scan/answer/"
    assert client.post(url, "not json", content_type="application/json").status_code == 400
    assert client.post(url, {"volunteer_token": 5}, content_type="application/json").status_code == 400
    assert (
        client.post(url, {"volunteer_token": "x", "action": "up"}, content_type="application/json").status_code == 400
    )


def test_outsiders_may_not_scan(client, event, other_station_manager, volunteer):
    client.force_login(other_station_manager)
    with time_machine.travel(at(10), tick=False):
        assert scan(client, event, make_volunteer_code(volunteer.pk, at(10))).status_code == 404
    client.force_login(volunteer.user)
    with time_machine.travel(at(10), tick=False):
        assert scan(client, event, make_volunteer_code(volunteer.pk, at(10))).status_code == 404
    assert not ServiceRecord.objects.exists()


def test_a_volunteer_scanning_a_walk_in_event_gets_sign_up_and_check_in(client, tree, volunteer):
    from events.checkin_codes import make_event_code

    event = make_event(tree["S1"], signup_required=True, walk_ins_allowed=True, risk_notice="注意安全")
    client.force_login(volunteer.user)
    with time_machine.travel(at(10, 2), tick=False):
        url = f"/c/{make_event_code(event.pk, 'in', at(10, 2))}"
        page = client.get(url).content.decode()
        assert "报名并签到" in page and "注意安全" in page
        client.post(url, {"walk_in": "1"})
    with time_machine.travel(at(10, 5), tick=False):
        again = client.get(f"/c/{make_event_code(event.pk, 'in', at(10, 5))}").content.decode()
    assert "您已签到（10:02）" in again
    assert Signup.objects.get(volunteer=volunteer).risk_acknowledged_at is not None


def test_the_sign_up_list_is_for_the_events_managers(client, event, station_manager, other_station_manager, volunteer):
    with time_machine.travel(at(8), tick=False):
        sign_up(event, volunteer, at=at(8))
    client.force_login(station_manager)
    assert "李四" in client.get(f"/events/{event.pk}/signups/").content.decode()
    client.force_login(other_station_manager)
    assert client.get(f"/events/{event.pk}/signups/").status_code == 404


def test_the_closed_kiosk_after_the_event_says_check_in_has_closed(client, event, station_manager):
    client.force_login(station_manager)
    with time_machine.travel(at(11) + datetime.timedelta(minutes=1), tick=False):
        state = client.get(f"/events/{event.pk}/kiosk/state/?action=in").json()
    assert state["closed_text"] == "签到已结束。"
