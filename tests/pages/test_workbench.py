import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from certificates.models import CertificateRequest
from events.models import Method, RecordStatus, RefusedScan, ServiceRecord
from events.working_days import working_days_between
from tests.conftest import PASSWORD
from tests.orders.conftest import make_team, menu  # noqa: F401
from tests.pages.conftest import at, make_event


def pending_record(event, volunteer, checked_out_at):
    return ServiceRecord.objects.create(
        event=event,
        volunteer=volunteer,
        checked_in_at=event.starts_at,
        checked_out_at=checked_out_at,
        method=Method.EVENT_QR,
        status=RecordStatus.PENDING,
        credited_hours=Decimal("2.00"),
    )


def test_working_days_skip_weekends_and_the_national_day_holiday():
    # 30 September 2026 (Wednesday) to 9 October (Friday): 1-7 October are the holiday,
    # Saturday 10 October is a make-up working day.
    assert working_days_between(datetime.date(2026, 9, 30), datetime.date(2026, 10, 9)) == 2
    assert working_days_between(datetime.date(2026, 10, 9), datetime.date(2026, 10, 10)) == 1
    # Friday to Monday: one working day waited.
    assert working_days_between(datetime.date(2026, 12, 4), datetime.date(2026, 12, 7)) == 1
    assert working_days_between(datetime.date(2026, 12, 7), datetime.date(2026, 12, 7)) == 0


def test_beyond_the_published_calendar_working_days_are_weekdays():
    assert working_days_between(datetime.date(2030, 1, 4), datetime.date(2030, 1, 7)) == 1


