"""Dates between 1900-01-01 and 2100-12-31 and bounded numbers, everywhere a user sends one.

Each case answered 500 (or accepted a date no arithmetic survives) before.
"""

import datetime

import pytest
import time_machine
from django import forms
from django.utils import timezone

from accounts.bounded_fields import BoundedDateField, BoundedDateTimeField, BoundedFormDateTimeField
from events.checkin_codes import make_event_code
from tests.events.conftest import at, make_event

DATE_MESSAGE = "请输入 1900-01-01 至 2100-12-31 之间的日期。"
TIME_MESSAGE = "请输入 1900-01-01 至 2100-12-31 之间的时间。"


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/v1/events/", "date_from"),
        ("/api/v1/events/", "date_to"),
        ("/api/v1/records/", "date_from"),
        ("/api/v1/records/", "date_to"),
        ("/api/v1/refused-scans/", "date_to"),
        ("/api/v1/certificates/", "issued_from"),
        ("/api/v1/certificates/", "issued_to"),
    ],
)
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31"])
def test_list_date_filters_refuse_days_out_of_range(station_manager_client, url, name, day):
    response = station_manager_client.get(url, {name: day})
    assert response.status_code == 400
    assert response.json() == {name: [DATE_MESSAGE]}


def test_list_date_filters_accept_the_last_allowed_day(station_manager_client):
    assert station_manager_client.get("/api/v1/records/", {"date_to": "2100-12-31"}).status_code == 200


@pytest.mark.parametrize(
    ("name", "value"), [("min_hours", "100000000000000000000"), ("min_hours", "-1"), ("star", "9")]
)
def test_volunteer_number_filters_are_bounded(station_manager_client, name, value):
    response = station_manager_client.get("/api/v1/volunteers/", {name: value})
    assert response.status_code == 400 and name in response.json()


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00", "9999-12-31T23:59:59", "9999-12-31T23:59:59-12:00"])
def test_check_in_refuses_a_client_time_out_of_range(volunteer_client, event, value):
    token = make_event_code(event.pk, "in", at(9, 5))
    with time_machine.travel(at(9, 5), tick=False):
        response = volunteer_client.post("/api/v1/checkins/", {"token": token, "client_time": value}, format="json")
    assert response.status_code == 400
    assert response.json() == {"client_time": [TIME_MESSAGE]}


def test_model_serializers_bound_their_dates_by_default(station_manager_client, tree):
    """Event times come from the model, with no field declared: the default mapping bounds them."""
    response = station_manager_client.post(
        "/api/v1/events/",
        {
            "unit": tree["S1"].pk,
            "title": "新活动",
            "category": "other",
            "address": "广场",
            "starts_at": "0001-01-01T00:00:00",
            "ends_at": "0001-01-01T02:00:00",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["starts_at"] == [TIME_MESSAGE]


@pytest.mark.parametrize("body", [{"period_start": "0001-01-01"}, {"period_end": "9999-12-31"}])
def test_certificate_periods_are_bounded(station_manager_client, volunteer_client, tree, volunteer, body):
    period = {"period_start": "2026-01-01", "period_end": "2026-12-31", **body}
    (name,) = body
    issued = station_manager_client.post(
        "/api/v1/certificates/", {"volunteer": volunteer.pk, "unit": tree["S1"].pk, **period}, format="json"
    )
    asked = volunteer_client.post("/api/v1/certificate-requests/", {"unit": tree["S1"].pk, **period}, format="json")
    job = station_manager_client.post("/api/v1/certificate-jobs/", {"unit": tree["S1"].pk, **period}, format="json")
    for response in (issued, asked, job):
        assert response.status_code == 400
        assert response.json()[name] == [DATE_MESSAGE]


def test_the_bounds_hold_in_local_time():
    """2100-12-31 late evening in Shanghai is still 2100-12-31; 1899-12-31 23:00 is not 1900."""
    shanghai = timezone.get_default_timezone()
    field = BoundedDateTimeField()
    assert field.run_validation("2100-12-31T23:59:59+08:00") == datetime.datetime(
        2100, 12, 31, 23, 59, 59, tzinfo=shanghai
    )
    with pytest.raises(Exception, match="1900-01-01"):
        field.run_validation("1899-12-31T23:00:00+08:00")
    assert BoundedDateField().run_validation("1900-01-01") == datetime.date(1900, 1, 1)


@pytest.mark.parametrize("value", ["0001-01-01T00:00", "9999-12-31T23:59", "1899-12-31T23:59"])
def test_the_form_date_time_field_refuses_times_out_of_range(value):
    with pytest.raises(forms.ValidationError, match="1900-01-01"):
        BoundedFormDateTimeField().clean(value)


@pytest.fixture
def event(tree):
    return make_event(tree["S1"])
