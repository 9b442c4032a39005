"""The whole path of an order, through the API as each person would act: 上门理发 for a
resident's mother, reviewed, dispatched, declined once, dispatched again, accepted,
served as an event with QR check-in and approved hours, reported with photos, rated,
and shown on the public board with the resident masked."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from rest_framework.test import APIClient

from events.checkin_codes import make_event_code
from events.models import ActivityRecord, Event, EventStatus, RecordStatus, Signup
from orders.models import ContactView, Order, OrderState
from tests.conftest import client_for, make_manager
from tests.orders.conftest import local, photo_upload

MOTHER_PHONE = "13612345678"


@pytest.fixture
def world(django_user_model, tree, menu, teams):
    return {
        "station": make_manager(django_user_model, tree["S1"], "东门站长"),
        "tree": tree,
        "menu": menu,
        "teams": teams,
    }


def leader_client(team) -> APIClient:
    return client_for(team.leader.user)


def test_an_order_goes_from_the_menu_to_the_public_board(world):
    tree, haircut, teams = world["tree"], world["menu"]["haircut"], world["teams"]
    station = client_for(world["station"])
    with time_machine.travel(local(2026, 12, 1, 9, 0), tick=False) as clock:
        # A daughter opens a light account and orders a haircut at home for her mother.
        anonymous = APIClient()
        registered = anonymous.post(
            "/api/v1/residents/register/",
            {"name": "李红", "phone": "13512345678", "password": "a-long-secret-77", "consent": True},
            format="json",
        )
        assert registered.status_code == 201
        resident = APIClient()
        token = resident.post("/api/v1/auth/token/", {"phone": "13512345678", "password": "a-long-secret-77"})
        resident.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
        menu = resident.get(f"/api/v1/menu-items/?unit={tree['S1'].pk}").json()["results"]
        assert "上门理发" in [item["name"] for item in menu]
        placed = resident.post(
            "/api/v1/orders/",
            {
                "item": haircut.pk,
                "station": tree["S1"].pk,
                "contact_name": "张桂兰",
                "honorific": "ms",
                "contact_phone": MOTHER_PHONE,
                "address": "东门社区3栋2单元101",
                "description": "母亲行动不便，想在家理发",
                "photo": photo_upload(),
            },
            format="multipart",
        )
        assert placed.status_code == 201, placed.content
        order_id = placed.json()["id"]
        assert placed.json()["state"] == "submitted" and placed.json()["contact_phone"] == MOTHER_PHONE
        url = f"/api/v1/orders/{order_id}"

        # The station reviews and dispatches it to team A, whose leader declines once.
        assert station.post(f"{url}/review/", {"accept": True}, format="json").status_code == 200
        dispatched = station.post(f"{url}/dispatch/", {"team": teams["a"].pk}, format="json")
        assert dispatched.json()["state"] == "dispatched"
        inbox = leader_client(teams["a"]).get("/api/v1/orders/inbox/").json()["results"]
        assert [row["id"] for row in inbox] == [order_id]
        # The leader of the team asked reads the contact to agree a time; the read is logged.
        assert inbox[0]["contact_phone"] == MOTHER_PHONE and inbox[0]["address"] == "东门社区3栋2单元101"
        assert ContactView.objects.filter(order_id=order_id, viewer=teams["a"].leader.user, via="api").count() == 1
        declined = leader_client(teams["a"]).post(f"{url}/decline/", {"reason": "本周队员都在外地"}, format="json")
        assert declined.status_code == 200 and declined.json()["state"] == "reviewed"
        again = station.post(f"{url}/dispatch/", {"team": teams["a"].pk}, format="json")
        assert again.status_code == 409 and again.json()["code"] == "team_declined"
        assert station.post(f"{url}/dispatch/", {"team": teams["b"].pk}, format="json").status_code == 200

        # Team B accepts for tomorrow morning: an event of its unit appears, its members signed up.
        accepted = leader_client(teams["b"]).post(
            f"{url}/accept/",
            {
                "starts_at": local(2026, 12, 2, 9, 0).isoformat(),
                "ends_at": local(2026, 12, 2, 10, 0).isoformat(),
                "place": "东门社区服务站门口集合",
            },
            format="json",
        )
        assert accepted.status_code == 200, accepted.content
        body = accepted.json()
        assert body["state"] == "accepted" and body["contact_phone"] == MOTHER_PHONE
        assert body["address"] == "东门社区3栋2单元101"
        event = Event.objects.get(pk=body["event"])
        assert event.unit == tree["S1"] and event.status == EventStatus.PUBLISHED
        assert event.address == "东门社区服务站门口集合" and "3栋" not in event.description
        members = list(teams["b"].members.all())
        assert set(Signup.objects.filter(event=event).values_list("volunteer", flat=True)) == {m.pk for m in members}

        # The volunteers check in and out with the event's QR code; the station approves their hours.
        clock.move_to(local(2026, 12, 2, 8, 50))
        assert leader_client(teams["b"]).post(f"{url}/start/").json()["state"] == "in_service"
        for member in members:
            code = make_event_code(event.pk, "in", local(2026, 12, 2, 8, 50))
            assert client_for(member.user).post("/api/v1/checkins/", {"token": code}, format="json").status_code == 201
        clock.move_to(local(2026, 12, 2, 10, 5))
        for member in members:
            code = make_event_code(event.pk, "out", local(2026, 12, 2, 10, 5))
            assert client_for(member.user).post("/api/v1/checkins/", {"token": code}, format="json").status_code == 200
        for record in event.records.all():
            assert station.post(f"/api/v1/records/{record.pk}/approve/").status_code == 200
        assert {r.status for r in event.records.all()} == {RecordStatus.APPROVED}
        # The service started when the team arrived, ten minutes before the agreed 9:00: the booked
        # hour moved with it (start_service), so the hours count from 8:50 and for one hour at most.
        assert {r.credited_hours for r in event.records.all()} == {Decimal("1.00")}

        # The completion report with photos is the event's activity record. The station's
        # manager files it here: events.activity lets only the event unit's managers
        # document an event (see test_the_team_leader_reports_completion).
        completed = station.post(
            f"{url}/complete/",
            {
                "summary": "为张阿姨上门理发，并清理了房间",
                "people_served": 1,
                "photos": [photo_upload("a.jpg"), photo_upload("b.jpg", "red"), photo_upload("c.jpg", "blue")],
            },
            format="multipart",
        )
        assert completed.status_code == 200, completed.content
        assert completed.json()["state"] == "completed"
        record = ActivityRecord.objects.get(event=event)
        assert record.summary == "为张阿姨上门理发，并清理了房间" and record.people_served == 1
        assert record.photos.count() == 3 and event.is_documented
        # Once served, the leader no longer sees the contact.
        assert leader_client(teams["b"]).get(f"{url}/").json()["contact_phone"] == "136****5678"

        # The daughter rates it.
        clock.move_to(local(2026, 12, 3, 20, 0))
        rated = resident.post(f"{url}/rate/", {"response": 5, "attitude": 5, "result": 4, "comment": "很满意"})
        assert rated.status_code == 201, rated.content

        # The public board shows it, the resident masked, without phone or address.
        board = APIClient().get(f"/api/v1/orders/board/?unit={tree['C'].pk}")
        assert board.status_code == 200
        [entry] = board.json()["results"]
        assert entry["resident"] == "张女士" and entry["item_name"] == "上门理发"
        assert entry["team_name"] == "理发二队" and entry["area"] == tree["S1"].name
        assert entry["completed_on"] == "2026-12-02" and entry["score"] == pytest.approx(4.67)
        text = board.content.decode()
        assert MOTHER_PHONE not in text and "3栋" not in text and "张桂兰" not in text

        # Statistics: time to acceptance and to completion, the decline and the rating.
        stats = station.get(f"/api/v1/orders/statistics/?unit={tree['S1'].pk}").json()
        assert stats["to_acceptance"]["median_hours"] == 0
        assert stats["to_completion"]["median_hours"] == pytest.approx(25.08, abs=0.01)
        assert stats["decline_rate"] == 0.5 and stats["completion_rate"] == 1
        [team_row] = stats["satisfaction"]["team"]
        assert team_row["name"] == "理发二队" and team_row["rated"] == 1 and team_row["average"] == pytest.approx(4.67)

    history = [change.action for change in Order.objects.get(pk=order_id).history.all()]
    assert history == [
        "submit",
        "accept_review",
        "dispatch",
        "decline",
        "dispatch",
        "accept",
        "start",
        "complete",
        "rate",
    ]
    assert Order.objects.get(pk=order_id).state == OrderState.RATED
    assert datetime.timedelta(0) < Order.objects.get(pk=order_id).completed_at - local(2026, 12, 1, 9)


def dispatched_haircut(world, team, **place) -> Order:
    """A haircut placed by the station for 王大爷, reviewed and dispatched to ``team``."""
    from orders import services

    order = services.place_order(
        item=world["menu"]["haircut"],
        station=world["tree"]["S1"],
        contact_name="王大爷",
        contact_phone=MOTHER_PHONE,
        address="西街1号",
        by=world["station"],
        on_behalf=True,
        **place,
    )
    services.review_order(order, by=world["station"], accept=True)
    services.dispatch_order(order, by=world["station"], team=team)
    return order


def accepted_haircut(world, team) -> Order:
    """``dispatched_haircut``, accepted by the team's leader for 10:00-11:00."""
    from orders import services

    order = dispatched_haircut(world, team)
    appointment = services.Appointment(starts_at=local(2026, 12, 1, 10), ends_at=local(2026, 12, 1, 11))
    return services.accept_order(order, appointment, by=team.leader.user)


