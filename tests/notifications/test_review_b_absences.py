"""Review b: absence periods at the far ends of the calendar are a 400 with a Chinese field message, never a 500.

The clock is frozen by the ``clock`` fixture (08:00 on 2026-12-05, Shanghai; tests/events/conftest.py).
"""

import pytest

from tests.conftest import client_for

pytestmark = pytest.mark.django_db

FAR = ["end=9999-12-31", "start=0001-01-01", "start=0001-01-01&end=9999-12-31", "start=9999-12-31"]


@pytest.mark.parametrize("query", FAR)
@pytest.mark.parametrize("url", ["/api/v1/absences/volunteers/", "/api/v1/absences/events/"])
def test_a_managers_period_beyond_the_calendar_is_a_400(station_manager, clock, url, query):
    response = client_for(station_manager).get(f"{url}?{query}")

    assert response.status_code == 400
    assert set(response.json()) <= {"start", "end"}
    assert "1900-01-01" in str(response.json())


@pytest.mark.parametrize("query", FAR)
def test_a_volunteers_own_period_beyond_the_calendar_is_a_400(volunteer, clock, query):
    response = client_for(volunteer.user).get(f"/api/v1/me/absences/?{query}")

    assert response.status_code == 400
    assert set(response.json()) <= {"start", "end"}


def test_the_widest_period_allowed_answers(station_manager, volunteer, clock):
    query = "start=1900-01-01&end=2100-12-31"

    assert client_for(station_manager).get(f"/api/v1/absences/events/?{query}").status_code == 200
    assert client_for(volunteer.user).get(f"/api/v1/me/absences/?{query}").status_code == 200


@pytest.mark.parametrize("view", ["VolunteerAbsenceRatesView", "EventAbsenceRatesView"])
@pytest.mark.parametrize("ordering", ["rate", "-absences", "places,-rate"])
def test_a_chosen_order_ends_with_a_tie_breaker_so_pages_never_repeat_or_skip_rows(station_manager, view, ordering):
    from rest_framework.test import APIRequestFactory, force_authenticate

    from events import absence_views

    request = APIRequestFactory().get("/", {"ordering": ordering})
    force_authenticate(request, station_manager)
    cls = getattr(absence_views, view)
    instance = cls()
    instance.setup(request)
    instance.request = instance.initialize_request(request)
    instance.format_kwarg = None
    rows = instance.filter_queryset(instance.get_queryset())

    assert rows.query.order_by[: len(ordering.split(","))] == tuple(ordering.split(","))
    assert rows.query.order_by[-1] == cls.by
