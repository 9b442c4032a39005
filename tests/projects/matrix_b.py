"""The brand projects' part of the permission matrix (tests/test_permission_matrix.py).

``ROWS`` are in the matrix's table format; ``projects_b_request`` answers the matrix's
``request_for`` for these operations. The "in" project is led by station S1, the "out" one by
S4 under another center; both are private (not shown to the public), so reading them shows the
scoping: a public project is read by everyone (tests/projects/test_projects_api.py).
"""

from __future__ import annotations

import datetime

from events.models import Project

# method, path, target: statuses for admin, center, institute, station, other manager,
# volunteer (S1), other volunteer (S2), anonymous.
ROWS = """
GET    /api/v1/projects/                            -    200 200 200 200 200 200 200 200
POST   /api/v1/projects/                            in   201 201 201 201 400 403 403 401
POST   /api/v1/projects/                            out  201 400 400 400 400 403 403 401
GET    /api/v1/projects/{id}/                       in   200 200 200 200 404 404 404 404
GET    /api/v1/projects/{id}/                       out  200 404 404 404 404 404 404 404
PUT    /api/v1/projects/{id}/                       in   200 200 200 200 404 403 403 401
PUT    /api/v1/projects/{id}/                       out  200 404 404 404 404 403 403 401
PATCH  /api/v1/projects/{id}/                       in   200 200 200 200 404 403 403 401
PATCH  /api/v1/projects/{id}/                       out  200 404 404 404 404 403 403 401
DELETE /api/v1/projects/{id}/                       in   204 204 204 204 404 403 403 401
DELETE /api/v1/projects/{id}/                       out  204 404 404 404 404 403 403 401
GET    /api/v1/projects/{id}/summary/               in   200 200 200 200 404 404 404 404
GET    /api/v1/projects/{id}/summary/               out  200 404 404 404 404 404 404 404
"""

PATHS = ("/api/v1/projects/",)


def _project(world: dict, target: str) -> Project:
    projects = world.setdefault("projects", {})
    if target not in projects:
        unit = {"in": world["tree"]["S1"], "out": world["tree"]["S4"]}[target]
        projects[target] = Project.objects.create(
            lead_unit=unit, name=f"矩阵项目 {target}", starts_on=world["now"].date(), is_public=False
        )
    return projects[target]


def projects_b_request(
    method: str, path: str, target: str | None, persona: str, world: dict
) -> tuple[str, dict | None]:
    """The URL and a body with which the operation can succeed."""
    unit = {"in": world["tree"]["S1"], "out": world["tree"]["S4"]}.get(target or "")
    url = path
    if "{id}" in path and target is not None:
        url = path.replace("{id}", str(_project(world, target).pk))
    today = world["now"].date()
    body = {
        "lead_unit": unit.pk if unit is not None else None,
        "name": "银龄陪伴",
        "summary": "每周探访独居老人",
        "starts_on": today.isoformat(),
        "ends_on": (today + datetime.timedelta(days=180)).isoformat(),
    }
    bodies = {
        ("POST", "/api/v1/projects/"): body,
        ("PUT", "/api/v1/projects/{id}/"): body,
        ("PATCH", "/api/v1/projects/{id}/"): {"summary": "改了简介"},
    }
    return url, bodies.get((method, path))
