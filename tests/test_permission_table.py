"""Who may do what to units, volunteers and teams, inside and outside their subtree.

"own" objects sit at station S1 (inside the subtrees of the center, institute I1
and station S1 managers); "other" objects sit at S4 under another center.
"""

import pytest

from stations.models import Level, PracticeUnit
from tests.conftest import client_for, make_unit
from volunteers.models import Team

PERSONAS = [
    "admin",
    "center_manager",
    "institute_manager",
    "station_manager",
    "other_station_manager",
    "volunteer",
    "stranger",
    "anonymous",
]


def row(admin, center, institute, station, other_station, volunteer, stranger, anonymous):
    return dict(
        zip(PERSONAS, (admin, center, institute, station, other_station, volunteer, stranger, anonymous), strict=True)
    )


TABLE = {
    # resource, operation, target: expected status per persona
    ("units", "list", None): row(200, 200, 200, 200, 200, 200, 200, 200),
    ("units", "detail", "own"): row(200, 200, 200, 200, 200, 200, 200, 200),
    ("units", "detail", "other"): row(200, 200, 200, 200, 200, 200, 200, 200),
    ("units", "create", "own"): row(201, 201, 201, 400, 400, 403, 403, 401),
    ("units", "create", "other"): row(201, 400, 400, 400, 400, 403, 403, 401),
    ("units", "update", "own"): row(200, 200, 200, 200, 404, 403, 403, 401),
    ("units", "update", "other"): row(200, 404, 404, 404, 404, 403, 403, 401),
    ("units", "delete", "own"): row(204, 204, 204, 404, 404, 403, 403, 401),
    ("units", "delete", "other"): row(204, 404, 404, 404, 404, 403, 403, 401),
    ("volunteers", "list", None): row(200, 200, 200, 200, 200, 200, 200, 401),
    ("volunteers", "detail", "own"): row(200, 200, 200, 200, 404, 200, 404, 401),
    ("volunteers", "detail", "other"): row(200, 404, 404, 404, 404, 404, 404, 401),
    ("volunteers", "create", "own"): row(405, 405, 405, 405, 405, 403, 403, 401),
    ("volunteers", "update", "own"): row(200, 200, 200, 200, 404, 403, 403, 401),
    ("volunteers", "update", "other"): row(200, 404, 404, 404, 404, 403, 403, 401),
    ("volunteers", "delete", "own"): row(405, 405, 405, 405, 405, 403, 403, 401),
    ("teams", "list", None): row(200, 200, 200, 200, 200, 200, 200, 401),
    ("teams", "detail", "own"): row(200, 200, 200, 200, 404, 200, 404, 401),
    ("teams", "detail", "other"): row(200, 404, 404, 404, 404, 404, 404, 401),
    ("teams", "create", "own"): row(201, 201, 201, 201, 400, 403, 403, 401),
    ("teams", "create", "other"): row(201, 400, 400, 400, 400, 403, 403, 401),
    ("teams", "update", "own"): row(200, 200, 200, 200, 404, 403, 403, 401),
    ("teams", "update", "other"): row(200, 404, 404, 404, 404, 403, 403, 401),
    ("teams", "delete", "own"): row(204, 204, 204, 204, 404, 403, 403, 401),
    ("teams", "delete", "other"): row(204, 404, 404, 404, 404, 403, 403, 401),
}

CASES = [
    pytest.param(resource, operation, target, persona, expected, id=f"{resource}-{operation}-{target}-{persona}")
    for (resource, operation, target), expected_by_persona in TABLE.items()
    for persona, expected in expected_by_persona.items()
]


@pytest.fixture
def world(tree, volunteer, far_volunteer):
    own_team = Team.objects.create(name="东门服务队", unit=tree["S1"], leader=volunteer)
    own_team.members.add(volunteer)
    other_team = Team.objects.create(name="远方服务队", unit=tree["S4"])
    return {
        "units": {"own": tree["S1"], "other": tree["S4"]},
        "unit_parents": {"own": tree["I1"], "other": tree["I3"]},
        "volunteers": {"own": volunteer, "other": far_volunteer},
        "teams": {"own": own_team, "other": other_team},
    }


def persona_user(request, persona):
    if persona == "anonymous":
        return None
    if persona == "admin":
        return request.getfixturevalue("admin_user")
    if persona == "volunteer":
        return request.getfixturevalue("volunteer").user
    return request.getfixturevalue(persona)


def perform(client, resource, operation, target, world):
    base = f"/api/v1/{resource}/"
    if operation == "list":
        return client.get(base)
    if resource == "units":
        parent = world["unit_parents"][target]
        if operation == "create":
            return client.post(base, {"level": Level.STATION, "parent": parent.pk, "code": "NEW", "name": "新站"})
        if operation == "delete":
            # An empty station, so deletion is about permission, not about contents.
            unit = make_unit(f"EMPTY-{target}", Level.STATION, parent)
            return client.delete(f"{base}{unit.pk}/")
    if resource == "teams" and operation == "create":
        return client.post(base, {"name": "新服务队", "unit": world["units"][target].pk}, format="json")
    if operation == "create":
        return client.post(base, {}, format="json")
    obj = world[resource][target]
    url = f"{base}{obj.pk}/"
    if operation == "detail":
        return client.get(url)
    if operation == "update":
        change = {"units": {"name": "改名"}, "volunteers": {"status": "suspended"}, "teams": {"name": "改名队"}}
        return client.patch(url, change[resource], format="json")
    return client.delete(url)


@pytest.mark.parametrize(("resource", "operation", "target", "persona", "expected"), CASES)
def test_permission_table(request, world, resource, operation, target, persona, expected):
    response = perform(client_for(persona_user(request, persona)), resource, operation, target, world)
    assert response.status_code == expected, response.content.decode()[:300]


def test_outsiders_change_nothing(request, world, anon_client):
    perform(client_for(request.getfixturevalue("other_station_manager")), "units", "update", "own", world)
    perform(anon_client, "volunteers", "update", "own", world)
    assert PracticeUnit.objects.get(pk=world["units"]["own"].pk).name == "S1 单位"
    assert world["volunteers"]["own"].__class__.objects.get(pk=world["volunteers"]["own"].pk).status == "active"
