"""The series admin; the clock is frozen at 2026-09-01 08:00 Shanghai (conftest.NOW)."""

import pytest

from events.models import Event, EventSeries, Signup
from events.series_admin import build_rule
from tests.events.conftest import make_event
from tests.series.conftest import SHANGHAI, local, make_series

pytestmark = pytest.mark.django_db

ADD = "/admin/events/eventseries/add/"


def form(tree, **changes) -> dict:
    values = {
        "unit": tree["S1"].pk,
        "title": "周六助老探访",
        "category": "elderly_disabled",
        "address": "东门社区养老驿站",
        "starts_on": "2026-09-05",
        "start_time": "09:00",
        "duration_minutes": "120",
        "frequency": "weekly",
        "weekdays": ["SA"],
        "position": "1",
        "interval": "1",
        "checkin_opens_minutes": "30",
        "checkout_closes_minutes": "60",
        "rounding_minutes": "1",
        "signup_required": "on",
        "approval_required": "on",
    }
    values.update(changes)
    return values


def test_a_manager_creates_a_weekly_series_without_writing_a_rule(client, station_manager, tree, clock):
    client.force_login(station_manager)
    answer = client.post(ADD, form(tree))
    assert answer.status_code == 302, answer.context["adminform"].form.errors
    series = EventSeries.objects.get()
    assert series.rule == "FREQ=WEEKLY;BYDAY=SA"
    assert series.created_by == station_manager
    assert series.occurrences.count() == 8
    page = client.get(f"/admin/events/eventseries/{series.pk}/change/").content.decode()
    assert "2026-09-05" in page and "2026-09-12" in page  # the preview and the occurrences made


def test_the_first_sunday_of_each_month_until_a_date(client, station_manager, tree, clock):
    client.force_login(station_manager)
    answer = client.post(ADD, form(tree, frequency="monthly", weekdays=["SU"], ends_on="2026-12-31"))
    assert answer.status_code == 302
    series = EventSeries.objects.get()
    assert series.rule == "FREQ=MONTHLY;BYDAY=1SU;UNTIL=20261231T235959"
    days = [e.starts_at.astimezone(SHANGHAI).day for e in series.occurrences.order_by("starts_at")]
    assert days == [6, 4]  # September and October within the 8 weeks


def test_a_monthly_series_needs_exactly_one_day(client, station_manager, tree, clock):
    client.force_login(station_manager)
    answer = client.post(ADD, form(tree, frequency="monthly", weekdays=["SA", "SU"]))
    assert answer.status_code == 200
    assert "weekdays" in answer.context["adminform"].form.errors
    assert not EventSeries.objects.exists()


def test_a_last_date_before_the_first_is_refused(client, station_manager, tree, clock):
    client.force_login(station_manager)
    answer = client.post(ADD, form(tree, ends_on="2026-09-01"))
    assert answer.status_code == 200
    assert "ends_on" in answer.context["adminform"].form.errors


def test_the_rules_the_form_writes():
    weekdays = {"frequency": "weekdays", "interval": 1, "count": 10}
    assert build_rule(weekdays) == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=10"
    fortnightly = {"frequency": "weekly", "weekdays": ["SA", "SU"], "interval": 2}
    assert build_rule(fortnightly) == "FREQ=WEEKLY;BYDAY=SA,SU;INTERVAL=2"
    assert build_rule({"frequency": "monthly", "weekdays": ["SU"], "position": "-1", "interval": 1}) == (
        "FREQ=MONTHLY;BYDAY=-1SU"
    )


def test_editing_the_series_in_the_admin_updates_its_occurrences(client, station_manager, weekly):
    client.force_login(station_manager)
    page = client.get(f"/admin/events/eventseries/{weekly.pk}/change/")
    data = {k: v for k, v in page.context["adminform"].form.initial.items() if v is not None}
    data.update({"unit": weekly.unit_id, "address": "西门社区", "status": "active", "signup_required": "on"})
    data.pop("approval_required", None)
    answer = client.post(f"/admin/events/eventseries/{weekly.pk}/change/", data)
    assert answer.status_code == 302, answer.context["adminform"].form.errors
    assert set(weekly.occurrences.values_list("address", flat=True)) == {"西门社区"}