def test_the_team_leader_reports_completion(world):
    teams = world["teams"]
    with time_machine.travel(local(2026, 12, 1, 9, 0), tick=False) as clock:
        order = accepted_haircut(world, teams["b"])
        clock.move_to(local(2026, 12, 1, 11, 5))
        response = leader_client(teams["b"]).post(
            f"/api/v1/orders/{order.pk}/complete/",
            {"summary": "理发完成", "photos": [photo_upload()]},
            format="multipart",
        )
    assert response.status_code == 200, response.content


def test_a_leader_chooses_who_serves_among_the_team_only(world, volunteer):
    teams = world["teams"]
    order = dispatched_haircut(world, teams["b"], honorific="mr")
    start = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
    times = {"starts_at": start.isoformat(), "ends_at": (start + datetime.timedelta(hours=1)).isoformat()}
    leader = leader_client(teams["b"])
    outsider = leader.post(f"/api/v1/orders/{order.pk}/accept/", {**times, "members": [volunteer.pk]}, format="json")
    assert outsider.status_code == 400 and "members" in outsider.json()
    chosen = teams["b"].members.exclude(pk=teams["b"].leader_id).first()
    accepted = leader.post(f"/api/v1/orders/{order.pk}/accept/", {**times, "members": [chosen.pk]}, format="json")
    assert accepted.status_code == 200
    event = Event.objects.get(pk=accepted.json()["event"])
    assert event.capacity == 1 and list(event.signups.values_list("volunteer", flat=True)) == [chosen.pk]


def test_a_new_team_leader_takes_over_the_running_orders_events(world):

    team = world["teams"]["b"]
    old, new = team.leader, team.members.exclude(pk=team.leader_id).first()
    with time_machine.travel(local(2026, 12, 1, 9, 0), tick=False):
        events = {state: accepted_haircut(world, team).event for state in ("accepted", "completed")}
        Order.objects.filter(event=events["completed"]).update(state=OrderState.COMPLETED)
        # The station manager names another member as the team's leader.
        changed = client_for(world["station"]).patch(f"/api/v1/teams/{team.pk}/", {"leader": new.pk}, format="json")
        assert changed.status_code == 200, changed.content
        running = Event.objects.get(pk=events["accepted"].pk)
        assert list(running.leaders.all()) == [new.user] and running.lead_name == new.real_name
        # A finished order's event keeps the leader who served it.
        assert list(Event.objects.get(pk=events["completed"].pk).leaders.all()) == [old.user]
        # The new leader runs the check-in; the old one no longer can.
        assert client_for(new.user).get(f"/api/v1/events/{running.pk}/checkin-code/").status_code == 200
        assert client_for(old.user).get(f"/api/v1/events/{running.pk}/checkin-code/").status_code == 404
