"""A token-authenticated request costs one query to authenticate, whatever the user holds.

Expired tokens are refused at once and deleted by a periodic job, not swept on every
request; the sliding expiry is written after the response, outside the request's
transactions, at most once per ``MIN_REFRESH_INTERVAL``.
"""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.http.response import HttpResponseBase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import TokenStamp
from accounts.tokens import delete_expired_tokens, issue_token

WHOAMI = "/api/v1/auth/whoami/"


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def whoami_queries(token: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client_with(token).get(WHOAMI)
    assert response.status_code == 200
    return [query["sql"] for query in captured]


@pytest.fixture
def lifetime(settings):
    settings.REST_KNOX = {
        **settings.REST_KNOX,
        "TOKEN_TTL": datetime.timedelta(hours=10),
        "AUTO_REFRESH_MAX_TTL": datetime.timedelta(days=3),
        "MIN_REFRESH_INTERVAL": 60,
    }


def test_whoami_with_a_token_runs_exactly_one_query(station_manager):
    _, token = issue_token(station_manager)
    [query] = whoami_queries(token)
    assert "accounts_user" in query and "accounts_tokenstamp" in query


def test_the_user_s_other_tokens_live_and_expired_cost_nothing(station_manager, lifetime):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(5):
            issue_token(station_manager)
        clock.shift(datetime.timedelta(hours=11))  # those five have expired
        _, token = issue_token(station_manager)
        for _ in range(5):
            issue_token(station_manager)
        assert len(whoami_queries(token)) == 1
        # Left for the periodic job, not swept by the request.
        assert AuthToken.objects.filter(user=station_manager).count() == 11


def test_an_expired_token_is_refused_at_once_though_the_job_has_not_run(station_manager, lifetime):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _, token = issue_token(station_manager)
        clock.shift(datetime.timedelta(hours=10, seconds=1))
        assert client_with(token).get(WHOAMI).status_code == 401
        assert not AuthToken.objects.exists() and not TokenStamp.objects.exists()


def test_the_periodic_job_deletes_expired_tokens_and_their_stamps_only(station_manager, volunteer, lifetime):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        issue_token(station_manager)
        issue_token(volunteer.user)
        clock.shift(datetime.timedelta(hours=9))
        _, live = issue_token(station_manager)
        clock.shift(datetime.timedelta(hours=2))
        assert delete_expired_tokens(now=timezone.now(), dry_run=True) == 2
        assert AuthToken.objects.count() == 3
        assert delete_expired_tokens(now=timezone.now()) == 2
        assert AuthToken.objects.count() == TokenStamp.objects.count() == 1
        assert client_with(live).get(WHOAMI).status_code == 200


def test_the_command_says_how_many_it_deleted(station_manager, lifetime):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        issue_token(station_manager)
        clock.shift(datetime.timedelta(hours=11))
        out = io.StringIO()
        call_command("delete_expired_tokens", "--dry-run", stdout=out)
        assert out.getvalue() == "1 expired tokens would be deleted\n" and AuthToken.objects.count() == 1
        call_command("delete_expired_tokens", stdout=out)
        assert out.getvalue().endswith("1 expired tokens deleted\n") and not AuthToken.objects.exists()


def test_the_periodic_jobs_delete_expired_tokens_once_an_hour(station_manager, lifetime):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        issue_token(station_manager)
        clock.shift(datetime.timedelta(hours=11))
        call_command("run_periodic_jobs", stdout=io.StringIO())
        assert not AuthToken.objects.exists()
        issue_token(station_manager)
        AuthToken.objects.update(expiry=timezone.now() - datetime.timedelta(seconds=1))
        clock.shift(datetime.timedelta(minutes=30))
        call_command("run_periodic_jobs", stdout=io.StringIO())
        assert AuthToken.objects.count() == 1  # swept half an hour ago: not due
        clock.shift(datetime.timedelta(minutes=31))
        call_command("run_periodic_jobs", stdout=io.StringIO())
        assert not AuthToken.objects.exists()


def stored_expiry() -> datetime.datetime:
    return AuthToken.objects.get().expiry


def test_the_expiry_slides_at_most_once_per_interval(station_manager, lifetime):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _, token = issue_token(station_manager)
        clock.shift(datetime.timedelta(seconds=60))
        assert len(whoami_queries(token)) == 1  # 60 s gained is not more than the interval: no write
        clock.shift(datetime.timedelta(seconds=1))
        [_, update] = whoami_queries(token)
        assert update.startswith('UPDATE "knox_authtoken"')
        assert stored_expiry() == timezone.now() + datetime.timedelta(hours=10)
        clock.shift(datetime.timedelta(seconds=30))
        assert len(whoami_queries(token)) == 1


@pytest.mark.django_db(transaction=True)
def test_the_expiry_is_written_after_the_response_outside_the_request_s_transaction(
    station_manager, lifetime, monkeypatch
):
    # Even with every view in a transaction (ATOMIC_REQUESTS), the refresh is not in it.
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)
    steps = []

    def record(execute, sql, params, many, context):
        if sql.startswith(("SELECT", "UPDATE")):  # SQLite's BEGIN and COMMIT pass here too
            steps.append((sql.split()[0], connection.in_atomic_block))
        return execute(sql, params, many, context)

    close = HttpResponseBase.close

    def closing(response):
        steps.append(("response closed", None))
        close(response)

    monkeypatch.setattr(HttpResponseBase, "close", closing)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _, token = issue_token(station_manager)
        clock.shift(datetime.timedelta(hours=1))
        with connection.execute_wrapper(record):
            assert client_with(token).get(WHOAMI).status_code == 200
        assert steps == [("SELECT", True), ("response closed", None), ("UPDATE", False)]
        assert stored_expiry() == timezone.now() + datetime.timedelta(hours=10)


def test_a_token_that_is_not_utf8_is_refused_not_a_500(anon_client, db):
    anon_client.credentials(HTTP_AUTHORIZATION="Token caf\xe9")
    assert anon_client.get(WHOAMI).status_code == 401
