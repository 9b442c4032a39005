import pytest
from rest_framework.test import APIClient

from accounts.throttles import ScopedThrottle
from tests.concurrency import run_together
from tests.conftest import make_id_number
from volunteers.models import Volunteer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_registrations_of_one_phone_make_one_volunteer_and_no_500(tree, monkeypatch):
    monkeypatch.setattr(ScopedThrottle, "THROTTLE_RATES", {**ScopedThrottle.THROTTLE_RATES, "register": "1000/minute"})
    forms = [
        {
            "real_name": "抢注",
            "id_number": make_id_number(),
            "phone": "13711112222",
            "password": "a-long-secret-77",
            "home_station": tree["S1"].pk,
            "consent": True,
        }
        for _ in range(8)
    ]
    statuses = run_together(
        [
            lambda form=form: APIClient().post("/api/v1/volunteers/register/", form, format="json").status_code
            for form in forms
        ]
    )
    assert statuses.count(201) == 1
    assert set(statuses) <= {201, 400, 409}
    assert Volunteer.objects.filter(user__phone="13711112222").count() == 1
