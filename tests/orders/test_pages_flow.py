"""The issue's "done when", through the pages alone: each person opens the page they would
and posts the fields its form renders. A daughter registers and orders 上门理发 for her
mother; the station reviews and dispatches it; one team declines with a reason, the next
accepts; the volunteers check in and out from the kiosk's QR code and their hours are
approved; the leader reports the completion with photos; the daughter rates it; the public board
shows it with her mother masked; the statistics page shows the times and the rating."""

import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import time_machine
from django.test import Client

from events.models import ActivityRecord, RecordStatus, Signup
from orders.models import Order, OrderState
from tests.conftest import make_manager
from tests.orders.conftest import local, photo_upload

MOTHER_PHONE = "13612345678"
DAUGHTER_PHONE = "13512345678"


def html(response) -> str:
    return response.content.decode()


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def option_value(page: str, label: str) -> str:
    """The value of the <option> whose text contains ``label``: what a person picks."""
    match = re.search(r'<option value="(\d+)"[^>]*>[^<]*' + re.escape(label), page)
    assert match, f"no option {label!r} offered"
    return match.group(1)


def kiosk_code_path(manager: Client, event_pk: int, action: str) -> str:
    """What the phone camera reads off the venue screen: the /c/<token> address."""
    state = manager.get(f"/events/{event_pk}/kiosk/state/?action={action}").json()
    assert state["is_open"], state
    return urlsplit(state["url"]).path


@pytest.fixture
def world(django_user_model, tree, menu, teams):
    return {"station": make_manager(django_user_model, tree["S1"], "东门站长"), "tree": tree, "teams": teams}


