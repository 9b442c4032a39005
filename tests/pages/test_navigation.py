"""The header and the landing page by role: visitor, resident, volunteer, team leader, manager."""

import re

import pytest

from orders import services
from tests.conftest import PASSWORD, make_user
from tests.orders.conftest import make_team, menu  # noqa: F401

ORDER_LINKS = ["/orders/menu/", "/orders/mine/", "/orders/team/", "/orders/manage/", "/reports/ledgers/"]
STAFF_LINKS = ["/admin/statistics/", "/admin/dashboard/"]


def header_links(client, path: str = "/events/") -> list[str]:
    html = client.get(path).content.decode()
    header = html.split('<nav id="site-nav">', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'href="([^"]+)"', header)


@pytest.fixture
def resident(django_user_model, db):
    return make_user(django_user_model, "居民王女士")


@pytest.fixture
def leader(tree):
    return make_team(tree["S1"], "理发一队").leader


def test_a_visitor_sees_the_service_menu_and_no_one_s_orders(client, db):
    links = header_links(client)
    assert "/orders/menu/" in links
    assert not {"/orders/mine/", "/orders/team/", "/orders/manage/", "/reports/ledgers/"} & set(links)


def test_a_resident_lands_on_their_orders_and_the_header_offers_only_theirs(client, resident):
    response = client.post("/login/", {"username": resident.phone, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/orders/mine/"
    assert response.status_code == 200
    links = header_links(client)
    assert "/orders/menu/" in links and "/orders/mine/" in links
    assert not {"/orders/team/", "/orders/manage/", "/reports/ledgers/", "/workbench/", "/me/"} & set(links)
    assert not set(STAFF_LINKS) & set(links)


def test_the_current_page_is_marked_in_the_header(client, resident):
    client.force_login(resident)
    html = client.get("/orders/mine/").content.decode()
    assert 'href="/orders/mine/" aria-current="page"' in html
    assert 'href="/orders/menu/" aria-current' not in html


def test_a_volunteer_who_leads_no_team_sees_neither_team_orders_nor_resident_orders(client, volunteer):
    client.force_login(volunteer.user)
    links = header_links(client)
    assert "/me/" in links and "/orders/menu/" in links
    assert not {"/orders/mine/", "/orders/team/", "/orders/manage/", "/reports/ledgers/"} & set(links)


def test_a_volunteer_who_ordered_keeps_the_way_to_their_orders(client, tree, volunteer, menu):  # noqa: F811
    services.place_order(
        item=menu["haircut"],
        station=tree["S1"],
        contact_name="李四",
        contact_phone=volunteer.phone,
        address="东门社区 1 号",
        by=volunteer.user,
    )
    client.force_login(volunteer.user)
    assert "/orders/mine/" in header_links(client)


def test_a_team_leader_keeps_their_page_with_the_way_to_the_team_s_orders(client, tree, leader, menu):  # noqa: F811
    manager = make_user(type(leader.user), "站管理员")
    tree["S1"].manager_roles.create(user=manager)
    order = services.place_order(
        item=menu["haircut"],
        station=tree["S1"],
        contact_name="王女士",
        contact_phone="13912345678",
        address="东门社区 2 号",
        by=manager,
        on_behalf=True,
    )
    services.review_order(order, by=manager, accept=True)
    services.dispatch_order(order, by=manager, team=leader.led_teams.get())
    response = client.post("/login/", {"username": leader.phone, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/me/"
    html = response.content.decode()
    team_card = html.split('id="team-orders"', 1)[1].split("</a>", 1)[0]
    assert 'href="/orders/team/"' in team_card and '<span class="badge pending">1' in team_card
    links = header_links(client)
    assert "/orders/team/" in links and "/orders/mine/" not in links and "/orders/manage/" not in links


def test_a_plain_volunteer_s_page_has_no_team_orders_card(client, volunteer):
    client.force_login(volunteer.user)
    assert 'id="team-orders"' not in client.get("/me/").content.decode()


def test_a_manager_sees_the_workbench_orders_ledgers_statistics_and_dashboard(client, station_manager):
    client.force_login(station_manager)
    links = header_links(client)
    for link in ["/workbench/", "/orders/menu/", "/orders/manage/", "/reports/ledgers/", *STAFF_LINKS, "/admin/"]:
        assert link in links, link
    assert "/orders/mine/" not in links and "/orders/team/" not in links and "/me/" not in links


def test_a_manager_outside_the_admin_gets_no_admin_pages_in_the_header(client, station_manager):
    station_manager.is_staff = False
    station_manager.save(update_fields=["is_staff"])
    client.force_login(station_manager)
    links = header_links(client)
    assert "/orders/manage/" in links and "/reports/ledgers/" in links
    assert not {*STAFF_LINKS, "/admin/"} & set(links)


def test_every_header_link_opens_for_the_person_it_is_shown_to(client, station_manager, resident, volunteer):
    for user in [station_manager, resident, volunteer.user, None]:
        client.logout()
        if user is not None:
            client.force_login(user)
        for link in header_links(client):
            assert client.get(link).status_code == 200, (user, link)
