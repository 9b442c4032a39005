"""The check-in finds the caller's volunteer by its row lock; a user who is no volunteer is told so."""

import pytest
import time_machine

from events.checkin_codes import make_event_code
from events.models import RefusedScan, ServiceRecord
from tests.conftest import client_for
from tests.events.conftest import at, make_event


@pytest.mark.parametrize("token", ["valid", "garbled"])
def test_a_manager_without_a_volunteer_profile_is_refused_and_nothing_is_stored(tree, station_manager, token):
    event = make_event(tree["S1"])
    with time_machine.travel(at(9, 5), tick=False):
        code = make_event_code(event.pk, "in", at(9, 5)) if token == "valid" else "not-a-code"
        response = client_for(station_manager).post("/api/v1/checkins/", {"token": code}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "no_volunteer_profile"
    assert not ServiceRecord.objects.exists() and not RefusedScan.objects.exists()


def test_a_garbled_code_is_kept_as_a_refusal_of_the_caller(tree, volunteer):
    with time_machine.travel(at(9, 5), tick=False):
        response = client_for(volunteer.user).post("/api/v1/checkins/", {"token": "not-a-code"}, format="json")
    assert response.status_code == 400
    refusal = RefusedScan.objects.get()
    assert (refusal.volunteer, refusal.event, refusal.code) == (volunteer, None, "token_invalid")
