"""The theme days' part of the permission matrix (tests/test_permission_matrix.py).

``ROWS`` are in the matrix's table format; ``themes_request`` answers the matrix's ``request_for``
for this operation. Only a center marks theme days, so here "in" is the center C (above the S1 of
the other rows) and "out" the center C2: anyone reads them; only C's managers (and admins) change
C's, other managers find no such unit to change (404), volunteers may not write at all (403).
"""

from __future__ import annotations

# method, path, target: statuses for admin, center, institute, station, other manager,
# volunteer (S1), other volunteer (S2), anonymous.
ROWS = """
GET    /api/v1/units/{id}/themes/                   in   200 200 200 200 200 200 200 200
GET    /api/v1/units/{id}/themes/                   out  200 200 200 200 200 200 200 200
PUT    /api/v1/units/{id}/themes/                   in   200 200 404 404 404 403 403 401
PUT    /api/v1/units/{id}/themes/                   out  200 404 404 404 404 403 403 401
"""

PATHS = ("/api/v1/units/{id}/themes/",)


def themes_request(method: str, path: str, target: str | None, persona: str, world: dict) -> tuple[str, dict | None]:
    """The URL (the center C or C2) and a body with which the operation can succeed."""
    center = world["tree"]["C" if target == "in" else "C2"]
    url = path.replace("{id}", str(center.pk))
    return url, {"themes": ["lei_feng_day", "volunteer_day"]} if method == "PUT" else None
