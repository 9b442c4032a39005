"""The public calendar pages, /calendar/<unit code>/: anyone reads a unit's month or week.

The clock stands on Wednesday 2026-03-04, 10:00 Shanghai time (conftest ``clock``).
"""

import datetime

import pytest

from events import venue_booking
from events.models import EventStatus, ServiceCategory
from stations.models import PracticeUnit
from tests.activity_calendar.conftest import NOW, event_on, on
from tests.venues.conftest import make_booking, make_venue
from venues.models import Booking
from volunteers.models import Team

pytestmark = pytest.mark.django_db


def day_html(response, day: str) -> str:
    """The HTML of one day's cell (``day`` as 2026-03-05)."""
    html = response.content.decode()
    start = html.rindex("<li", 0, html.index(f'id="day-{day}"'))
    end = html.find('<li class="day', start + 1)
    return html[start : end if end > 0 else len(html)]


def test_a_center_month_shows_its_subtrees_public_events_and_open_bookings(client, tree, march):
    response = client.get("/calendar/C/?month=2026-03")
    assert response.status_code == 200
    html = response.content.decode()
    for title in ("学雷锋清洁行动", "植树护绿", "理论宣讲进社区"):
        assert title in html
    reading = day_html(response, "2026-03-10")
    assert "亲子读书会" in reading and "东门农家书屋" in reading and "14:00–16:00" in reading
    assert f'href="/events/{march["cleanup"].pk}/"' in day_html(response, "2026-03-05")


def test_what_is_not_public_stays_off(client, tree, march):
    html = client.get("/calendar/C/?month=2026-03").content.decode()
    for hidden in ("草稿活动", "取消的活动", "别的中心的活动", "四月活动", "私人会议", "待批读书会"):
        assert hidden not in html


def test_a_public_booking_nobody_approved_stays_off(client, tree, clock, booker):
    """A venue without approval takes any text at once: the public calendar waits for a manager's approval."""
    from venues import services

    hall = make_venue(tree["S1"], name="东门多功能厅", approval_required=False)
    booking = services.book(
        hall, booker, starts_at=on(3, 20, 14), ends_at=on(3, 20, 16), purpose="未经审核的文字", is_public=True, at=NOW
    )
    assert booking.status == "approved"
    assert "未经审核的文字" not in client.get("/calendar/S1/?month=2026-03").content.decode()
    assert "未经审核的文字" not in client.get("/calendar/S1.ics").content.decode()


def test_a_teams_own_event_stays_off(client, tree, clock):
    team = Team.objects.create(name="东门队", unit=tree["S1"])
    event_on(tree["S1"], on(3, 16), title="入户探访", team=team)
    assert "入户探访" not in client.get("/calendar/S1/?month=2026-03").content.decode()


def test_the_booker_is_never_shown(client, tree, march, booker):
    html = client.get("/calendar/S1/?month=2026-03").content.decode()
    assert "亲子读书会" in html
    assert booker.name not in html and booker.phone not in html and booker.phone[-4:] not in html


def test_a_station_shows_only_its_own_subtree(client, tree, march):
    html = client.get("/calendar/S1/?month=2026-03").content.decode()
    assert "学雷锋清洁行动" in html and "亲子读书会" in html
    assert "植树护绿" not in html and "理论宣讲进社区" not in html
    institute = client.get("/calendar/I1/?month=2026-03").content.decode()
    assert "植树护绿" in institute and "理论宣讲进社区" not in institute


def test_the_centers_marked_theme_days_appear_on_their_dates_for_every_unit_under_it(client, tree, march, marked):
    response = client.get("/calendar/S1/?month=2026-03")
    assert "学雷锋纪念日" in day_html(response, "2026-03-05")
    assert "植树节" in day_html(response, "2026-03-12")
    # 元宵节 (3 March) is marked by the other center only.
    assert 'data-theme="lantern_festival"' not in response.content.decode()
    other = client.get("/calendar/S4/?month=2026-03")
    assert 'data-theme="lantern_festival"' in day_html(other, "2026-03-03")
    assert 'data-theme="lei_feng_day"' not in other.content.decode()


