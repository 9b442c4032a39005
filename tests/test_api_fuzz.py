"""Fuzzing the whole API from its OpenAPI schema (schemathesis), as a volunteer and as a manager.

Bounded: a few examples per operation and persona. Every answer must be no
server error and must match the schema where the schema describes it.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance

from accounts.tokens import issue_token
from tests.events.conftest import make_event

# Loaded once at collection: the schema view needs no database. The request closes
# no connection of its own, but drop any it opened before the test database exists.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
connections.close_all()


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Calls go straight to the WSGI app, whose request signals would close the test's
    connection (and its transaction); Django's own test client unhooks them the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(db, tree, volunteer, station_manager):
    make_event(tree["S1"])
    return {
        "volunteer": issue_token(volunteer.user)[1],
        "manager": issue_token(station_manager)[1],
    }


CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
BOUNDS = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)


@schema.parametrize()
@BOUNDS
def test_as_a_volunteer(case, tokens):
    case.call_and_validate(headers={"Authorization": f"Token {tokens['volunteer']}"}, checks=CHECKS)


@schema.parametrize()
@BOUNDS
def test_as_a_manager(case, tokens):
    case.call_and_validate(headers={"Authorization": f"Token {tokens['manager']}"}, checks=CHECKS)
