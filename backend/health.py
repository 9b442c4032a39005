"""Health checks for load balancers and orchestrators, and the middleware that answers probes.

``/healthz`` says only that the process answers. ``/readyz`` says whether this
node can serve: the database answers, no migration is waiting, the cache (Redis)
answers, the file storage takes a write, and the task queue can be read. Both
are unauthenticated and cheap. ``/readyz`` tells anyone its status only; the
addresses allowed to read ``/metrics`` (and admins logged in on the site) also
see ``ok``/``fail`` per check and whether the working-day calendar is out of
date (the reasons go to the log). ``/metrics`` is answered here too, for its own
addresses.

They are answered by the first middleware, before host validation and the HTTPS
redirect: a load balancer and Prometheus call each node by its address over
plain HTTP, and a probe must not depend on sessions or users.
"""

import logging
import time
import uuid
from collections.abc import Callable
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from backend.metrics import address_allowed, metrics_view, queue_depth
from events.working_days import missing_schedule_year, schedule_years

logger = logging.getLogger(__name__)

# Once a node has seen every migration applied it stays so until the next deploy
# (new code means a new process), so the migration graph is loaded only until then.
_migrations_applied = False

# The storage probe writes and deletes a file (with S3 a PUT and a DELETE), so its outcome
# is kept in this process for READYZ_STORAGE_CHECK_SECONDS: (when, the failure or None).
_storage_checked: tuple[float, str | None] | None = None


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_migrations() -> None:
    global _migrations_applied
    if _migrations_applied:
        return
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise RuntimeError("unapplied migrations")
    _migrations_applied = True


def check_cache() -> None:
    ping = getattr(cache, "ping", None)  # Redis; a process-memory cache cannot fail
    if ping is not None:
        ping()


def check_storage() -> None:
    global _storage_checked
    now = time.monotonic()
    if _storage_checked is not None and now - _storage_checked[0] < settings.READYZ_STORAGE_CHECK_SECONDS:
        if _storage_checked[1] is not None:
            raise RuntimeError(f"{_storage_checked[1]} ({now - _storage_checked[0]:.0f} s ago)")
        return
    try:
        name = default_storage.save(f"health/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
        default_storage.delete(name)
    except Exception as error:
        _storage_checked = (now, f"{type(error).__name__}: {str(error)[:200]}")
        raise
    _storage_checked = (now, None)


def check_task_queue() -> None:
    queue_depth()


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "migrations": check_migrations,
    "cache": check_cache,
    "storage": check_storage,
    "task_queue": check_task_queue,
}


def readiness() -> dict[str, str]:
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        if name == "migrations" and results.get("database") == "fail":
            results[name] = "fail"
            continue
        try:
            check()
            results[name] = "ok"
        except Exception as error:
            # No traceback: a probe every few seconds would flood the log with the same one.
            logger.warning("readiness check %s failed: %s: %s", name, type(error).__name__, str(error)[:200])
            results[name] = "fail"
    return results


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def calendar_status() -> dict[str, int | None]:
    """The last year the working-day calendar knows, and the year it lacks that is already needed."""
    return {"known_until": schedule_years()[-1], "missing_year": missing_schedule_year(timezone.localdate())}


def admin_session(request: HttpRequest) -> bool:
    """Whether the request carries the session of a logged-in admin (probes come before the session middleware)."""
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not key:
        return False
    try:
        request.session = import_module(settings.SESSION_ENGINE).SessionStore(key)
        return get_user(request).is_superuser
    except Exception:  # the database may be what is failing: then no details, but still an answer
        return False


def details_allowed(request: HttpRequest) -> bool:
    """The addresses allowed to read /metrics, and admins."""
    return address_allowed(request) or admin_session(request)


def readyz(request: HttpRequest) -> JsonResponse:
    started = time.perf_counter()
    checks = readiness()
    ready = all(result == "ok" for result in checks.values())
    body: dict[str, object] = {"status": "ok" if ready else "fail"}
    if details_allowed(request):
        body.update(checks=checks, calendar=calendar_status())
    response = JsonResponse(body, status=200 if ready else 503)
    response["X-Check-Duration-Ms"] = f"{(time.perf_counter() - started) * 1000:.1f}"
    return response


PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/healthz": healthz,
    "/readyz": readyz,
    "/metrics": metrics_view,
}


class ProbeMiddleware:
    """Answers /healthz, /readyz and /metrics itself; everything else passes on."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info.rstrip("/"))
        if probe is None or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        try:
            response = probe(request)
        except Http404:
            response = HttpResponse(status=404)
        response["Cache-Control"] = "no-store"
        return response
