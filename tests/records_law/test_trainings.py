"""Trainings (志愿服务记录与证明出具办法 art. 8)."""

import datetime

from events.models import RecordStatus
from tests.conftest import client_for, make_volunteer
from tests.records_law.conftest import attended, past_event
from volunteers.models import Training, Volunteer

TRAINING = {
    "name": "应急救护培训",
    "content": "心肺复苏与止血包扎",
    "hours": "3.50",
    "organiser": "区红十字会",
    "held_on": "2026-11-20",
}


def test_a_manager_records_a_training_for_everyone_who_attended_an_event(tree, station_manager_client, volunteer):
    event = past_event(tree["S1"], datetime.date(2026, 11, 20))
    approved, pending = volunteer, make_volunteer(tree["S1"], "钱七")
    rejected, still_open = make_volunteer(tree["S1"], "孙八"), make_volunteer(tree["S2"], "周九")
    attended(event, approved, status=RecordStatus.APPROVED)
    attended(event, pending)
    attended(event, rejected, status=RecordStatus.REJECTED)
    attended(event, still_open, status=RecordStatus.OPEN, out=False)

    response = station_manager_client.post(
        "/api/v1/trainings/", {**TRAINING, "unit": tree["S1"].pk, "event": event.pk}, format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["attendee_count"] == 2
    training = Training.objects.get()
    assert set(training.attendees.all()) == {approved, pending}


def test_training_hours_are_not_service_hours(tree, station_manager_client, volunteer):
    response = station_manager_client.post(
        "/api/v1/trainings/", {**TRAINING, "unit": tree["S1"].pk, "volunteers": [volunteer.pk]}, format="json"
    )
    assert response.status_code == 201
    assert Volunteer.objects.with_hours().get(pk=volunteer.pk).approved_hours == 0


def test_the_volunteer_sees_their_trainings_and_others_do_not(tree, station_manager_client, volunteer, other_volunteer):
    station_manager_client.post(
        "/api/v1/trainings/", {**TRAINING, "unit": tree["S1"].pk, "volunteers": [volunteer.pk]}, format="json"
    )
    mine = client_for(volunteer.user).get("/api/v1/trainings/").json()["results"]
    theirs = client_for(other_volunteer.user).get("/api/v1/trainings/").json()["results"]
    assert [row["name"] for row in mine] == ["应急救护培训"] and theirs == []
    training = Training.objects.get()
    assert client_for(other_volunteer.user).get(f"/api/v1/trainings/{training.pk}/").status_code == 404


def test_an_outsider_cannot_record_a_training(tree, django_user_model, volunteer, other_station_manager):
    body = {**TRAINING, "unit": tree["S1"].pk, "volunteers": [volunteer.pk]}
    assert client_for(volunteer.user).post("/api/v1/trainings/", body, format="json").status_code == 403
    response = client_for(other_station_manager).post("/api/v1/trainings/", body, format="json")
    assert response.status_code == 400 and {"unit", "volunteers"} <= set(response.json())
    assert not Training.objects.exists()


def test_a_training_needs_attendees_and_sane_hours(tree, station_manager_client):
    empty = past_event(tree["S1"], datetime.date(2026, 11, 20))
    response = station_manager_client.post(
        "/api/v1/trainings/", {**TRAINING, "unit": tree["S1"].pk, "event": empty.pk}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "no_attendees"
    assert response.json()["detail"] == "没有可记录的志愿者：该活动没有已通过或待审核的服务记录。"
    response = station_manager_client.post(
        "/api/v1/trainings/", {**TRAINING, "hours": "9999", "unit": tree["S1"].pk}, format="json"
    )
    assert response.status_code == 400 and "hours" in response.json()


def test_the_training_list_takes_the_same_queries_for_one_row_or_twenty(
    tree, station_manager, volunteer, django_assert_max_num_queries
):
    client = client_for(station_manager)
    for n in range(20):
        training = Training.objects.create(
            unit=tree["S1"],
            name=f"培训{n}",
            content="内容",
            hours=1,
            organiser="站",
            held_on=datetime.date(2026, 11, 1),
        )
        training.attendees.add(volunteer)
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/trainings/")
    assert response.json()["count"] == 20 and {row["attendee_count"] for row in response.json()["results"]} == {1}
