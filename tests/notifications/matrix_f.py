"""Calendar feeds and absences in the permission matrix (tests/test_permission_matrix.py).

``ROWS`` are in the matrix's table format; ``calendar_request`` answers the matrix's ``request_for``
for these operations. A volunteer's own feed and absences are for volunteers (managers without a
volunteer profile get 403); a unit's feed only for the managers of the unit ("in": S1, "out": S4),
everyone else 404; absence rates for managers, scoped to their units in the rows they get.
"""

from __future__ import annotations

# method, path, target: statuses for admin, center, institute, station, other manager,
# volunteer (S1), other volunteer (S2), anonymous.
ROWS = """
GET    /api/v1/me/calendar-feed/                    -    403 403 403 403 403 200 200 401
POST   /api/v1/me/calendar-feed/reset/              -    403 403 403 403 403 200 200 401
GET    /api/v1/units/{id}/calendar-feed/            in   200 200 200 200 404 404 404 401
GET    /api/v1/units/{id}/calendar-feed/            out  200 404 404 404 404 404 404 401
POST   /api/v1/units/{id}/calendar-feed/reset/      in   200 200 200 200 404 404 404 401
POST   /api/v1/units/{id}/calendar-feed/reset/      out  200 404 404 404 404 404 404 401
GET    /api/v1/absences/volunteers/                 -    200 200 200 200 200 403 403 401
GET    /api/v1/absences/events/                     -    200 200 200 200 200 403 403 401
GET    /api/v1/me/absences/                         -    403 403 403 403 403 200 200 401
"""

PATHS = (
    "/api/v1/me/calendar-feed/",
    "/api/v1/units/{id}/calendar-feed/",
    "/api/v1/absences/",
    "/api/v1/me/absences/",
)


def calendar_request(method: str, path: str, target: str | None, persona: str, world: dict) -> tuple[str, dict | None]:
    """The URL (none of these operations takes a body)."""
    if target is None:
        return path, None
    unit = {"in": world["tree"]["S1"], "out": world["tree"]["S4"]}[target]
    return path.replace("{id}", str(unit.pk)), None
