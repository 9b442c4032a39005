"""Awards (办法 art. 9) and evaluations (art. 10)."""

import datetime

from events.models import Evaluation, RecordStatus
from tests.conftest import client_for
from tests.records_law.conftest import attended, past_event
from volunteers.models import Award

AWARD = {"name": "优秀志愿者", "awarded_on": "2026-11-01", "awarding_body": "区文明办", "level": "county"}


def test_a_manager_records_an_award_the_volunteer_then_sees(station_manager_client, volunteer, other_volunteer):
    response = station_manager_client.post("/api/v1/awards/", {**AWARD, "volunteer": volunteer.pk}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["level_display"] == "县（区）级"
    mine = client_for(volunteer.user).get("/api/v1/awards/").json()["results"]
    assert [(row["name"], row["awarding_body"]) for row in mine] == [("优秀志愿者", "区文明办")]
    assert client_for(other_volunteer.user).get("/api/v1/awards/").json()["results"] == []
    award = Award.objects.get()
    assert client_for(other_volunteer.user).get(f"/api/v1/awards/{award.pk}/").status_code == 404


def test_an_outsider_cannot_record_an_award(volunteer, other_station_manager):
    body = {**AWARD, "volunteer": volunteer.pk}
    assert client_for(volunteer.user).post("/api/v1/awards/", body, format="json").status_code == 403
    response = client_for(other_station_manager).post("/api/v1/awards/", body, format="json")
    assert response.status_code == 400 and "volunteer" in response.json()
    assert not Award.objects.exists()


def test_the_unit_evaluates_a_record_with_stars_and_the_volunteer_sees_it(tree, station_manager_client, volunteer):
    record = attended(past_event(tree["S1"], datetime.date(2026, 11, 20)), volunteer, status=RecordStatus.APPROVED)
    response = station_manager_client.post(
        "/api/v1/evaluations/", {"record": record.pk, "grade": 5, "comment": "认真负责"}, format="json"
    )
    assert response.status_code == 201, response.content
    evaluation = Evaluation.objects.get()
    assert (evaluation.volunteer, evaluation.unit, evaluation.grade) == (volunteer, tree["S1"], 5)
    mine = client_for(volunteer.user).get("/api/v1/evaluations/").json()["results"]
    assert [(row["comment"], row["grade"]) for row in mine] == [("认真负责", 5)]
    again = station_manager_client.post("/api/v1/evaluations/", {"record": record.pk, "comment": "再评"}, format="json")
    assert again.status_code == 400 and again.json()["record"] == ["该服务记录已评价。"]


def test_the_unit_evaluates_a_period_of_service(tree, station_manager_client, volunteer, other_volunteer):
    attended(past_event(tree["S1"], datetime.date(2026, 11, 20)), volunteer, status=RecordStatus.APPROVED)
    body = {
        "volunteer": volunteer.pk,
        "unit": tree["S1"].pk,
        "period_start": "2026-11-01",
        "period_end": "2026-11-30",
        "evaluated_on": "2026-12-01",
        "comment": "十一月表现良好",
    }
    assert station_manager_client.post("/api/v1/evaluations/", body, format="json").status_code == 201
    # Someone who did not serve there in the period is answered as an unknown id.
    response = station_manager_client.post(
        "/api/v1/evaluations/", {**body, "volunteer": other_volunteer.pk}, format="json"
    )
    assert response.status_code == 400 and "volunteer" in response.json()


def test_an_outsider_cannot_evaluate(tree, volunteer, other_station_manager):
    record = attended(past_event(tree["S1"], datetime.date(2026, 11, 20)), volunteer, status=RecordStatus.APPROVED)
    body = {"record": record.pk, "comment": "好"}
    assert client_for(volunteer.user).post("/api/v1/evaluations/", body, format="json").status_code == 403
    response = client_for(other_station_manager).post("/api/v1/evaluations/", body, format="json")
    assert response.status_code == 400 and "record" in response.json()
    assert not Evaluation.objects.exists()
    evaluation = Evaluation.objects.create(
        volunteer=volunteer, unit=tree["S1"], record=record, evaluated_on=datetime.date(2026, 11, 21), comment="好"
    )
    assert client_for(other_station_manager).get(f"/api/v1/evaluations/{evaluation.pk}/").status_code == 404
