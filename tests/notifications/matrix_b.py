"""The inbox's and the choices' part of the permission matrix (tests/test_permission_matrix.py).

``ROWS`` are in the matrix's table format; ``notifications_b_request`` answers the matrix's
``request_for`` for these operations. Everything is the caller's own: an "in" message belongs to
the volunteer (S1), an "out" one to the volunteer at S4, so only its recipient reaches it.
"""

from __future__ import annotations

from django.utils import timezone

from notifications.kinds import Channel
from notifications.models import Message, MessageStatus

# method, path, target: statuses for admin, center, institute, station, other manager,
# volunteer (S1), other volunteer (S2), anonymous.
ROWS = """
GET    /api/v1/me/notifications/                    -    200 200 200 200 200 200 200 401
POST   /api/v1/me/notifications/{id}/read/          in   404 404 404 404 404 200 404 401
POST   /api/v1/me/notifications/{id}/read/          out  404 404 404 404 404 404 404 401
POST   /api/v1/me/notifications/read-all/           -    200 200 200 200 200 200 200 401
GET    /api/v1/me/notifications/unread-count/       -    200 200 200 200 200 200 200 401
GET    /api/v1/me/notification-choices/             -    200 200 200 200 200 200 200 401
PUT    /api/v1/me/notification-choices/             -    200 200 200 200 200 200 200 401
GET    /api/v1/me/notification-address/             -    200 200 200 200 200 200 200 401
PUT    /api/v1/me/notification-address/             -    200 200 200 200 200 200 200 401
POST   /api/v1/me/wechat-consents/                  -    201 201 201 201 201 201 201 401
"""

PATHS = (
    "/api/v1/me/notifications/",
    "/api/v1/me/notification-choices/",
    "/api/v1/me/notification-address/",
    "/api/v1/me/wechat-consents/",
)


def _inbox_message(user) -> Message:
    now = timezone.now()
    return Message.objects.create(
        recipient=user,
        channel=Channel.INBOX,
        kind="signup_confirmed",
        key=f"matrix:{Message.objects.count()}",
        title="报名成功",
        body="请按时参加。",
        status=MessageStatus.SENT,
        sent_at=now,
        not_before=now,
        next_attempt_at=now,
    )


def notifications_b_request(
    method: str, path: str, target: str | None, persona: str, world: dict
) -> tuple[str, dict | None]:
    """The URL and a body with which the operation can succeed."""
    if "{id}" in path and target is not None:
        return path.replace("{id}", str(_inbox_message(world["volunteers"][target].user).pk)), {}
    bodies = {
        ("PUT", "/api/v1/me/notification-choices/"): {"choices": {"new_events_digest": {"inbox": True}}},
        ("PUT", "/api/v1/me/notification-address/"): {"email": "someone@example.com"},
        ("POST", "/api/v1/me/wechat-consents/"): {"template_ids": ["matrix-template"]},
    }
    return path, bodies.get((method, path))
