"""The admin's date boxes take the dates the API takes (1900-01-01 to 2100-12-31, accounts/bounded_fields.py).

The fixed dates are the event day's: tests/admin/conftest.py's autouse ``after_the_event`` freezes the clock."""

import datetime

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import Client

from certificates.models import Certificate
from events.models import Evaluation, RecordStatus
from tests.admin.conftest import page
from tests.admin.test_legal_records_admin import AWARD, DAY, TRAINING
from tests.records_law.conftest import attended, past_event
from volunteers.models import Award, Training

BOUNDS = "1900-01-01 至 2100-12-31"


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31", "2101-01-01"])
def test_an_award_dated_outside_the_bounds_is_refused(client, station_manager, volunteer, day):
    client.force_login(station_manager)
    response = client.post("/admin/volunteers/award/add/", {**AWARD, "volunteer": volunteer.pk, "awarded_on": day})
    assert response.status_code == 200 and BOUNDS in page(response)
    assert not Award.objects.exists()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_training_held_outside_the_bounds_is_refused(client, station_manager, tree, volunteer, day):
    client.force_login(station_manager)
    body = {**TRAINING, "unit": tree["S1"].pk, "volunteers": [volunteer.pk], "held_on": day}
    response = client.post("/admin/volunteers/training/add/", body)
    assert response.status_code == 200 and BOUNDS in page(response)
    assert not Training.objects.exists()
    training = Training.objects.create(unit=tree["S1"], created_by=station_manager, **TRAINING)
    response = client.post(f"/admin/volunteers/training/{training.pk}/change/", {**body, "attendees": [volunteer.pk]})
    assert response.status_code == 200 and BOUNDS in page(response)
    training.refresh_from_db()
    assert training.held_on == datetime.date(2026, 11, 20)


def test_an_evaluation_is_not_redated_outside_the_bounds(client, station_manager, tree, volunteer):
    record = attended(past_event(tree["S1"], DAY), volunteer, status=RecordStatus.APPROVED)
    evaluation = Evaluation.objects.create(
        volunteer=volunteer, unit=tree["S1"], record=record, evaluated_on=DAY, comment="好"
    )
    client.force_login(station_manager)
    response = client.post(
        f"/admin/events/evaluation/{evaluation.pk}/change/", {"evaluated_on": "9999-12-31", "comment": "好"}
    )
    assert response.status_code == 200 and BOUNDS in page(response)
    evaluation.refresh_from_db()
    assert evaluation.evaluated_on == DAY


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_scoped_admins_date_and_time_boxes_are_bounded_too(rf, station_manager, day):
    """Every model date-time a ScopedAdmin form shows with the admin's two boxes."""
    request = rf.get("/")
    request.user = station_manager
    field = admin.site.get_model_admin(Certificate).formfield_for_dbfield(
        Certificate._meta.get_field("issued_at"), request
    )
    assert field.clean(["2026-11-20", "09:00"]).year == 2026
    with pytest.raises(ValidationError, match="2100-12-31"):
        field.clean([day, "09:00"])


@pytest.mark.parametrize(
    "query",
    [
        "awarded_on__year=9999",
        "awarded_on__year=9999&awarded_on__month=12",
        "awarded_on__year=1",
        "awarded_on__year=99999999999999999999999",
        "awarded_on__year=2026&awarded_on__month=99999999999999999999999",
        "awarded_on__year=2026&awarded_on__month=1&awarded_on__day=99999999999999999999999",
    ],
)
def test_a_drill_down_to_a_year_outside_the_bounds_says_the_filter_is_wrong(station_manager, query):
    client = Client(raise_request_exception=False)
    client.force_login(station_manager)
    response = client.get(f"/admin/volunteers/award/?{query}", follow=True)
    assert response.status_code == 200


def test_the_drill_down_within_the_bounds_still_works(client, station_manager, volunteer):
    Award.objects.create(volunteer=volunteer, **{**AWARD, "on_certificates": True})
    client.force_login(station_manager)
    response = client.get("/admin/volunteers/award/?awarded_on__year=2026&awarded_on__month=11")
    assert response.status_code == 200 and "优秀志愿者" in page(response)
