"""A database that cannot be reached answers 503 with Retry-After, not a 500 page.

While PostgreSQL restarts (an upgrade, a fail-over), every request that needs it
raises OperationalError. The volunteer at the venue should read "try again in a
moment" in Chinese, and a client or load balancer should see a temporary fault
(503 and ``Retry-After``), not a bug. Django drops the broken connection at the
end of the request, and with ``CONN_HEALTH_CHECKS`` a persistent one is tested
before reuse, so service resumes by itself once the database is back.
"""

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from backend.metrics import DATABASE_UNAVAILABLE

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


def wants_json(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/") or "application/json" in request.META.get("HTTP_ACCEPT", "")


def unavailable_response(request: HttpRequest) -> HttpResponse:
    detail = _("The service is briefly unavailable. Please try again in a few seconds.")
    if wants_json(request):
        response: HttpResponse = JsonResponse({"code": "service_unavailable", "detail": detail}, status=503)
    else:
        # No request context: the page must render without the database (no user, no session).
        html = render_to_string("unavailable.html", {"detail": detail, "retry_url": request.get_full_path()})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("database unavailable: %s: %s", type(exception).__name__, exception)
        DATABASE_UNAVAILABLE.inc()
        return unavailable_response(request)
