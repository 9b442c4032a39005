"""The installable offline scanner: the scan page's manifest, its service worker and its settings.

The scan page (``events.pages.scan_page``) is the app. Its service worker is served from the site's
root (``/scanner-sw.js``) because a worker only controls pages under its own folder, and the scan
pages live under ``/events/``; it keeps the page and the files it needs so the page opens with no
network. What the page judges offline (the event, its sign-ups with masked names, the public keys of
personal codes) comes from the offline pack of ``events.offline_views``, kept in IndexedDB.
"""

import hashlib
import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import AnyUser, User
from events.models import Event
from stations.models import PracticeUnit
from stations.scoping import manages

# What the scan page loads besides itself: the worker keeps these for offline use. The page's
# template names the same files; tests/offline_scanner checks that none is missing here.
SHELL_STATIC = [
    "css/site.css",
    "notifications/notifications.css",
    "favicon.svg",
    "events/vendor/jsQR.js",
    "events/scanner/store.js",
    "events/scanner/offline.js",
    "events/js/scan.js",
    "events/scanner/icon-192.png",
    "events/scanner/icon-512.png",
]
WORKER_SOURCE = "events/scanner/worker.js"
# Cache Storage name of the scan pages themselves, shared by the worker and the page (which stores
# itself there on first load, before any worker controls it).
PAGES_CACHE = "scanner-pages-v1"


def device_units(user: AnyUser, event: Event) -> list[PracticeUnit]:
    """Units a phone may be registered for to scan this event: the event's unit and those above it
    that the user manages, nearest first (a device scans its unit's whole subtree)."""
    unit: PracticeUnit | None = PracticeUnit.objects.select_related("parent__parent").get(pk=event.unit_id)
    units = []
    while unit is not None:
        if manages(user, unit):
            units.append(unit)
        unit = unit.parent
    return units


def scanner_config(user: User, event: Event) -> dict[str, Any]:
    """What the scan page's script needs to work offline, for ``json_script``."""
    return {
        "event": event.pk,
        "risk_notice": event.risk_notice,
        "units": [{"id": unit.pk, "name": unit.name} for unit in device_units(user, event)],
        "device_name": _("%(name)s's scanner") % {"name": user.get_short_name()},
        "urls": {
            "devices": reverse("scanner-device-list"),
            "pack": reverse("scanner-pack", args=[event.pk]),
            "upload": reverse("scanner-upload"),
            "ping": reverse("scanner-ping"),
            "worker": reverse("scanner-worker"),
            "login": f"{reverse('login')}?next={reverse('event-scan-page', args=[event.pk])}",
        },
        "pages_cache": PAGES_CACHE,
        "timeout_ms": 4000,
    }


def scanner_texts() -> dict[str, Any]:
    """The words of offline scanning, for the scan page's script (placeholders filled there)."""
    return {
        "offline_mode": _("Offline mode: %(count)s scans waiting for upload"),
        "waiting": _("%(count)s scans waiting for upload"),
        "with_walk_ins": _(" (%(count)s of them walk-ins)"),
        "uploading": _("Uploading %(count)s scans…"),
        "ready_offline": _("Ready offline: %(signups)s sign-ups, downloaded at %(time)s"),
        "preparing": _("Preparing for offline use…"),
        "no_network": _("No network: try again when the phone is online."),
        "clock_off": _("This phone's clock is %(minutes)s minutes off: set date and time to automatic."),
        "revoked": _("This phone was revoked as a scanner: its offline data has been wiped."),
        "refused": _("Not accepted: %(detail)s"),
        "queued": _("Recorded offline (%(time)s), waiting for upload"),
        "queued_again": _("Already checked in: recorded again (%(time)s), waiting for upload"),
        "checked_in": _("Checked in (%(time)s)"),
        "checked_out": _("Checked out (%(time)s)"),
        "no_effect": _("No change: already checked in"),
        "stored": _("Uploaded, not merged yet"),
        "review": _("Waiting for review: %(reason)s"),
        "volunteer_no": _("Volunteer no. %(id)s"),
        "refusals": {
            "not_prepared": _("No network, and this phone is not prepared for offline scanning."),
            "token_invalid": _("This is not a volunteer's code."),
            "token_expired": _("This code has expired: ask the volunteer to refresh their page."),
            "card_revoked": _("This card has been revoked: it cannot be used."),
            "event_not_open": _("Check-in or check-out is not open for this event now."),
            "not_signed_up": _("Not signed up for this event."),
            "no_webcrypto": _("This browser cannot check codes offline: update it."),
        },
    }


@login_required
@require_GET
def manifest(request: HttpRequest, pk: int) -> HttpResponse:
    """The web app manifest of one event's scan page: installed, it opens straight on that page."""
    event = get_object_or_404(Event.objects.run_by(request.user), pk=pk)
    page = reverse("event-scan-page", args=[event.pk])
    body = {
        "id": page,
        "name": _("Volunteer scanner: %(title)s") % {"title": event.title},
        "short_name": _("Scanner"),
        "description": _("Scan volunteers' personal codes, also without a network."),
        "lang": "zh-CN",
        "start_url": page,
        "scope": page,
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#b71c1c",
        "icons": [
            {"src": static("events/scanner/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {
                "src": static("events/scanner/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "any maskable",
            },
        ],
    }
    response = JsonResponse(body, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "private, no-cache"
    return response


def _worker_source() -> str:
    path = finders.find(WORKER_SOURCE)
    with open(str(path), encoding="utf-8") as source:
        return source.read()


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The scan page's service worker. Public: it holds file names, no data."""
    shell = [static(name) for name in SHELL_STATIC]
    source = _worker_source()
    # The version changes with the worker's code and with every file name (hashed in production),
    # so browsers install the new worker and drop the old files.
    version = hashlib.sha256((json.dumps(shell) + source).encode()).hexdigest()[:12]
    config = {"version": version, "shell": shell, "pagesCache": PAGES_CACHE, "timeoutMs": 4000}
    body = f"self.SCANNER = {json.dumps(config)};\n{source}"
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    # Served from the root so it may control /events/…; the header says so explicitly.
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response