def test_no_theme_day_shows_when_the_center_marked_none(client, tree, march):
    assert "theme-day" not in client.get("/calendar/C/?month=2026-03").content.decode().split('id="calendar"')[1]


def test_the_week_view_shows_monday_to_sunday(client, tree, march, marked):
    response = client.get("/calendar/C/?week=2026-W11")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="day-2026-03-09"' in html and 'id="day-2026-03-15"' in html
    assert 'id="day-2026-03-08"' not in html and 'id="day-2026-03-16"' not in html
    assert "亲子读书会" in html and "植树护绿" in html and "植树节" in html
    assert "学雷锋清洁行动" not in html


def test_without_a_period_the_page_shows_this_month(client, tree, march):
    response = client.get("/calendar/C/")
    assert response.status_code == 200
    assert "badge today" in day_html(response, "2026-03-04")
    assert "学雷锋清洁行动" in response.content.decode()


def test_an_event_of_several_days_is_on_each_of_them(client, tree, clock):
    event_on(tree["S1"], on(3, 20, 9), hours=50, title="三天的志愿营")
    response = client.get("/calendar/C/?month=2026-03")
    for day in ("2026-03-20", "2026-03-21", "2026-03-22"):
        assert "三天的志愿营" in day_html(response, day)
    assert "三天的志愿营" not in day_html(response, "2026-03-23")


def test_an_event_across_the_month_end_shows_in_both_months(client, tree, clock):
    event_on(tree["S1"], on(3, 31, 20), hours=6, title="跨月夜巡")
    assert "跨月夜巡" in day_html(client.get("/calendar/C/?month=2026-03"), "2026-03-31")
    assert "跨月夜巡" in day_html(client.get("/calendar/C/?month=2026-04"), "2026-04-01")


def test_filtering_by_category_shows_only_those_events_and_no_bookings(client, tree, march):
    response = client.get("/calendar/C/?month=2026-03&category=theory")
    html = response.content.decode()
    assert "理论宣讲进社区" in html
    assert "学雷锋清洁行动" not in html and "亲子读书会" not in html
    assert '<option value="theory" selected>' in html


def test_filtering_by_theme_shows_its_events_and_highlights_its_day_even_if_unmarked(client, tree, march):
    response = client.get("/calendar/C/?month=2026-03&theme=arbor_day")
    html = response.content.decode()
    assert "植树护绿" in html and "学雷锋清洁行动" not in html
    cell = day_html(response, "2026-03-12")
    assert "highlighted" in cell and "植树节" in cell


def test_navigation_keeps_the_filters(client, tree, march):
    html = client.get("/calendar/C/?month=2026-03&category=theory").content.decode()
    assert 'href="/calendar/C/?month=2026-02&amp;category=theory"' in html
    assert 'href="/calendar/C/?month=2026-04&amp;category=theory"' in html
    # The week view of this month opens on this week.
    assert 'href="/calendar/C/?week=2026-W10&amp;category=theory"' in html
    # Of another month, on its first week with four days in it: May 2026 begins on a Friday.
    may = client.get("/calendar/C/?month=2026-05").content.decode()
    assert 'href="/calendar/C/?week=2026-W19"' in may


