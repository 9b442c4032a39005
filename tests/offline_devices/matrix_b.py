"""Offline scanning's part of the permission matrix (tests/test_permission_matrix.py): scanner
devices, a scanner's ping, pack and upload, and the review queue.

``ROWS`` are in the matrix's table format; ``offline_b_request`` answers the matrix's
``request_for``, and ``offline_b_headers`` the headers a scanner call carries (the registered
phone's ``X-Scanner-Device``), to be passed to the client with the body. The "in" device is
station S1's and scans S1's event; the "out" one is S4's (another center) and scans S4's event.
A scanner call is judged on the user's login: the phone's key only says which device it is.
The "in" and "out" offline scans are refused scans of S1's and S4's events, made by a manager who
is none of the personas, so four eyes never stops a persona here (tests/offline_devices/test_review.py).
"""

from __future__ import annotations

import datetime

from events.models import OfflineScan, OfflineScanOutcome
from events.offline_codes import make_phone_code
from events.offline_scanning import register_device
from tests.conftest import make_volunteer

# method, path, target: statuses for admin, center, institute, station, other manager,
# volunteer (S1), other volunteer (S2), anonymous.
ROWS = """
GET    /api/v1/scanner-devices/                     -    200 200 200 200 200 403 403 401
POST   /api/v1/scanner-devices/                     in   201 201 201 201 400 403 403 401
POST   /api/v1/scanner-devices/                     out  201 400 400 400 400 403 403 401
GET    /api/v1/scanner-devices/{id}/                in   200 200 200 200 404 403 403 401
GET    /api/v1/scanner-devices/{id}/                out  200 404 404 404 404 403 403 401
POST   /api/v1/scanner-devices/{id}/revoke/         in   200 200 200 200 404 403 403 401
POST   /api/v1/scanner-devices/{id}/revoke/         out  200 404 404 404 404 403 403 401
GET    /api/v1/scanner/ping/                        -    200 200 200 200 200 200 200 401
GET    /api/v1/scanner/events/{id}/pack/            in   200 200 200 200 404 404 404 401
GET    /api/v1/scanner/events/{id}/pack/            out  200 404 404 404 404 404 404 401
POST   /api/v1/scanner/upload/                      in   200 200 200 200 400 400 400 401
POST   /api/v1/scanner/upload/                      out  200 400 400 400 400 400 400 401
GET    /api/v1/offline-scans/                       -    200 200 200 200 200 403 403 401
GET    /api/v1/offline-scans/{id}/                  in   200 200 200 200 404 403 403 401
GET    /api/v1/offline-scans/{id}/                  out  200 404 404 404 404 403 403 401
POST   /api/v1/offline-scans/{id}/accept/           in   200 200 200 200 404 403 403 401
POST   /api/v1/offline-scans/{id}/accept/           out  200 404 404 404 404 403 403 401
POST   /api/v1/offline-scans/{id}/dismiss/          in   200 200 200 200 404 403 403 401
POST   /api/v1/offline-scans/{id}/dismiss/          out  200 404 404 404 404 403 403 401
"""

PATHS = ("/api/v1/scanner-devices/", "/api/v1/scanner/", "/api/v1/offline-scans/")


def _units(world: dict) -> dict:
    return {"in": world["tree"]["S1"], "out": world["tree"]["S4"]}


def _devices(world: dict) -> dict:
    """Each side's registered phone and its secret, registered by the admin once per world."""
    if "scanner_devices" not in world:
        admin = world["people"]["admin"]
        world["scanner_devices"] = {
            target: register_device(unit, f"矩阵手机 {target}", by=admin) for target, unit in _units(world).items()
        }
    return world["scanner_devices"]


def _offline_scans(world: dict) -> dict:
    """A refused offline scan per side, of a volunteer who never signed up, made ten minutes ago."""
    if "offline_scans" not in world:
        now = world["now"]
        world["offline_scans"] = {}
        for target, unit in _units(world).items():
            device, _secret = _devices(world)[target]
            person = make_volunteer(unit, "矩阵志愿者")
            world["offline_scans"][target] = OfflineScan.objects.create(
                device=device,
                nonce=f"matrix-{target}-1",
                counter=1,
                event=world["events"][target],
                volunteer=person,
                code=make_phone_code(person.pk, now),
                action="in",
                device_time=now - datetime.timedelta(minutes=10),
                scanned_at=now - datetime.timedelta(minutes=10),
                uploaded_at=now,
                scanned_by=world["appointees"][target],
                outcome=OfflineScanOutcome.CONFLICT,
                reason="not_signed_up",
            )
    return world["offline_scans"]


def offline_b_headers(method: str, path: str, target: str | None, persona: str, world: dict) -> dict[str, str]:
    """The registered phone's header on a scanner call (the "in" phone where no target is named)."""
    if not path.startswith("/api/v1/scanner/"):
        return {}
    device, secret = _devices(world)[target or "in"]
    return {"HTTP_X_SCANNER_DEVICE": f"{device.pk}.{secret}"}


def offline_b_request(method: str, path: str, target: str | None, persona: str, world: dict) -> tuple[str, dict | None]:
    """The URL and a body with which the operation can succeed."""
    url = path
    now = world["now"]
    if "{id}" in path and target is not None:
        if path.startswith("/api/v1/scanner-devices/"):
            obj = _devices(world)[target][0]
        elif path.startswith("/api/v1/offline-scans/"):
            obj = _offline_scans(world)[target]
        else:
            obj = world["events"][target]
        url = path.replace("{id}", str(obj.pk))
    bodies: dict[tuple[str, str], dict] = {
        ("POST", "/api/v1/offline-scans/{id}/accept/"): {"note": "已电话核实"},
        ("POST", "/api/v1/offline-scans/{id}/dismiss/"): {"note": ""},
    }
    if target is not None:
        bodies[("POST", "/api/v1/scanner-devices/")] = {"unit": _units(world)[target].pk, "name": "新手机"}
        person = world["volunteers"][target]
        bodies[("POST", "/api/v1/scanner/upload/")] = {
            "sent_at": now.isoformat(),
            "scans": [
                {
                    "nonce": f"matrix-upload-{persona}",
                    "counter": 100,
                    "event": world["events"][target].pk,
                    "code": make_phone_code(person.pk, now),
                    "action": "in",
                    "walk_in": False,
                    "device_time": now.isoformat(),
                }
            ],
        }
    return url, bodies.get((method, path))
