"""The series API; the clock is frozen at 2026-09-01 08:00 Shanghai (conftest.NOW)."""

import pytest

from events.models import EventSeries, SeriesSignup, Signup, SignupStatus
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/series/"


def payload(tree, **changes) -> dict:
    values = {
        "unit": tree["S1"].pk,
        "title": "周六助老探访",
        "category": "elderly_disabled",
        "address": "东门社区养老驿站",
        "starts_on": "2026-09-05",
        "start_time": "09:00",
        "duration_minutes": 120,
        "rule": "FREQ=WEEKLY;BYDAY=SA",
    }
    values.update(changes)
    return values


def test_a_manager_creates_a_weekly_series_and_its_occurrences_appear(station_manager_client, tree, clock):
    answer = station_manager_client.post(URL, payload(tree), format="json")
    assert answer.status_code == 201, answer.data
    series = EventSeries.objects.get(pk=answer.data["id"])
    assert series.occurrences.count() == 8
    assert series.created_by is not None
    listed = station_manager_client.get(URL).data
    assert [row["id"] for row in listed["results"]] == [series.pk]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("FREQ=SOMETIMES", "重复规则无效。"),
        ("FREQ=HOURLY", "一个系列每天最多一次，在其开始时间。"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "该规则在未来三年内没有任何一次活动。"),
    ],
)
def test_a_bad_rule_is_a_400_in_chinese(station_manager_client, tree, clock, rule, message):
    answer = station_manager_client.post(URL, payload(tree, rule=rule), format="json")
    assert answer.status_code == 400
    assert answer.data["rule"] == [message]
    assert not EventSeries.objects.exists()


def test_other_bad_input_is_a_400_on_the_field(station_manager_client, tree, clock):
    answer = station_manager_client.post(URL, payload(tree, duration_minutes=0, radius_m=50), format="json")
    assert answer.status_code == 400
    assert "duration_minutes" in answer.data


def test_a_manager_may_not_make_a_series_for_another_unit(station_manager_client, tree, clock):
    answer = station_manager_client.post(URL, payload(tree, unit=tree["S2"].pk), format="json")
    assert answer.status_code == 400
    assert "unit" in answer.data


def test_editing_the_template_updates_the_occurrences_to_come(station_manager_client, weekly):
    answer = station_manager_client.patch(f"{URL}{weekly.pk}/", {"address": "西门社区"}, format="json")
    assert answer.status_code == 200, answer.data
    assert set(weekly.occurrences.values_list("address", flat=True)) == {"西门社区"}


def test_the_schedule_is_not_edited_in_place(station_manager_client, weekly):
    answer = station_manager_client.patch(f"{URL}{weekly.pk}/", {"rule": "FREQ=WEEKLY;BYDAY=SU"}, format="json")
    assert answer.status_code == 400
    assert "rule" in answer.data


def test_split_from_an_occurrence(station_manager_client, weekly):
    fourth = weekly.occurrences.order_by("starts_at")[3]
    answer = station_manager_client.post(
        f"{URL}{weekly.pk}/split/", {"from_event": fourth.pk, "start_time": "14:00"}, format="json"
    )
    assert answer.status_code == 201, answer.data
    fourth.refresh_from_db()
    assert fourth.series_id == answer.data["id"]


def test_volunteers_sign_up_for_a_series_and_give_it_back(volunteer_client, volunteer, weekly):
    answer = volunteer_client.post(f"{URL}{weekly.pk}/signup/")
    assert answer.status_code == 201
    assert len(answer.data["joined"]) == 8 and answer.data["refused"] == []
    assert SeriesSignup.objects.filter(series=weekly, volunteer=volunteer).exists()
    assert volunteer_client.delete(f"{URL}{weekly.pk}/signup/").status_code == 204
    assert not Signup.objects.filter(volunteer=volunteer).exclude(status=SignupStatus.CANCELLED).exists()
    assert volunteer_client.delete(f"{URL}{weekly.pk}/signup/").status_code == 404


def test_a_volunteer_cannot_create_or_edit_a_series(volunteer_client, weekly, tree):
    assert volunteer_client.post(URL, payload(tree), format="json").status_code == 403
    assert volunteer_client.patch(f"{URL}{weekly.pk}/", {"title": "x"}, format="json").status_code == 403


def test_another_station_manager_cannot_edit_the_series(other_station_manager, weekly):
    client = client_for(other_station_manager)
    assert client.patch(f"{URL}{weekly.pk}/", {"title": "x"}, format="json").status_code == 404


def test_an_occurrence_edited_through_the_events_api_is_marked_and_kept(station_manager_client, weekly):
    first = weekly.occurrences.order_by("starts_at").first()
    answer = station_manager_client.patch(f"/api/v1/events/{first.pk}/", {"capacity": 5}, format="json")
    assert answer.status_code == 200
    first.refresh_from_db()
    assert first.edited_by_hand
    station_manager_client.patch(f"{URL}{weekly.pk}/", {"capacity": 30}, format="json")
    first.refresh_from_db()
    assert first.capacity == 5
    assert set(weekly.occurrences.exclude(pk=first.pk).values_list("capacity", flat=True)) == {30}
