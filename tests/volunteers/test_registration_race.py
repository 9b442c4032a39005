import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.conftest import make_id_number
from volunteers.models import Volunteer
from volunteers.views import RegistrationThrottle

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_registrations_of_one_phone_make_one_volunteer_and_no_500(tree, monkeypatch):
    monkeypatch.setattr(RegistrationThrottle, "THROTTLE_RATES", {"register": "1000/minute"})
    attempts = 8
    barrier = threading.Barrier(attempts)
    statuses = []

    def register() -> None:
        form = {
            "real_name": "抢注",
            "id_number": make_id_number(),
            "phone": "13711112222",
            "password": "a-long-secret-77",
            "home_station": tree["S1"].pk,
            "consent": True,
        }
        barrier.wait()
        try:
            statuses.append(APIClient().post("/api/v1/volunteers/register/", form, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=register) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses).count(201) == 1
    assert set(statuses) <= {201, 400, 409}
    assert Volunteer.objects.filter(user__phone="13711112222").count() == 1
