"""List endpoints cost the same number of queries whatever the page size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import client_for, make_volunteer
from volunteers.models import Team


@pytest.fixture
def crowd(tree):
    volunteers = [make_volunteer(tree["S1" if n % 2 else "S2"], "群众") for n in range(30)]
    for n, volunteer in enumerate(volunteers):
        volunteer.skills.create(name=f"技能{n}")
    for n in range(30):
        team = Team.objects.create(name=f"队{n}", unit=tree["S1"], leader=volunteers[n])
        team.members.set(volunteers[: n + 1])
    return volunteers


def queries_for(user, url: str) -> int:
    # A fresh user object per request, as in production: nothing cached between them.
    client = client_for(type(user).objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("resource", ["units", "volunteers", "teams"])
def test_list_queries_do_not_grow_with_the_page(center_manager, crowd, resource):
    small = queries_for(center_manager, f"/api/v1/{resource}/?page_size=2")
    large = queries_for(center_manager, f"/api/v1/{resource}/?page_size=200")
    assert small == large
    assert large <= 6