def test_a_manager_lands_on_the_workbench_after_logging_in(client, station_manager):
    response = client.post("/login/", {"username": station_manager.phone, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/workbench/"
    assert "工作台" in response.content.decode()


def test_a_volunteer_lands_on_their_page_and_may_not_open_the_workbench(client, volunteer):
    response = client.post("/login/", {"username": volunteer.phone, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/me/"
    assert client.get("/workbench/").status_code == 403


def test_a_manager_without_a_volunteer_profile_is_sent_from_my_page_to_the_workbench(client, station_manager):
    client.force_login(station_manager)
    assert client.get("/me/")["Location"] == "/workbench/"


def test_the_workbench_needs_a_login(client, db):
    assert client.get("/workbench/")["Location"].startswith("/login/?next=/workbench/")


@pytest.mark.django_db
def test_the_workbench_counts_the_work_waiting_oldest_first_in_working_days(
    client, tree, station_manager, volunteer, other_volunteer
):
    old = make_event(
        tree["S1"],
        title="十月的老活动",
        starts_at=at(9) - datetime.timedelta(days=10),
        ends_at=at(11) - datetime.timedelta(days=10),
    )
    recent = make_event(
        tree["S1"],
        title="昨天的活动",
        starts_at=at(9) - datetime.timedelta(days=1),
        ends_at=at(11) - datetime.timedelta(days=1),
    )
    elsewhere = make_event(
        tree["S3"],
        title="别的站的活动",
        starts_at=at(9) - datetime.timedelta(days=20),
        ends_at=at(11) - datetime.timedelta(days=20),
    )
    pending_record(recent, volunteer, recent.ends_at)
    pending_record(old, other_volunteer, old.ends_at)
    pending_record(elsewhere, volunteer, elsewhere.ends_at)
    CertificateRequest.objects.create(volunteer=volunteer, unit=tree["S1"], scope="event", event=recent)
    RefusedScan.objects.create(volunteer=volunteer, event=recent, action="in", code="not_signed_up", at=at(10))
    today_event = make_event(tree["S1"], title="今天的清洁活动", starts_at=at(14), ends_at=at(16))
    client.force_login(station_manager)
    with time_machine.travel(at(12), tick=False):
        html = client.get("/workbench/").content.decode()
    assert html.index("十月的老活动") < html.index("昨天的活动")
    assert "别的站的活动" not in html
    # 25 November (Wednesday) to Saturday 5 December: 7 working days; from yesterday (Friday): none yet.
    assert "7 个工作日" in html and "0 个工作日" in html
    assert 'id="count-pending" href="/admin/events/servicerecord/?status__exact=pending"><strong>2</strong>' in html
    assert 'id="count-requests"' in html and "<strong>1</strong><span>份" not in html
    assert f"/events/{today_event.pk}/kiosk/" in html and f"/events/{today_event.pk}/scan/" in html
    assert f"/events/{today_event.pk}/signups/" in html


def test_the_header_shows_only_what_the_person_may_open(client, station_manager, volunteer, db):
    html = client.get("/events/").content.decode()
    assert "/register/" in html and "/workbench/" not in html and "/me/" not in html
    client.force_login(volunteer.user)
    html = client.get("/events/").content.decode()
    assert "/me/" in html and "/workbench/" not in html and "/admin/" not in html
    client.force_login(station_manager)
    html = client.get("/events/").content.decode()
    assert "/workbench/" in html and "/admin/" in html and 'href="/me/"' not in html


def test_the_workbench_counts_certificates_whose_records_changed(
    client, settings, tmp_path, tree, station_manager, volunteer, admin_user
):
    from certificates.services import Coverage, issue_certificate
    from events.services import approve_record, reject_record

    settings.MEDIA_ROOT = tmp_path
    start = at(9) - datetime.timedelta(days=3)
    event = make_event(tree["S1"], starts_at=start, ends_at=start + datetime.timedelta(hours=2))
    record = pending_record(event, volunteer, event.ends_at)
    with time_machine.travel(at(12), tick=False):
        approve_record(record, by=admin_user)
        issue_certificate(volunteer, tree["S1"], Coverage(event=event), by=admin_user)
        client.force_login(station_manager)
        assert "<strong>0</strong><span>份证明需要复核" in client.get("/workbench/").content.decode()
        reject_record(record, by=admin_user, reason="签到人与本人不符")
        html = client.get("/workbench/").content.decode()
    assert 'href="/admin/certificates/certificate/?validity=review"><strong>1</strong>' in html


@pytest.fixture
def orders_of_s1(tree, station_manager, menu):  # noqa: F811
    """At S1: one order to review (placed a month ago, so overdue), one reviewed, one declined by a team
    and back to dispatch; at S3 one to review that S1's manager does not handle."""
    from orders import services

    team = make_team(tree["S1"], "理发一队")
    admin = type(station_manager).objects.create_superuser("13800000099", PASSWORD, name="管理员")

    def place(station, at=None):
        return services.place_order(
            item=menu["haircut"],
            station=station,
            contact_name="王女士",
            contact_phone="13912345678",
            address="1 号",
            by=station_manager if station == tree["S1"] else admin,
            on_behalf=True,
            at=at,
        )

    month_ago = timezone.now() - datetime.timedelta(days=30)
    place(tree["S1"], at=month_ago)
    services.review_order(place(tree["S1"]), by=station_manager, accept=True)
    declined = services.review_order(place(tree["S1"]), by=station_manager, accept=True)
    services.dispatch_order(declined, by=station_manager, team=team)
    services.decline_order(declined, by=team.leader.user, reason="本周人手不足")
    place(tree["S3"])
    return team


def test_the_workbench_counts_service_orders_to_review_dispatch_and_overdue(client, station_manager, orders_of_s1):
    client.force_login(station_manager)
    html = client.get("/workbench/").content.decode()
    assert 'id="count-orders-review" href="/orders/manage/?state=submitted"><strong>1</strong>' in html
    assert 'id="count-orders-dispatch" href="/orders/manage/?state=reviewed"><strong>2</strong>' in html
    assert 'id="count-orders-overdue" href="/orders/manage/?overdue=on"><strong>1</strong>' in html
    for link in ["/orders/manage/new/", "/orders/manage/statistics/", "/reports/ledgers/", "/admin/dashboard/"]:
        assert f'href="{link}"' in html, link


def test_each_order_tile_opens_the_orders_it_counts(client, station_manager, orders_of_s1):
    client.force_login(station_manager)
    html = client.get("/workbench/").content.decode()
    for tile in ["review", "dispatch", "overdue"]:
        link, count = re.search(rf'id="count-orders-{tile}" href="([^"]+)"><strong>(\d+)</strong>', html).groups()
        listed = re.findall(r'class="event-card" href="/orders/\d+/"', client.get(link).content.decode())
        assert len(listed) == int(count), tile


def test_the_workbench_leaves_the_dashboard_out_for_managers_outside_the_admin(client, station_manager, db):
    station_manager.is_staff = False
    station_manager.save(update_fields=["is_staff"])
    client.force_login(station_manager)
    html = client.get("/workbench/").content.decode()
    assert 'href="/admin/dashboard/"' not in html and 'href="/reports/ledgers/"' in html


def test_the_workbench_queries_do_not_grow_with_the_work(client, tree, station_manager, volunteer, menu):  # noqa: F811
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from orders import services

    def queries() -> int:
        client.force_login(type(station_manager).objects.get(pk=station_manager.pk))
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/workbench/").status_code == 200
        return len(captured)

    added = 0

    def add_work(n: int) -> None:
        nonlocal added
        for _ in range(n):
            added += 1
            start = timezone.now() + datetime.timedelta(days=1)
            event = make_event(tree["S1"], starts_at=start, ends_at=start + datetime.timedelta(hours=2))
            # A day apart: one volunteer's records may not overlap (a database constraint on PostgreSQL).
            past_start = start - datetime.timedelta(days=5 + added)
            past = make_event(tree["S1"], starts_at=past_start, ends_at=past_start + datetime.timedelta(hours=2))
            pending_record(past, volunteer, past.ends_at)
            event.signups.create(volunteer=volunteer, status="confirmed", queued_at=timezone.now())
            services.review_order(
                services.place_order(
                    item=menu["haircut"],
                    station=tree["S1"],
                    contact_name="王女士",
                    contact_phone="13912345678",
                    address="1 号",
                    by=station_manager,
                    on_behalf=True,
                ),
                by=station_manager,
                accept=True,
            )

    add_work(1)
    few = queries()
    add_work(6)
    assert queries() == few
