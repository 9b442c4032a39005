"""Extreme values in every date, date-time and number the API takes: never a 500.

Walks the OpenAPI schema (``/api/schema/``) and, for every operation, sends each
integer, number, date and date-time path parameter, query parameter and JSON body
field a handful of extreme values, one at a time, on top of a request that would
otherwise succeed (the permission matrix's ``request_for``), so that the value
reaches the serializer's cross-field checks and the services behind it. Any 4xx is
fine; a 5xx or an exception fails, listing every request that caused one.
"""

from __future__ import annotations

import copy
import datetime
import functools
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from rest_framework.test import APIClient

from events.models import Method
from events.services import approve_record, record_scan
from tests import test_permission_matrix
from tests.conftest import client_for
from tests.events.conftest import make_event

# The permission matrix's world of personas and objects, and its valid request for each operation.
from tests.test_permission_matrix import certificate_storage as certificate_storage  # autouse fixture
from tests.test_permission_matrix import request_for
from tests.test_permission_matrix import world as matrix_world  # noqa: F401 (a fixture)

DATES = ["0001-01-01", "9999-12-31", "1900-01-01"]
# Naive times are Asia/Shanghai; the last one overflows only when moved to local time.
DATETIMES = ["0001-01-01T00:00:00", "9999-12-31T23:59:59", "1900-01-01T00:00", "9999-12-31T23:59:59-12:00"]
INTEGERS = [-1, 2147483648, 10**20]
NUMBERS = [*INTEGERS, 1e308]
# An id in a URL reaches one lookup; two values find what the rest would.
PATH_INTEGERS = [-1, 10**20]
WRITES = ("post", "put", "patch")
HOURS_2 = datetime.timedelta(hours=2)


@functools.cache
def api_schema() -> dict:
    """The schema the docs serve; it depends on no row, so both personas share it."""
    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    if "allOf" in node and len(node["allOf"]) == 1:
        return resolve(schema, node["allOf"][0])
    return node


def extremes(schema: dict, node: dict) -> list | None:
    """The values to try for a parameter or field of this schema, or None if not a date or number."""
    node = resolve(schema, node)
    kind, fmt = node.get("type"), node.get("format")
    if kind == "array":
        inner = extremes(schema, node.get("items", {}))
        return [[value] for value in inner] if inner else None
    if kind == "integer":
        return INTEGERS
    if kind == "number":
        return NUMBERS
    if kind == "string" and fmt == "date":
        return DATES
    if kind == "string" and fmt == "date-time":
        return DATETIMES
    return None


def probes(schema: dict) -> list[tuple[str, str, str, str, list]]:
    """(method, path, where, name, values) for every date or number the API takes."""
    found = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            for parameter in operation.get("parameters", []):
                values = extremes(schema, parameter.get("schema", {}))
                if values and parameter["in"] == "path":
                    found.append((method, path, "path", parameter["name"], PATH_INTEGERS))
                elif values and parameter["in"] == "query":
                    found.append((method, path, "query", parameter["name"], values))
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if method in WRITES and body:
                for name, field in resolve(schema, body["schema"]).get("properties", {}).items():
                    values = extremes(schema, field)
                    if values and not field.get("readOnly"):
                        found.append((method, path, "body", name, values))
    return found


def file_formats(schema: dict, method: str, path: str) -> list[str]:
    """Other values of a ``format`` query parameter (CSV, XLSX): dates are tried in each."""
    for parameter in schema["paths"][path][method].get("parameters", []):
        if parameter["name"] == "format" and parameter["in"] == "query":
            return [value for value in resolve(schema, parameter["schema"]).get("enum", []) if value != "json"]
    return []


def call(client: APIClient, method: str, url: str, body: object) -> int:
    response = getattr(client, method)(url, body, format="json") if body is not None else getattr(client, method)(url)
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)  # a file's rows are made while it streams
    return response.status_code


