"""The event series' part of the permission matrix (tests/test_permission_matrix.py).

``ROWS`` are in the matrix's table format; ``series_request`` answers the matrix's ``request_for``
for these operations. An "in" series is S1's, an "out" one S4's; both are open to every volunteer
(no team), as public events are. Splitting and giving back a series sign-up work on a fresh series
for each call (a split ends its series; giving back needs the caller's sign-up).
"""

from __future__ import annotations

import datetime

from events.models import EventSeries, ServiceCategory
from events.series import create_series, sign_up_for_series
from volunteers.models import Volunteer

# method, path, target: statuses for admin, center, institute, station, other manager,
# volunteer (S1), other volunteer (S2), anonymous.
ROWS = """
GET    /api/v1/series/                              -    200 200 200 200 200 200 200 401
POST   /api/v1/series/                              in   201 201 201 201 400 403 403 401
POST   /api/v1/series/                              out  201 400 400 400 400 403 403 401
GET    /api/v1/series/{id}/                         in   200 200 200 200 200 200 200 401
GET    /api/v1/series/{id}/                         out  200 200 200 200 200 200 200 401
PUT    /api/v1/series/{id}/                         in   200 200 200 200 404 403 403 401
PUT    /api/v1/series/{id}/                         out  200 404 404 404 404 403 403 401
PATCH  /api/v1/series/{id}/                         in   200 200 200 200 404 403 403 401
PATCH  /api/v1/series/{id}/                         out  200 404 404 404 404 403 403 401
POST   /api/v1/series/{id}/split/                   in   201 201 201 201 404 403 403 401
POST   /api/v1/series/{id}/split/                   out  201 404 404 404 404 403 403 401
POST   /api/v1/series/{id}/signup/                  in   403 403 403 403 403 201 201 401
POST   /api/v1/series/{id}/signup/                  out  403 403 403 403 403 201 201 401
DELETE /api/v1/series/{id}/signup/                  in   403 403 403 403 403 204 204 401
DELETE /api/v1/series/{id}/signup/                  out  403 403 403 403 403 204 204 401
"""

PATHS = ("/api/v1/series/",)


def _schedule(world: dict) -> dict:
    first = (world["now"] + datetime.timedelta(days=1)).date()
    return {"starts_on": first, "start_time": datetime.time(9, 0), "rule": "FREQ=WEEKLY", "duration_minutes": 120}


def _new_series(world: dict, target: str) -> EventSeries:
    unit = {"in": world["tree"]["S1"], "out": world["tree"]["S4"]}[target]
    series, _made = create_series(
        now=world["now"],
        unit=unit,
        title="每周助老探访",
        category=ServiceCategory.ELDERLY_DISABLED,
        address="东门社区养老驿站",
        **_schedule(world),
    )
    return series


def _body(world: dict, target: str) -> dict:
    unit = {"in": world["tree"]["S1"], "out": world["tree"]["S4"]}[target]
    schedule = _schedule(world)
    return {
        "unit": unit.pk,
        "title": "每周助老探访",
        "category": ServiceCategory.ELDERLY_DISABLED,
        "address": "东门社区养老驿站",
        "starts_on": schedule["starts_on"].isoformat(),
        "start_time": "09:00",
        "duration_minutes": 120,
        "rule": schedule["rule"],
    }


def series_request(method: str, path: str, target: str | None, persona: str, world: dict) -> tuple[str, dict | None]:
    """The URL and a body with which the operation can succeed."""
    if path == "/api/v1/series/":
        return path, _body(world, target) if method == "POST" and target else None
    fresh = path.endswith("/split/") or (path.endswith("/signup/") and method == "DELETE")
    if fresh:
        series = _new_series(world, target)
    else:
        cache = world.setdefault("series", {})
        if target not in cache:
            cache[target] = _new_series(world, target)
        series = cache[target]
    url = path.replace("{id}", str(series.pk))
    if path.endswith("/split/"):
        second = series.occurrences.order_by("starts_at")[1]
        return url, {"from_event": second.pk, "start_time": "14:00"}
    if path.endswith("/signup/") and method == "DELETE":
        user = world["people"].get(persona)
        volunteer = Volunteer.objects.of_user(user).first() if user is not None else None
        if volunteer is not None:
            sign_up_for_series(series, volunteer, now=world["now"])
        return url, None
    if method == "PUT":
        return url, {**_body(world, target), "address": "西门社区"}
    if method == "PATCH":
        return url, {"address": "西门社区"}
    return url, None
