"""The rows of matrix_d.py hold for the personas of tests/conftest.py (the lead wires them into the matrix).

The clock is frozen at 2026-10-22 10:00 Asia/Shanghai (conftest.py ``clock``).
"""

import pytest
from django.utils import timezone

from tests.assessment.matrix_d import ROWS, assessment_d_request
from tests.conftest import client_for

PERSONAS = ["admin", "center", "institute", "station", "other_manager", "volunteer", "other_volunteer", "anonymous"]
FIXTURES = {
    "admin": "admin_user",
    "center": "center_manager",
    "institute": "institute_manager",
    "station": "station_manager",
    "other_manager": "other_station_manager",
    "volunteer": "volunteer",
    "other_volunteer": "other_volunteer",
}
CASES = [
    (method, path, target, persona, int(status))
    for method, path, target, *statuses in (line.split() for line in ROWS.strip().splitlines())
    for persona, status in zip(PERSONAS, statuses, strict=True)
]


@pytest.mark.parametrize(("method", "path", "target", "persona", "status"), CASES)
def test_matrix_row(request, tree, clock, method, path, target, persona, status):
    user = None
    if persona in FIXTURES:
        user = request.getfixturevalue(FIXTURES[persona])
        user = getattr(user, "user", user)  # volunteers are Volunteer rows
    url, _body = assessment_d_request(
        method, path, None if target == "-" else target, persona, {"tree": tree, "now": timezone.now()}
    )
    assert client_for(user).get(url).status_code == status
