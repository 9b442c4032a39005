"""A token-authenticated request costs one query to authenticate, whatever the user holds."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.tokens import issue_token

WHOAMI = "/api/v1/auth/whoami/"


def whoami_queries(token: str) -> list[str]:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(WHOAMI)
    assert response.status_code == 200
    return [query["sql"] for query in captured]


def test_whoami_with_a_token_runs_exactly_one_query(station_manager):
    _, token = issue_token(station_manager)
    assert len(whoami_queries(token)) == 1
