"""The brand-project list's part of the permission matrix (tests/test_permission_matrix.py).

``ROWS`` are in the matrix's table format; ``projects_request`` answers the matrix's ``request_for``
for this operation. "in" asks for the list of S1's subtree, "out" for S4's (another center), each
holding a project of its own; "-" asks for the caller's whole reach. Managers outside the subtree
get 404, volunteers 403, anonymous callers 401.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from events.models import Project

# method, path, target: statuses for admin, center, institute, station, other manager,
# volunteer (S1), other volunteer (S2), anonymous.
ROWS = """
GET    /api/v1/reports/projects/                    -    200 200 200 200 200 403 403 401
GET    /api/v1/reports/projects/                    in   200 200 200 200 404 403 403 401
GET    /api/v1/reports/projects/                    out  200 404 404 404 404 403 403 401
"""

PATHS = ("/api/v1/reports/projects/",)


def projects_request(method: str, path: str, target: str | None, persona: str, world: dict) -> tuple[str, dict | None]:
    """The list of the target's subtree, which holds a project (the caller's whole reach without a target)."""
    unit = {"in": world["tree"]["S1"], "out": world["tree"]["S4"]}.get(target or "")
    if unit is None:
        return path, None
    Project.objects.get_or_create(
        lead_unit=unit,
        name="矩阵项目",
        defaults={"starts_on": timezone.localdate(world["now"]) - datetime.timedelta(days=30)},
    )
    return f"{path}?unit={unit.pk}", None