def test_an_unknown_or_inactive_unit_is_not_found(client, tree):
    assert client.get("/calendar/NOPE/").status_code == 404
    PracticeUnit.objects.filter(pk=tree["S3"].pk).update(is_active=False)
    assert client.get("/calendar/S3/").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "month=2026-13",
        "month=2026-00",
        "month=abc",
        "month=0000-01",
        "month=99999-01",
        "month=2026-3-1",
        "month=1999-12",
        "month=2100-01",
        "week=2027-W53",
        "week=2026-W00",
        "week=2026-W99",
        "week=W10",
        "week=2100-W01",
        "category=dancing",
        "theme=christmas",
    ],
)
def test_a_malformed_or_far_period_or_filter_is_a_400_page_never_a_500(client, tree, clock, query):
    response = client.get(f"/calendar/C/?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="calendar-error"' in html and 'href="/calendar/C/?month=2026-03"' in html


def test_the_first_and_last_months_offer_no_step_beyond(client, tree, clock):
    first = client.get("/calendar/C/?month=2000-01").content.decode()
    last = client.get("/calendar/C/?month=2099-12").content.decode()
    assert 'id="calendar-previous"' not in first and 'id="calendar-next"' in first
    assert 'id="calendar-next"' not in last and 'id="calendar-previous"' in last
    # The last week of 2099 ends in 2100.
    assert 'id="calendar-next"' not in client.get("/calendar/C/?week=2099-W52").content.decode()
    assert client.get("/calendar/C/?week=2099-W53").status_code == 400


def test_too_many_entries_are_cut_with_a_notice(client, tree, clock, monkeypatch):
    from notifications import activity_calendar

    monkeypatch.setattr(activity_calendar, "MAX_ENTRIES", 2)
    for day in (2, 3, 5):
        event_on(tree["S1"], on(3, day), title=f"活动{day}")
    html = client.get("/calendar/C/?month=2026-03").content.decode()
    assert 'id="calendar-truncated"' in html
    assert "活动2" in html and "活动3" in html and "活动5" not in html


def _fill(tree, reading_room, booker, n: int) -> None:
    categories = ServiceCategory.values
    for index in range(n):
        start = on(3, 1 + index % 28, 8 + index % 10)
        event_on(tree[("S1", "S2", "S3")[index % 3]], start, category=categories[index % len(categories)])
        # One hour each, never overlapping (PostgreSQL's exclusion constraint): a day's second booking is an hour later.
        make_booking(reading_room, booker, starts_at=on(3, 1 + index % 28, 9 + index // 28), hours=1, is_public=True)


@pytest.mark.parametrize("size", [2, 40])
def test_a_centers_month_takes_the_same_few_queries_however_full(
    client, tree, clock, reading_room, booker, marked, size, django_assert_max_num_queries
):
    _fill(tree, reading_room, booker, size)
    # The unit, the marked theme days, the events, the bookings (the session and the header read nothing
    # for an anonymous visitor).
    with django_assert_max_num_queries(4):
        response = client.get("/calendar/C/?month=2026-03")
    assert response.status_code == 200
    assert response.content.decode().count('data-kind="event"') >= size


def test_a_cancelled_event_leaves_the_page(client, tree, march):
    march["cleanup"].status = EventStatus.CANCELLED
    march["cleanup"].save(update_fields=["status"])
    assert "学雷锋清洁行动" not in client.get("/calendar/C/?month=2026-03").content.decode()


def test_the_page_needs_no_login_and_links_the_ics_feed(client, tree, march):
    html = client.get("/calendar/C/?month=2026-03").content.decode()
    assert "/calendar/C.ics" in html
    assert "<script" not in html.split("<main>")[1] and 'style="' not in html


def test_days_of_the_period_are_listed_in_order_with_padding_outside(client, tree, march):
    html = client.get("/calendar/C/?month=2026-03").content.decode()
    # March 2026 starts on a Sunday: the grid starts on Monday 23 February and ends on Sunday 5 April.
    assert html.index('id="day-2026-02-23"') < html.index('id="day-2026-03-01"') < html.index('id="day-2026-04-05"')
    assert 'class="day outside empty" id="day-2026-02-23"' in html
    assert datetime.date(2026, 3, 1).weekday() == 6


def test_a_team_s_own_event_at_a_venue_stays_off_by_its_booking_too(client, tree, clock, reading_room, station_manager):
    team = Team.objects.create(name="东门队", unit=tree["S1"])
    visit = event_on(
        tree["S1"], on(3, 16), title="入户探访张大爷", team=team, venue=reading_room, created_by=station_manager
    )
    lecture = event_on(tree["S1"], on(3, 17), title="公开讲座", venue=reading_room, created_by=station_manager)
    for event in (visit, lecture):
        venue_booking.sync_booking(event, by=station_manager)
    assert Booking.objects.filter(venue=reading_room, is_public=True).count() == 2

    response = client.get("/calendar/S1/?month=2026-03")

    assert "入户探访张大爷" not in response.content.decode()
    assert day_html(response, "2026-03-17").count("公开讲座") == 1  # the event, not again as its booking
