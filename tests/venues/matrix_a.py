"""The venues' part of the permission matrix (tests/test_permission_matrix.py).

``ROWS`` are in the matrix's table format; ``venues_a_request`` answers the matrix's
``request_for`` for these operations. "in" is a venue of S1 (and a pending booking of it by the
volunteer at S1), "out" a venue of S4 (and a pending booking of it by the volunteer at S4).
Venues are public: anyone reads them and any signed-in person may book one; only managers of
the venue's subtree write it or decide its bookings. Bookings are built from the matrix's
``now`` (tomorrow 10:00 local), so no rule of the venue refuses them.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from venues.models import Booking, BookingStatus, Venue

# method, path, target: statuses for admin, center, institute, station, other manager,
# volunteer (S1), other volunteer (S2), anonymous.
ROWS = """
GET    /api/v1/venues/                              -    200 200 200 200 200 200 200 200
POST   /api/v1/venues/                              in   201 201 201 201 400 403 403 401
POST   /api/v1/venues/                              out  201 400 400 400 400 403 403 401
GET    /api/v1/venues/{id}/                         in   200 200 200 200 200 200 200 200
GET    /api/v1/venues/{id}/                         out  200 200 200 200 200 200 200 200
PUT    /api/v1/venues/{id}/                         in   200 200 200 200 404 403 403 401
PUT    /api/v1/venues/{id}/                         out  200 404 404 404 404 403 403 401
PATCH  /api/v1/venues/{id}/                         in   200 200 200 200 404 403 403 401
PATCH  /api/v1/venues/{id}/                         out  200 404 404 404 404 403 403 401
GET    /api/v1/venues/{id}/availability/            in   200 200 200 200 200 200 200 200
GET    /api/v1/venues/{id}/availability/            out  200 200 200 200 200 200 200 200
GET    /api/v1/venue-bookings/                      -    200 200 200 200 200 200 200 401
POST   /api/v1/venue-bookings/                      in   201 201 201 201 201 201 201 401
POST   /api/v1/venue-bookings/                      out  201 201 201 201 201 201 201 401
GET    /api/v1/venue-bookings/{id}/                 in   200 200 200 200 404 200 404 401
GET    /api/v1/venue-bookings/{id}/                 out  200 404 404 404 404 404 404 401
POST   /api/v1/venue-bookings/{id}/approve/         in   200 200 200 200 404 404 404 401
POST   /api/v1/venue-bookings/{id}/approve/         out  200 404 404 404 404 404 404 401
POST   /api/v1/venue-bookings/{id}/refuse/          in   200 200 200 200 404 404 404 401
POST   /api/v1/venue-bookings/{id}/refuse/          out  200 404 404 404 404 404 404 401
POST   /api/v1/venue-bookings/{id}/cancel/          in   200 200 200 200 404 200 404 401
POST   /api/v1/venue-bookings/{id}/cancel/          out  200 404 404 404 404 404 404 401
"""

PATHS = ("/api/v1/venues/", "/api/v1/venue-bookings/")


def _venues(world: dict) -> dict[str, Venue]:
    if "venues" not in world:
        tree = world["tree"]
        world["venues"] = {
            target: Venue.objects.create(unit=tree[unit], name=f"{unit} 农家书屋", kind="reading_room", capacity=30)
            for target, unit in (("in", "S1"), ("out", "S4"))
        }
    return world["venues"]


def _slot(world: dict) -> tuple[datetime.datetime, datetime.datetime]:
    tomorrow = timezone.localdate(world["now"]) + datetime.timedelta(days=1)
    starts_at = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time(10)))
    return starts_at, starts_at + datetime.timedelta(hours=2)


def _booking(world: dict, target: str) -> Booking:
    # Each operation gets its own booking: a quarter of an hour after the venue's last one, so
    # that walks calling this again and again never overlap (PostgreSQL's constraint refuses that).
    venue = _venues(world)[target]
    starts_at = _slot(world)[0] + datetime.timedelta(minutes=15 * venue.bookings.count())
    ends_at = starts_at + datetime.timedelta(minutes=15)
    return Booking.objects.create(
        venue=venue,
        booker=world["volunteers"][target].user,
        purpose="读书会",
        starts_at=starts_at,
        ends_at=ends_at,
        status=BookingStatus.PENDING,
    )


def venues_a_request(method: str, path: str, target: str | None, persona: str, world: dict) -> tuple[str, dict | None]:
    """The URL and a body with which the operation can succeed."""
    if target is None:
        return path, None
    unit = world["tree"]["S1" if target == "in" else "S4"]
    venue_fields = {"unit": unit.pk, "name": "新时代文明实践书屋", "kind": "reading_room", "capacity": 20}
    if path.startswith("/api/v1/venues/"):
        url = path.replace("{id}", str(_venues(world)[target].pk))
        bodies = {
            ("POST", "/api/v1/venues/"): venue_fields,
            ("PUT", "/api/v1/venues/{id}/"): {**venue_fields, "name": "改名书屋"},
            ("PATCH", "/api/v1/venues/{id}/"): {"capacity": 40},
        }
        return url, bodies.get((method, path))
    if path == "/api/v1/venue-bookings/":
        starts_at, ends_at = _slot(world)
        return path, {
            "venue": _venues(world)[target].pk,
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
            "purpose": "排练",
            "attendees": 10,
        }
    url = path.replace("{id}", str(_booking(world, target).pk))
    return url, {"reason": "当天场地维修"} if path.endswith("/refuse/") else {}
