"""The self-assessment's part of the permission matrix (tests/test_permission_matrix.py).

``ROWS`` are in the matrix's table format; ``assessment_d_request`` answers the matrix's
``request_for``: "in" asks for S1's assessment, "out" for S4's (another center), "-" for the
caller's own unit. As the dashboard API: a unit out of scope 404, no manager 403.
"""

from __future__ import annotations

# method, path, target: statuses for admin, center, institute, station, other manager,
# volunteer (S1), other volunteer (S2), anonymous.
ROWS = """
GET    /api/v1/reports/assessment/                  -    200 200 200 200 200 403 403 401
GET    /api/v1/reports/assessment/                  in   200 200 200 200 404 403 403 401
GET    /api/v1/reports/assessment/                  out  200 404 404 404 404 403 403 401
"""

PATHS = ("/api/v1/reports/assessment/",)


def assessment_d_request(
    method: str, path: str, target: str | None, persona: str, world: dict
) -> tuple[str, dict | None]:
    """The URL (with the unit asked for and a fixed past period) with which the operation can succeed."""
    tree = world["tree"]
    period = world["now"].strftime("%Y-%m") if "now" in world else ""
    query = f"period={period}" if period else ""
    unit = {"in": tree["S1"], "out": tree["S4"]}.get(target or "")
    if unit is not None:
        query = f"unit={unit.pk}&{query}" if query else f"unit={unit.pk}"
    return (f"{path}?{query}" if query else path), None
