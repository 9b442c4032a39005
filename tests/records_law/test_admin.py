"""The admin lists the new parts of the record, scoped; awards are entered and corrected there, never deleted
by a manager (tests/admin/test_legal_records_admin.py); correction requests are decided through the workflow."""

import datetime

from django.test import Client

from events.models import CorrectionRequest, RecordStatus
from tests.records_law.conftest import attended, past_event
from volunteers.models import Award


def test_managers_read_awards_and_correction_requests_of_their_subtree_only(
    tree, volunteer, far_volunteer, station_manager
):
    Award.objects.create(
        volunteer=volunteer,
        name="优秀志愿者",
        awarded_on=datetime.date(2026, 11, 1),
        awarding_body="区文明办",
        level="county",
    )
    Award.objects.create(
        volunteer=far_volunteer,
        name="远方奖",
        awarded_on=datetime.date(2026, 11, 1),
        awarding_body="外区",
        level="county",
    )
    record = attended(past_event(tree["S1"], datetime.date(2026, 11, 20)), volunteer, status=RecordStatus.PENDING)
    CorrectionRequest.objects.create(
        volunteer=volunteer,
        kind="correct",
        event=record.event,
        record=record,
        reason="忘签退",
        checked_out_at=record.event.ends_at,
    )
    client = Client()
    client.force_login(station_manager)
    awards = client.get("/admin/volunteers/award/")
    assert awards.status_code == 200
    assert "优秀志愿者" in awards.content.decode() and "远方奖" not in awards.content.decode()
    corrections = client.get("/admin/events/correctionrequest/")
    assert corrections.status_code == 200 and "忘签退" not in corrections.content.decode()
    change = client.get(f"/admin/events/correctionrequest/{CorrectionRequest.objects.get().pk}/change/")
    assert change.status_code == 200 and "忘签退" in change.content.decode()
    assert client.get("/admin/volunteers/award/add/").status_code == 200
    award = Award.objects.get(name="优秀志愿者")
    assert client.post(f"/admin/volunteers/award/{award.pk}/delete/", {"post": "yes"}).status_code == 403
