"""Every admin page a manager or an admin reaches opens (no 500), with a row of each kind present.

The clock is frozen at noon of the tests' event day (2026-12-05) by tests/admin/conftest.py's autouse
``after_the_event``, so the fixed dates here never pass.
"""

import datetime

import pytest

from certificates.services import Coverage, issue_certificate, request_certificate, start_bulk_job
from events.models import RefusedScan
from tests.admin.conftest import pending_record
from tests.certificates.conftest import approved, event_on
from tests.events.conftest import make_event
from volunteers.models import Team

PAGES = [
    "/admin/",
    "/admin/events/event/",
    "/admin/events/event/add/",
    "/admin/events/event/{event}/change/",
    "/admin/events/signup/",
    "/admin/events/servicerecord/",
    "/admin/events/servicerecord/add/",
    "/admin/events/servicerecord/{record}/change/",
    "/admin/events/servicerecord/{record}/correct/",
    "/admin/events/servicerecord/{record}/reject/",
    "/admin/events/refusedscan/",
    "/admin/volunteers/volunteer/",
    "/admin/volunteers/volunteer/add/",
    "/admin/volunteers/volunteer/{volunteer}/change/",
    "/admin/volunteers/volunteer/{volunteer}/issue_certificate/",
    "/admin/volunteers/volunteer/{volunteer}/reset_password/",
    "/admin/volunteers/volunteer/import/",
    "/admin/volunteers/team/",
    "/admin/volunteers/team/{team}/change/",
    "/admin/volunteers/skill/",
    "/admin/stations/practiceunit/",
    "/admin/certificates/certificate/",
    "/admin/certificates/certificate/{certificate}/change/",
    "/admin/certificates/certificate/{certificate}/revoke/",
    "/admin/certificates/certificaterequest/",
    "/admin/certificates/certificaterequest/{request}/change/",
    "/admin/certificates/certificaterequest/{request}/decline/",
    "/admin/certificates/bulkissuejob/",
    "/admin/certificates/bulkissuejob/add/",
    "/admin/certificates/bulkissuejob/{job}/change/",
]


@pytest.fixture
def rows(tree, station_manager, volunteer, other_volunteer) -> dict[str, int]:
    event = event_on(tree["S1"], 1)
    approved(event, volunteer)
    approved(event_on(tree["S1"], 2), other_volunteer)
    period = Coverage(period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 12, 31))
    certificate = issue_certificate(volunteer, tree["S1"], period, by=station_manager)
    request = request_certificate(other_volunteer, tree["S1"], period)
    job, _ = start_bulk_job(tree["S1"], period.period_start, period.period_end, by=station_manager)
    team = Team.objects.create(name="环保队", unit=tree["S1"])
    team.members.add(volunteer)
    RefusedScan.objects.create(volunteer=volunteer, event=event, action="in", code="token_expired", at=event.starts_at)
    record = pending_record(make_event(tree["S1"], title="今天的活动"), other_volunteer)
    return {
        "event": event.pk,
        "record": record.pk,
        "volunteer": volunteer.pk,
        "team": team.pk,
        "certificate": certificate.pk,
        "request": request.pk,
        "job": job.pk,
    }


@pytest.mark.parametrize("who", ["station_manager", "admin_user"])
def test_every_admin_page_opens(client, rows, who, request):
    client.force_login(request.getfixturevalue(who))
    for url in PAGES:
        response = client.get(url.format(**rows))
        assert response.status_code == 200, (url, response.status_code)
