"""The request log's cheaper formatter writes exactly what python-json-logger wrote."""

import datetime
import json
import logging
import sys

import pytest
from pythonjsonlogger.json import JsonFormatter as LibraryFormatter

from backend.request_logging import JsonFormatter, UnmaskedJsonFormatter

LIBRARY = LibraryFormatter(
    "%(levelname)s %(name)s %(message)s",
    rename_fields={"levelname": "level", "name": "logger"},
    timestamp="time",
    json_ensure_ascii=False,
)


def record(msg, args=(), exc_info=None, **extra) -> logging.LogRecord:
    logger = logging.getLogger("backend.requests")
    return logger.makeRecord(logger.name, logging.INFO, __file__, 1, msg, args, exc_info, extra=extra)


def failure() -> logging.LogRecord:
    try:
        raise ValueError("boom")
    except ValueError:
        return record("failed", exc_info=sys.exc_info())


@pytest.mark.parametrize(
    "made",
    [
        lambda: record("%s %s %s", ("POST", "api/v1/checkins/", 201), request_id="ab12", user_id=7, view=None),
        lambda: record("day %s", (1,), on=datetime.date(2026, 12, 5), detail={"nested": [1, "二"]}, _private=1),
        lambda: record({"event": "dict message", "count": 2}),
        failure,
    ],
    ids=["request line", "dates and nested extras", "dict message", "traceback"],
)
def test_the_line_is_python_json_logger_s(made):
    line = made()
    assert UnmaskedJsonFormatter().format(line) == LIBRARY.format(line)


def test_every_request_field_is_written_and_numbers_are_masked():
    line = json.loads(
        JsonFormatter().format(record("GET %s", ("13812345678",), request_id="r1", user_id=3, duration_ms=1.5))
    )
    assert list(line) == ["level", "logger", "message", "request_id", "user_id", "duration_ms", "time"]
    assert line["message"] == "GET 138****5678" and line["time"].endswith("+00:00")
