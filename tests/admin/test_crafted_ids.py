"""Ids crafted by hand in an address or a posted form (a superscript digit, letters, 23 digits) never answer 500."""

import pytest
from django.test import Client

from tests.admin.test_legal_records_admin import AWARD, TRAINING

BAD_IDS = ["²", "abc", "9" * 23, "-1", "1.5"]

GETS = [
    "/admin/volunteers/training/add/?event={id}",
    "/admin/volunteers/training/add/?volunteers={id}",
    "/admin/volunteers/training/add/?volunteers=1,{id}&unit={id}",
    "/admin/volunteers/training/?unit={id}",
    "/admin/events/evaluation/?unit={id}",
    "/admin/certificates/certificate/add/?volunteer={id}",
    "/admin/annual-report/?unit={id}",
    "/admin/annual-report/?unit={id}&year=2025&download=1",
    "/admin/national-export/?unit={id}",
    "/admin/events/evaluation/add/?record={id}",
    "/admin/events/evaluation/add/?volunteer={id}&unit={id}",
    "/admin/volunteers/award/add/?volunteer={id}",
    "/admin/events/event/add/?unit={id}",
]


@pytest.mark.parametrize("bad", BAD_IDS)
@pytest.mark.parametrize("url", GETS)
@pytest.mark.parametrize("who", ["station_manager", "admin_user"])
def test_a_crafted_id_in_an_address_does_not_break_the_page(request, tree, who, url, bad):
    client = Client(raise_request_exception=False)
    client.force_login(request.getfixturevalue(who))
    response = client.get(url.format(id=bad))
    assert response.status_code < 500


POSTS = [
    ("/admin/volunteers/training/add/", {**TRAINING, "event": "{id}"}),
    ("/admin/volunteers/training/add/", {**TRAINING, "volunteers": "{id}"}),
    ("/admin/volunteers/training/add/", {**TRAINING, "event_attendees": "{id}", "unit": "{id}"}),
    ("/admin/volunteers/training/add/", {**TRAINING, "event": "{id}", "_load_attendees": "1"}),
    ("/admin/volunteers/award/add/", {**AWARD, "volunteer": "{id}"}),
    ("/admin/events/evaluation/add/", {"record": "{id}", "comment": "好"}),
    ("/admin/events/evaluation/add/", {"volunteer": "{id}", "unit": "{id}", "comment": "好"}),
    ("/admin/certificates/certificate/add/", {"volunteer": "{id}"}),
]


@pytest.mark.parametrize("bad", BAD_IDS)
@pytest.mark.parametrize(("url", "body"), POSTS)
def test_a_crafted_id_in_a_posted_form_is_an_invalid_choice(station_manager, url, body, bad):
    client = Client(raise_request_exception=False)
    client.force_login(station_manager)
    response = client.post(url, {key: value.format(id=bad) for key, value in body.items()})
    assert response.status_code == 200
