"""The attendance part of the permission matrix (tests/test_permission_matrix.py): a volunteer's answer to a
reminder, "I am coming" or the place given back, on their own sign-ups only.

``ROWS`` are in the matrix's table format; ``attendance_request`` answers the matrix's ``request_for`` for
these operations. Each call gets a fresh sign-up at an event starting tomorrow: of the volunteer (S1) for
"in", of the far volunteer (S4) for "out". Nobody else's sign-up is found, managers' and admins' included.
"""

from __future__ import annotations

import datetime

from events.services import sign_up
from tests.events.conftest import make_event

# method, path, target: statuses for admin, center, institute, station, other manager,
# volunteer (S1), other volunteer (S2), anonymous.
ROWS = """
POST   /api/v1/signups/{id}/confirm/                in   404 404 404 404 404 200 404 401
POST   /api/v1/signups/{id}/confirm/                out  404 404 404 404 404 404 404 401
POST   /api/v1/signups/{id}/give-back/              in   404 404 404 404 404 200 404 401
POST   /api/v1/signups/{id}/give-back/              out  404 404 404 404 404 404 404 401
"""

PATHS = ("/api/v1/signups/",)


def attendance_request(
    method: str, path: str, target: str | None, persona: str, world: dict
) -> tuple[str, dict | None]:
    """The URL of a fresh sign-up of the target's volunteer, which its volunteer can confirm or give back."""
    unit = {"in": world["tree"]["S1"], "out": world["tree"]["S4"]}[target or "in"]
    tomorrow = world["now"] + datetime.timedelta(days=1)
    event = make_event(unit, title="明天的活动", starts_at=tomorrow, ends_at=tomorrow + datetime.timedelta(hours=2))
    signup, _ = sign_up(event, world["volunteers"][target or "in"], at=world["now"])
    return path.replace("{id}", str(signup.pk)), None