@pytest.fixture(autouse=True)
def one_certificate_world(monkeypatch):
    """The certificate rows every certificate operation needs, made once (PDFs are slow),
    at events on different days so that no hours overlap; all requests go to "in" rows."""

    def once(world: dict, path: str) -> None:
        if "cert_events" in world:
            return
        from certificates import services as certificates

        tree, now, admin = world["tree"], world["now"], world["people"]["admin"]
        world["cert_events"], world["certificates"], world["requests"], world["jobs"] = {}, {}, {}, {}
        for target, unit in (("in", tree["S1"]),):
            person, events = world["volunteers"][target], []
            for days in (2, 3, 4):
                start = now - datetime.timedelta(days=days, hours=2)
                event = make_event(unit, title=f"证明活动{days}", starts_at=start, ends_at=start + HOURS_2)
                record_scan(person, event, "in", method=Method.EVENT_QR, at=event.starts_at)
                record, _ = record_scan(person, event, "out", method=Method.EVENT_QR, at=event.ends_at)
                approve_record(record, by=admin)
                events.append(event)
            world["cert_events"][target] = events
            world["certificates"][target] = certificates.issue_certificate(
                person, unit, certificates.Coverage(event=events[0]), by=admin
            )
            world["requests"][target] = certificates.request_certificate(
                person, unit, certificates.Coverage(event=events[1])
            )
            # Queued, not run: its files are not what these requests try.
            world["jobs"][target], _ = certificates.start_bulk_job(
                unit, (now - datetime.timedelta(days=5)).date(), now.date(), by=admin
            )

    monkeypatch.setattr(test_permission_matrix, "certificate_world", once)


@pytest.fixture(autouse=True)
def one_records_law_world(monkeypatch):
    """The matrix makes a correction request, an evaluation or an approval per operation;
    a second correction request for the same record is refused, so each is made once and
    the rows of earlier calls are kept."""
    make = test_permission_matrix.records_law_world

    def once(world: dict, method: str, path: str) -> None:
        kind = next(
            (
                name
                for name, prefix in (
                    ("correction", "/api/v1/correction-requests/{id}/"),
                    ("evaluation", "/api/v1/evaluations/{id}/"),
                )
                if path.startswith(prefix)
            ),
            "approval" if (method, path) == ("POST", "/api/v1/evaluations/") else "rows",
        )
        done = world.setdefault("records_law_made", set())
        if kind in done:
            return
        kept = {key: dict(world.get(key, {})) for key in ("trainings", "awards", "evaluations", "corrections")}
        if kind == "evaluation":
            # An earlier probe may have evaluated the record already (one evaluation per record).
            from events.models import Evaluation

            world["evaluations"] = {
                target: Evaluation.objects.get_or_create(
                    record=world["records"][target],
                    defaults={
                        "volunteer": world["volunteers"][target],
                        "unit": unit,
                        "evaluated_on": world["now"].date(),
                    },
                )[0]
                for target, unit in (("in", world["tree"]["S1"]), ("out", world["tree"]["S4"]))
            }
        else:
            make(world, method, path)
        for key, rows in kept.items():
            world[key] = {**rows, **world[key]}
        done.add(kind)

    monkeypatch.setattr(test_permission_matrix, "records_law_world", once)


def walk(world: dict, persona: str) -> tuple[list[str], int]:
    schema = api_schema()
    client = client_for(world["people"][persona])
    client.raise_request_exception = True
    failures, sent, bases = [], 0, {}
    # Deleting operations last, so the objects the others need are still there.
    for method, path, where, name, values in sorted(probes(schema), key=lambda probe: probe[0] == "delete"):
        if (method, path) not in bases:
            bases[method, path] = request_for(method.upper(), path, "in", persona, world)
        base_url, base_body = bases[method, path]
        split = urlsplit(base_url)
        query = dict(parse_qsl(split.query))
        formats = [None, *file_formats(schema, method, path)] if where == "query" else [None]
        for value in values:
            for file_format in formats:
                if file_format is not None and not isinstance(value, str):
                    continue
                url_path, params, body = split.path, dict(query), copy.deepcopy(base_body)
                if where == "path":
                    # The template's segments, the probed one replaced, the others as in the valid URL.
                    segments = zip(path.split("/"), split.path.split("/"), strict=True)
                    url_path = "/".join(str(value) if mine == "{" + name + "}" else real for mine, real in segments)
                elif where == "query":
                    params[name] = value
                    if file_format:
                        params["format"] = file_format
                else:
                    body = {**(body or {}), name: value}
                url = f"{url_path}?{urlencode(params)}" if params else url_path
                sent += 1
                shown = f"{method.upper()} {url}" + (f" {name}={value!r}" if where == "body" else "")
                try:
                    status = call(client, method, url, body)
                except Exception as error:  # every crash is a finding
                    failures.append(f"{shown}: raised {type(error).__name__}: {error}")
                    continue
                if status >= 500:
                    failures.append(f"{shown}: {status}")
    return failures, sent


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["admin", "station"])
def test_no_extreme_date_or_number_makes_a_server_error(request, persona):
    with_time = datetime.datetime.now()
    failures, sent = walk(request.getfixturevalue("matrix_world"), persona)
    assert sent > 100, "the schema walk found too few dates and numbers"
    assert not failures, f"{len(failures)} of {sent} requests failed ({datetime.datetime.now() - with_time}):\n" + (
        "\n".join(failures)
    )