def test_an_order_goes_from_the_menu_to_the_public_board_through_the_pages(world):
    tree, teams = world["tree"], world["teams"]
    station = logged_in(world["station"])
    with time_machine.travel(local(2026, 12, 1, 9, 0), tick=False) as clock:
        # The daughter registers on the resident page and reads her station's menu.
        daughter = Client()
        registered = daughter.post(
            "/orders/register/",
            {"name": "李红", "phone": DAUGHTER_PHONE, "password": "a-long-secret-77", "consent": "true"},
        )
        assert registered.status_code == 302 and registered["Location"] == "/orders/menu/"
        menu = html(daughter.get(f"/orders/menu/?station={tree['S1'].pk}"))
        assert "助老助残" in menu and "上门理发" in menu
        order_link = re.search(r'href="(/orders/new/\?station=\d+&amp;item=\d+)">[^<]*</a>', menu.split("上门理发")[1])
        form_page = daughter.get(order_link.group(1).replace("&amp;", "&"))
        assert form_page.status_code == 200 and 'name="preferred_time"' in html(form_page)
        placed = daughter.post(
            "/orders/new/",
            {
                "station": tree["S1"].pk,
                "item": option_value(html(form_page), "上门理发"),
                "contact_name": "张桂兰",
                "honorific": "ms",
                "contact_phone": MOTHER_PHONE,
                "address": "东门社区3栋2单元101",
                "description": "母亲行动不便，想在家理发",
                "preferred_time": "工作日上午",
                "photo": photo_upload(),
            },
        )
        assert placed.status_code == 302, html(placed)
        order_url = placed["Location"]
        order = Order.objects.get(pk=int(order_url.strip("/").split("/")[-1]))
        mine = html(daughter.get("/orders/mine/"))
        assert "上门理发" in mine and 'data-state="submitted"' in mine

        # The station reviews it and dispatches it to team A, whose leader declines with a reason.
        handling = html(station.get("/orders/manage/?state=submitted"))
        assert order_url in handling
        assert MOTHER_PHONE in html(station.get(order_url))
        reviewed = station.post(f"{order_url}review/", {"decision": "accept", "reason": ""})
        assert reviewed.status_code == 302
        dispatch_page = html(station.get(order_url))
        team_a = option_value(dispatch_page, "理发一队")
        assert station.post(f"{order_url}dispatch/", {"team": team_a, "claim_unit": ""}).status_code == 302

        leader_a = logged_in(teams["a"].leader.user)
        inbox = html(leader_a.get("/orders/team/"))
        assert order_url in inbox
        offered = html(leader_a.get(order_url))
        # The leader of the team asked reads the contact to agree a time (issue 21), never in a list.
        assert MOTHER_PHONE in offered and "3栋" in offered and 'id="agree-time"' in offered
        assert MOTHER_PHONE not in inbox and "136****5678" not in inbox
        assert 'id="decline-form"' in offered
        assert leader_a.post(f"{order_url}decline/", {"reason": "本周队员都在外地"}).status_code == 302

        # The station dispatches to team B (team A is no longer offered), which accepts.
        dispatch_page = html(station.get(order_url))
        assert "本周队员都在外地" in dispatch_page
        assert not re.search(r"<option[^>]*>[^<]*理发一队", dispatch_page.split('id="dispatch-form"')[1])
        team_b = option_value(dispatch_page, "理发二队")
        assert station.post(f"{order_url}dispatch/", {"team": team_b, "claim_unit": ""}).status_code == 302
        leader_b = logged_in(teams["b"].leader.user)
        accepted = leader_b.post(
            f"{order_url}accept/",
            {"starts_at": "2026-12-02T09:00", "ends_at": "2026-12-02T10:00", "place": "东门社区服务站门口集合"},
        )
        assert accepted.status_code == 302, html(accepted)
        order.refresh_from_db()
        assert order.state == OrderState.ACCEPTED and order.team == teams["b"]
        accepted_page = html(leader_b.get(order_url))
        assert MOTHER_PHONE in accepted_page and "东门社区3栋2单元101" in accepted_page
        assert f"/events/{order.event_id}/" in accepted_page
        members = list(teams["b"].members.all())
        assert set(Signup.objects.filter(event=order.event).values_list("volunteer", flat=True)) == {
            member.pk for member in members
        }

        # At the door: the leader starts the service and opens the kiosk from the order page; the
        # volunteers' phones open its code and check in, and later out.
        clock.move_to(local(2026, 12, 2, 8, 50))
        assert leader_b.post(f"{order_url}start/").status_code == 302
        leader_page = html(leader_b.get(order_url))
        assert f"/events/{order.event_id}/kiosk/" in leader_page and f"/events/{order.event_id}/scan/" in leader_page
        code = kiosk_code_path(leader_b, order.event_id, "in")
        for member in members:
            phone = logged_in(member.user)
            assert phone.get(code).status_code == 200
            assert phone.post(code, {"latitude": "", "longitude": ""}).status_code == 200
        clock.move_to(local(2026, 12, 2, 10, 5))
        code = kiosk_code_path(leader_b, order.event_id, "out")
        for member in members:
            assert logged_in(member.user).post(code, {"latitude": "", "longitude": ""}).status_code == 200
        # The station approves the hours on each record's page of the admin (not the leader, who served).
        for record in order.event.records.all():
            assert station.post(f"/admin/events/servicerecord/{record.pk}/approve/").status_code == 302
        assert {r.status for r in order.event.records.all()} == {RecordStatus.APPROVED}
        # The service started when the team arrived, ten minutes before the agreed 9:00: the booked
        # hour moved with it (start_service), so the hours count from 8:50 and for one hour at most.
        assert {r.credited_hours for r in order.event.records.all()} == {Decimal("1.00")}

        # The leader reports the completion with photos: the event's activity record.
        completed = leader_b.post(
            f"{order_url}complete/",
            {
                "summary": "为张阿姨上门理发，并清理了房间",
                "people_served": "1",
                "photos": [photo_upload("a.jpg"), photo_upload("b.jpg", "red"), photo_upload("c.jpg", "blue")],
            },
        )
        assert completed.status_code == 302, html(completed)
        record = ActivityRecord.objects.get(event=order.event)
        assert record.people_served == 1 and record.photos.count() == 3 and order.event.is_documented
        assert record.updated_by == teams["b"].leader.user

        # The daughter rates it.
        clock.move_to(local(2026, 12, 3, 20, 0))
        rate_page = html(daughter.get(order_url))
        assert 'id="rate-form"' in rate_page
        rated = daughter.post(
            f"{order_url}rate/", {"response": "5", "attitude": "5", "result": "4", "comment": "很满意"}
        )
        assert rated.status_code == 302
        assert "很满意" in html(daughter.get(order_url))

        # The public board: no login, the mother masked, no phone, no address.
        board = Client().get(f"/orders/board/{tree['C'].pk}/")
        text = html(board)
        assert board.status_code == 200
        assert "张女士" in text and "上门理发" in text and "理发二队" in text and "2026-12-02" in text
        assert "4.7" in text
        assert MOTHER_PHONE not in text and "3栋" not in text and "张桂兰" not in text

        # Statistics: time to acceptance and to completion, and the rating by team.
        stats = html(station.get(f"/orders/manage/statistics/?unit={tree['S1'].pk}"))
        assert re.search(r'id="to-acceptance"><strong>0\.0<', stats)
        assert re.search(r'id="to-completion"><strong>25\.1<', stats)
        team_row = re.search(r"<tr><td>理发二队</td>(.*?)</tr>", stats, re.S).group(1)
        assert "4.67" in team_row

    actions = list(Order.objects.get(pk=order.pk).history.values_list("action", flat=True))
    assert actions == [
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


def test_the_team_leader_reports_completion_on_the_order_page(world):
    from orders import services

    tree, team = world["tree"], world["teams"]["b"]
    with time_machine.travel(local(2026, 12, 1, 9, 0), tick=False) as clock:
        order = services.place_order(
            item=Order._meta.get_field("item").related_model.objects.get(name="上门理发"),
            station=tree["S1"],
            contact_name="王大爷",
            contact_phone=MOTHER_PHONE,
            address="西街1号",
            by=world["station"],
            on_behalf=True,
        )
        services.review_order(order, by=world["station"], accept=True)
        services.dispatch_order(order, by=world["station"], team=team)
        appointment = services.Appointment(starts_at=local(2026, 12, 1, 10), ends_at=local(2026, 12, 1, 11))
        services.accept_order(order, appointment, by=team.leader.user)
        clock.move_to(local(2026, 12, 1, 11, 5))
        leader = logged_in(team.leader.user)
        assert 'id="complete-form"' in html(leader.get(f"/orders/{order.pk}/"))
        response = leader.post(f"/orders/{order.pk}/complete/", {"summary": "理发完成", "photos": [photo_upload()]})
    assert response.status_code == 302, html(response)
