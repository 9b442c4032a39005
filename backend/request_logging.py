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

Production logs every request at INFO, so a line must cost little beside the
request (measured: under 3 % of check-in throughput, docs/operations.md): the
formatter's fields are fixed, its encoder built once, and the two masking
substitutions run only on a line that holds a run of 11 digits.
"""

import datetime
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonEncoder
from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

from accounts.client_addresses import from_trusted_proxy

logger = logging.getLogger("backend.requests")

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
# The same shapes as the leak scan (tests/leak_scan.py) looks for.
ID_NUMBER_RE = re.compile(r"(?<![0-9A-Za-z])([0-9]{6})[0-9]{8}([0-9]{3}[0-9Xx])(?![0-9A-Za-z])")
PHONE_RE = re.compile(r"(?<![0-9])(1[3-9][0-9])[0-9]{4}([0-9]{4})(?![0-9])")


# Both shapes are runs of at least 11 digits: a text without one has nothing to mask.
DIGIT_RUN_RE = re.compile(r"[0-9]{11}")


def mask_personal_numbers(text: str) -> str:
    if DIGIT_RUN_RE.search(text) is None:
        return text
    text = ID_NUMBER_RE.sub(r"\1********\2", text)
    return PHONE_RE.sub(r"\1****\2", text)


# A record's own attributes; anything else on it is a field given with ``extra``.
NOT_EXTRA = frozenset(RESERVED_ATTRS) | {"taskName"}


class UnmaskedJsonFormatter(BaseJsonFormatter):
    """One JSON object per line: level, logger, message, ``exc_info`` and ``stack_info`` when
    there are, the record's extra fields, and the time (ISO 8601 in UTC) — before masking.

    python-json-logger's output for these fields, without its per-record generality
    (format parsing, renames, defaults) and with one encoder for every line.
    """

    def __init__(self) -> None:
        super().__init__(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",
            json_ensure_ascii=False,
        )
        self._encode = JsonEncoder(ensure_ascii=False).encode

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["message"] = record.message
        log_data.update(message_dict)
        for key, value in record.__dict__.items():
            if key not in NOT_EXTRA and not key.startswith("_"):
                log_data[key] = value
        log_data["time"] = datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat()

    def jsonify_log_record(self, log_data: dict[str, Any]) -> str:
        return self._encode(log_data)


class JsonFormatter(UnmaskedJsonFormatter):
    """The production format: ``UnmaskedJsonFormatter``'s line with phone and ID numbers masked."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_personal_numbers(super().format(record))


class TextFormatter(logging.Formatter):
    """The human-readable format for development, masked the same way."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_personal_numbers(super().format(record))


def request_id_for(request: HttpRequest) -> str:
    given = request.META.get("HTTP_X_REQUEST_ID")
    if given and REQUEST_ID_RE.match(given) and from_trusted_proxy(request):
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
