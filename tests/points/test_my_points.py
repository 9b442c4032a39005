"""The volunteer's own points: the /me/points/ page, the API and the card on /me/."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client

from points import statement
from points.ledger import post, unit_account, volunteer_account
from points.models import AccountKind, Entry, ShopKeeper, Transfer, TransferKind
from tests.conftest import client_for
from tests.points.conftest import at, make_event, make_record
from tests.points.test_statement import earn, expire, moment, redeem, reverse_earning, stock_item


def page_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


@pytest.fixture
def earned(served):
    return earn(served, "20", moment(5, 11))


def grant(volunteer, count: int) -> None:
    """``count`` small earnings, as a long-serving volunteer collects them."""
    with transaction.atomic():
        issue, account = unit_account(volunteer.home_station, AccountKind.ISSUE), volunteer_account(volunteer)
        for n in range(count):
            post(
                TransferKind.REFERRAL,
                issue,
                account,
                Decimal(1),
                unit=volunteer.home_station,
                at=moment(6, 8),
                memo=str(n),
            )


def test_the_volunteer_sees_balance_and_entries_in_words(earned, volunteer, monkeypatch):
    monkeypatch.setattr(statement, "expiring", lambda volunteer, *, now, within_days: Decimal("8.00"))
    html = page_client(volunteer.user).get("/me/points/").content.decode()
    assert 'id="points-balance" style="font-size:2rem">20</strong>' in html
    assert "参加 社区环境清洁 获得 20 积分" in html
    assert "8 积分将在 30 天内过期" in html


def test_points_about_to_expire_are_shown_with_their_day(earned, volunteer, rule, clock):
    rule.expiry_years = 1
    rule.save()
    # The 20 points of 2026-12-05 expire a year later: shown from 30 days before, with their day.
    clock.move_to(datetime.datetime(2027, 11, 20, 9, tzinfo=datetime.timezone(datetime.timedelta(hours=8))))
    html = page_client(volunteer.user).get("/me/points/").content.decode()
    assert "20 积分将在 30 天内过期" in html and "2027-12-05" in html
    clock.move_to(datetime.datetime(2027, 10, 20, 9, tzinfo=datetime.timezone(datetime.timedelta(hours=8))))
    assert "将在 30 天内过期" not in page_client(volunteer.user).get("/me/points/").content.decode()


def test_a_negative_balance_is_explained(served, volunteer, tree, station_manager):
    earning = earn(served, "50", moment(5, 11))
    redeem(stock_item(tree["S1"], station_manager), volunteer, station_manager, moment(6))
    reverse_earning(earning, moment(7))
    html = page_client(volunteer.user).get("/me/points/").content.decode()
    assert ">-50</strong>" in html
    assert "服务记录被驳回，冲正 50 积分" in html
    assert 'id="points-debt"' in html and "之后的服务所得积分会先抵扣" in html


def test_a_volunteer_without_points_sees_an_empty_history(volunteer):
    html = page_client(volunteer.user).get("/me/points/").content.decode()
    assert ">0</strong>" in html and "暂无积分" in html


def test_entries_come_fifty_to_a_page(volunteer):
    grant(volunteer, 60)
    client = page_client(volunteer.user)
    first = client.get("/me/points/").content.decode()
    second = client.get("/me/points/?page=2").content.decode()
    assert first.count("推荐奖励 获得 1 积分") == 50
    assert second.count("推荐奖励 获得 1 积分") == 10
    assert client.get("/me/points/?page=x").status_code == 200


def test_the_page_and_the_api_answer_in_the_same_number_of_queries_for_10_and_200_entries(
    volunteer, other_volunteer, django_assert_max_num_queries, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    grant(volunteer, 10)
    grant(other_volunteer, 200)

    def queries(user, path: str) -> int:
        client = page_client(user) if not path.startswith("/api/") else client_for(user)
        client.get(path)  # sessions, caches and the account settle on the first visit
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    for path in ("/me/points/", "/api/v1/me/points/", "/api/v1/me/points/?page=2&page_size=5"):
        assert queries(volunteer.user, path) == queries(other_volunteer.user, path)


def test_the_api_gives_balance_expiring_and_a_page_of_words(earned, volunteer):
    grant(volunteer, 3)
    body = client_for(volunteer.user).get("/api/v1/me/points/?page_size=2", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert body["balance"] == "23.00"
    assert body["expiring"] == "0.00"
    assert body["frozen_reason"] == ""
    assert body["entries"]["count"] == 4
    assert [row["words"] for row in body["entries"]["results"]] == ["推荐奖励 获得 1 积分"] * 2
    last = client_for(volunteer.user).get("/api/v1/me/points/?page=2&page_size=2", HTTP_ACCEPT_LANGUAGE="zh-hans")
    oldest = last.json()["entries"]["results"][-1]
    assert oldest["words"] == "参加 社区环境清洁 获得 20 积分"
    assert (oldest["amount"], oldest["balance_after"]) == ("20.00", "20.00")


def test_a_volunteer_sees_only_their_own_points(earned, volunteer, other_volunteer):
    for client in (client_for(other_volunteer.user), page_client(other_volunteer.user)):
        path = "/api/v1/me/points/" if not isinstance(client, Client) else "/me/points/"
        text = client.get(
            path, {"volunteer": volunteer.pk, "account": volunteer_account(volunteer).pk}
        ).content.decode()
        assert "社区环境清洁" not in text and "20.00" not in text


def test_people_without_a_volunteer_profile_have_no_points(stranger, station_manager, anon_client):
    assert client_for(stranger).get("/api/v1/me/points/").status_code == 403
    assert anon_client.get("/api/v1/me/points/").status_code in (401, 403)
    assert page_client(stranger).get("/me/points/")["Location"] == "/me/"
    assert Client().get("/me/points/")["Location"].startswith("/login/")


def test_the_me_page_shows_a_points_card(earned, volunteer, monkeypatch):
    monkeypatch.setattr(statement, "expiring", lambda volunteer, *, now, within_days: Decimal("3.50"))
    html = page_client(volunteer.user).get("/me/").content.decode()
    assert 'id="points-card"' in html and 'href="/me/points/"' in html
    assert 'id="points-card-balance" style="font-size:1.4rem">20</strong>' in html
    assert "3.5 积分将在 30 天内过期" in html


def test_expiry_is_asked_for_the_next_30_days(earned, volunteer, monkeypatch):
    asked = []
    monkeypatch.setattr(
        statement, "expiring", lambda v, *, now, within_days: asked.append((v, within_days)) or Decimal(0)
    )
    client_for(volunteer.user).get("/api/v1/me/points/")
    assert asked == [(volunteer, 30)]


def test_a_record_at_another_event_reads_with_its_own_title(volunteer, tree, clock):
    other = make_event(tree["S2"], title="助老送餐", starts_at=at(13), ends_at=at(15))
    earn(make_record(other, volunteer, start=13, end=15), "15", moment(5, 15))
    html = page_client(volunteer.user).get("/me/points/").content.decode()
    assert "参加 助老送餐 获得 15 积分" in html


def test_expired_points_read_as_expired(earned, volunteer):
    expire(volunteer, "5", moment(6))
    body = client_for(volunteer.user).get("/api/v1/me/points/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert body["entries"]["results"][0]["words"] == "积分过期 5 积分"
    assert body["balance"] == "15.00"


def test_a_shop_keeper_finds_the_shops_redeem_page_on_their_own_page(tree, volunteer, stranger):
    ShopKeeper.objects.create(unit=tree["S1"], user=stranger)
    html = page_client(stranger).get("/me/").content.decode()
    assert 'id="kept-shops"' in html and f'href="/shop/{tree["S1"].pk}/redeem/"' in html
    assert 'id="kept-shops"' not in page_client(volunteer.user).get("/me/").content.decode()


def bulk_history(volunteer, count: int) -> None:
    """``count`` referral transfers written at once: what years of service leave on an account."""
    issue, account = unit_account(volunteer.home_station, AccountKind.ISSUE), volunteer_account(volunteer)
    unit = volunteer.home_station
    transfers = Transfer.objects.bulk_create(
        Transfer(
            kind=TransferKind.REFERRAL,
            source=issue,
            target=account,
            amount=Decimal(1),
            unit=unit,
            created_at=moment(1, 0) + datetime.timedelta(minutes=n),
        )
        for n in range(count)
    )
    Entry.objects.bulk_create(
        entry
        for n, transfer in enumerate(transfers, start=1)
        for entry in (
            Entry(transfer=transfer, account=issue, amount=-1, balance_after=-n, created_at=transfer.created_at),
            Entry(transfer=transfer, account=account, amount=1, balance_after=n, created_at=transfer.created_at),
        )
    )


def test_ten_thousand_entries_cost_no_more_queries_than_ten(volunteer, other_volunteer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    bulk_history(volunteer, 10)
    bulk_history(other_volunteer, 10_000)

    def queries(user, path: str) -> tuple[int, str]:
        client = page_client(user)
        client.get(path)
        with CaptureQueriesContext(connection) as captured:
            html = client.get(path).content.decode()
        return len(captured), html

    few, _html = queries(volunteer.user, "/me/points/")
    many, html = queries(other_volunteer.user, "/me/points/?page=200")
    assert few == many
    assert html.count("推荐奖励 获得 1 积分") == 50 and "余额 1<" in html
