"""The volunteer cards' part of the permission matrix (tests/test_permission_matrix.py).

``ROWS`` are in the matrix's table format; ``cards_a_request`` answers the matrix's
``request_for`` for these operations. "in" is a card of the volunteer at S1 (the volunteer
persona), "out" a card of the volunteer at S4. Managers of the volunteer's home station subtree
issue and revoke cards; a volunteer sees their own cards and changes none. Each call gets a
fresh card in use, so a revocation never meets one already revoked.
"""

from __future__ import annotations

from events import card_services
from events.models import VolunteerCard

# method, path, target: statuses for admin, center, institute, station, other manager,
# volunteer (S1), other volunteer (S2), anonymous.
ROWS = """
GET    /api/v1/volunteer-cards/                     -    200 200 200 200 200 200 200 401
POST   /api/v1/volunteer-cards/                     in   201 201 201 201 400 403 403 401
POST   /api/v1/volunteer-cards/                     out  201 400 400 400 400 403 403 401
GET    /api/v1/volunteer-cards/{id}/                in   200 200 200 200 404 200 404 401
GET    /api/v1/volunteer-cards/{id}/                out  200 404 404 404 404 404 404 401
POST   /api/v1/volunteer-cards/{id}/revoke/         in   200 200 200 200 404 403 403 401
POST   /api/v1/volunteer-cards/{id}/revoke/         out  200 404 404 404 404 403 403 401
"""

PATHS = ("/api/v1/volunteer-cards/",)


def _card(world: dict, target: str) -> VolunteerCard:
    return card_services.issue_card(world["volunteers"][target], world["people"]["admin"])


def cards_a_request(method: str, path: str, target: str | None, persona: str, world: dict) -> tuple[str, dict | None]:
    """The URL and a body with which the operation can succeed."""
    if target is None:
        return path, None
    if path == "/api/v1/volunteer-cards/":
        return path, {"volunteer": world["volunteers"][target].pk}
    url = path.replace("{id}", str(_card(world, target).pk))
    return url, {"reason": "卡片遗失"} if path.endswith("/revoke/") else None
