"""One structured log line per request, and the JSON log format with personal numbers masked.

Each request gets an id: the one in ``X-Request-ID`` when our own proxy sets it
(``NUM_PROXIES`` > 0 says there is one, and the peer is in ``TRUSTED_PROXIES``; a
client's own header is not believed otherwise), else a new one; it is echoed in the response so a user's complaint can
be matched to the log. The line names the user by id only, the view (URL name and
route, never the raw path or query, where phone numbers are typed into searches),
the method, the status and the duration.

``JsonFormatter`` (python-json-logger) writes every record — ours, Django's,
tracebacks — as one JSON line, and masks anything shaped like a mainland mobile
or ID number first, so a number that slips into a message never reaches the log.
"""

import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty
from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

from accounts.client_addresses import from_trusted_proxy

logger = logging.getLogger("backend.requests")

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
# The same shapes as the leak scan (tests/leak_scan.py) looks for.
ID_NUMBER_RE = re.compile(r"(?<![0-9A-Za-z])([0-9]{6})[0-9]{8}([0-9]{3}[0-9Xx])(?![0-9A-Za-z])")
PHONE_RE = re.compile(r"(?<![0-9])(1[3-9][0-9])[0-9]{4}([0-9]{4})(?![0-9])")


def mask_personal_numbers(text: str) -> str:
    text = ID_NUMBER_RE.sub(r"\1********\2", text)
    return PHONE_RE.sub(r"\1****\2", text)


class JsonFormatter(BaseJsonFormatter):
    """One JSON object per line: time, level, logger, message and the record's extra fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", "%(levelname)s %(name)s %(message)s")
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", "time")  # ISO 8601 in UTC
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(*args, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        return mask_personal_numbers(super().format(record))


class TextFormatter(logging.Formatter):
    """The human-readable format for development, masked the same way."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_personal_numbers(super().format(record))


def request_id_for(request: HttpRequest) -> str:
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    if from_trusted_proxy(request) and REQUEST_ID_RE.match(given):
        return given
    return uuid.uuid4().hex


def _user_id(request: HttpRequest) -> int | None:
    # Read the user only if the request already did: logging must not cost a query.
    user = request.__dict__.get("user")
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if user.is_authenticated else None


class IdentifiedRequest(HttpRequest):
    """A request as RequestLogMiddleware passes it on: with its id."""

    request_id: str


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: IdentifiedRequest) -> HttpResponse:
        started = time.perf_counter()
        request.request_id = request_id_for(request)
        response = self.get_response(request)
        match = request.resolver_match
        logger.info(
            "%s %s %s",
            request.method,
            match.route if match else "-",
            response.status_code,
            extra={
                "request_id": request.request_id,
                "user_id": _user_id(request),
                "view": match.view_name if match else None,
                "route": match.route if match else None,
                "method": request.method,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        response["X-Request-ID"] = request.request_id
        return response