def test_another_station_does_not_see_the_series(client, other_station_manager, weekly):
    client.force_login(other_station_manager)
    assert weekly.title not in client.get("/admin/events/eventseries/").content.decode()
    assert client.get(f"/admin/events/eventseries/{weekly.pk}/change/").status_code == 302


def test_the_generate_action_makes_nothing_twice(client, station_manager, weekly):
    client.force_login(station_manager)
    answer = client.post(
        "/admin/events/eventseries/",
        {"action": "generate_selected", "_selected_action": [weekly.pk]},
        follow=True,
    )
    assert answer.status_code == 200
    assert weekly.occurrences.count() == 8


def test_the_event_admin_marks_occurrences_edited_by_hand(client, station_manager, weekly):
    first = weekly.occurrences.order_by("starts_at").first()
    first.title = "改过的探访"
    first.save()
    client.force_login(station_manager)
    listing = client.get("/admin/events/event/?edited_by_hand__exact=1").content.decode()
    assert "改过的探访" in listing
    page = client.get(f"/admin/events/event/{first.pk}/change/").content.decode()
    assert f"/admin/events/eventseries/{weekly.pk}/change/" in page


def test_the_signup_admin_filters_absences(client, station_manager, weekly, volunteer):
    first = weekly.occurrences.order_by("starts_at").first()
    Signup.objects.create(event=first, volunteer=volunteer, status="confirmed", queued_at=first.starts_at, absent=True)
    client.force_login(station_manager)
    assert client.get("/admin/events/signup/?absent__exact=1").status_code == 200


def test_an_unknown_series_makes_no_500(client, station_manager, tree, clock):
    make_series(tree["S1"])
    client.force_login(station_manager)
    assert client.get("/admin/events/eventseries/999999/change/").status_code == 302


def test_a_duplicated_occurrence_is_a_one_off_draft(client, station_manager, weekly):
    first = weekly.occurrences.order_by("starts_at").first()
    client.force_login(station_manager)
    client.post("/admin/events/event/", {"action": "duplicate_selected", "_selected_action": [first.pk]})
    copy = Event.objects.exclude(series=weekly).get()
    assert copy.series is None and copy.occurrence_start is None and copy.status == "draft"


def test_this_and_following_in_the_event_admin(client, station_manager, weekly):
    occurrences = list(weekly.occurrences.order_by("starts_at"))
    client.force_login(station_manager)
    page = client.get(f"/admin/events/event/{occurrences[3].pk}/change/").content.decode()
    url = f"/admin/events/event/{occurrences[3].pk}/split_series/"
    assert url in page
    answer = client.post(
        url, {"title": "周六下午探访", "address": weekly.address, "start_time": "14:00", "duration_minutes": "90"}
    )
    assert answer.status_code == 302
    successor = EventSeries.objects.exclude(pk=weekly.pk).get()
    assert answer["Location"] == f"/admin/events/eventseries/{successor.pk}/change/"
    moved = occurrences[3]
    moved.refresh_from_db()
    assert moved.series == successor and moved.title == "周六下午探访"
    assert moved.starts_at == local(2026, 9, 26, 14) and moved.ends_at == local(2026, 9, 26, 15, 30)
    assert occurrences[0].pk in weekly.occurrences.values_list("pk", flat=True)


def test_a_one_off_event_offers_no_split(client, station_manager, tree, clock):
    event = make_event(tree["S1"], starts_at=local(2026, 9, 5), ends_at=local(2026, 9, 5, 11))
    client.force_login(station_manager)
    assert "split_series" not in client.get(f"/admin/events/event/{event.pk}/change/").content.decode()
    assert client.get(f"/admin/events/event/{event.pk}/split_series/").status_code == 404
