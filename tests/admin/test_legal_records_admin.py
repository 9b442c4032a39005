"""Trainings, awards and evaluations (办法 art. 8-10) entered and corrected in the admin, within the manager's units.

The clock is frozen at noon of the tests' event day (2026-12-05) by tests/admin/conftest.py's autouse
``after_the_event``, so the fixed dates here never pass.
"""

import datetime
import json

import pytest
from django.contrib.admin.models import LogEntry

from events.models import Evaluation, RecordStatus
from tests.admin.conftest import page
from tests.conftest import make_volunteer
from tests.records_law.conftest import attended, past_event
from volunteers.models import Award, Training

DAY = datetime.date(2026, 11, 20)
TRAINING = {
    "name": "应急救护培训",
    "content": "心肺复苏与止血包扎",
    "hours": "3.50",
    "organiser": "区红十字会",
    "held_on": "2026-11-20",
}
AWARD = {
    "name": "优秀志愿者",
    "awarded_on": "2026-11-01",
    "awarding_body": "区文明办",
    "level": "county",
    "on_certificates": "on",
}


@pytest.fixture
def event_with_attendees(tree, volunteer):
    event = past_event(tree["S1"], DAY)
    guest = make_volunteer(tree["S2"], "钱七")  # from another station, served at this one's event
    attended(event, volunteer, status=RecordStatus.APPROVED)
    attended(event, guest)
    attended(event, make_volunteer(tree["S1"], "孙八"), status=RecordStatus.REJECTED)
    return event


def test_choosing_an_event_ticks_its_attendees(client, station_manager, tree, event_with_attendees):
    client.force_login(station_manager)
    response = client.post(
        "/admin/volunteers/training/add/",
        {"event": event_with_attendees.pk, "name": "", "_load_attendees": "1"},
    )
    assert response.status_code == 200 and not Training.objects.exists()
    html = page(response)
    assert "李四" in html and "钱七" in html and "孙八" not in html  # rejected records are no attendance
    assert html.count('name="event_attendees"') == 2 and html.count("checked") >= 2
    assert 'value="社区环境清洁"' in html  # the training's name starts as the event's
    assert "errornote" not in html and "errorlist" not in html  # nothing is checked yet
    # A link to the page with ?event= does the same.
    linked = page(client.get(f"/admin/volunteers/training/add/?event={event_with_attendees.pk}"))
    assert "钱七" in linked and 'value="社区环境清洁"' in linked


def test_a_manager_records_a_training_for_the_ticked_attendees_with_the_service(
    client, station_manager, tree, event_with_attendees, volunteer
):
    client.force_login(station_manager)
    extra = make_volunteer(tree["S1"], "周九")
    guest = event_with_attendees.records.get(volunteer__real_name="钱七").volunteer
    response = client.post(
        "/admin/volunteers/training/add/",
        {
            **TRAINING,
            "unit": tree["S1"].pk,
            "event": event_with_attendees.pk,
            "event_attendees": [volunteer.pk],  # 钱七 unticked
            "volunteers": [extra.pk],
        },
    )
    assert response.status_code == 302, page(response)
    training = Training.objects.get()
    assert set(training.attendees.all()) == {volunteer, extra} and guest not in training.attendees.all()
    assert training.created_by == station_manager
    listing = page(client.get("/admin/volunteers/training/"))
    assert "应急救护培训" in listing


def test_a_training_needs_someone(client, station_manager, tree):
    client.force_login(station_manager)
    empty = past_event(tree["S1"], DAY)
    html = page(client.post("/admin/volunteers/training/add/", {**TRAINING, "unit": tree["S1"].pk, "event": empty.pk}))
    assert "没有可记录的志愿者" in html
    html = page(client.post("/admin/volunteers/training/add/", {**TRAINING, "unit": tree["S1"].pk}))
    assert not Training.objects.exists()


@pytest.mark.parametrize("tampered", ["unit", "event", "event_attendees", "volunteers"])
def test_another_stations_manager_cannot_post_ids_outside_their_units(
    client, other_station_manager, tree, event_with_attendees, volunteer, tampered
):
    """Manager of S2 posts S1's unit, event, attendees or volunteers: refused, nothing saved, no names shown."""
    client.force_login(other_station_manager)
    own_event = past_event(tree["S2"], DAY)
    own = make_volunteer(tree["S2"], "吴十")
    attended(own_event, own)
    body = {**TRAINING, "unit": tree["S2"].pk, "event": own_event.pk, "event_attendees": [own.pk]}
    outside = {
        "unit": tree["S1"].pk,
        "event": event_with_attendees.pk,
        "event_attendees": [volunteer.pk],
        "volunteers": [volunteer.pk],
    }
    body[tampered] = outside[tampered]
    response = client.post("/admin/volunteers/training/add/", body)
    assert response.status_code == 200 and not Training.objects.exists()
    assert "李四" not in page(response)
    # Nor does the reload with attendees name anyone of S1's event.
    shown = page(
        client.get(f"/admin/volunteers/training/add/?event={event_with_attendees.pk}&volunteers={volunteer.pk}")
    )
    assert "李四" not in shown and "社区环境清洁" not in shown


def test_trainings_of_other_units_are_neither_listed_nor_opened(client, station_manager, other_station_manager, tree):
    client.force_login(station_manager)
    theirs = Training.objects.create(
        unit=tree["S2"], created_by=other_station_manager, **TRAINING | {"name": "他站培训"}
    )
    assert "他站培训" not in page(client.get("/admin/volunteers/training/"))
    assert client.get(f"/admin/volunteers/training/{theirs.pk}/change/").status_code == 302  # "does not exist"
    assert client.post(
        f"/admin/volunteers/training/{theirs.pk}/change/", {**TRAINING, "unit": tree["S1"].pk}
    ).status_code in (302, 404)
    theirs.refresh_from_db()
    assert theirs.name == "他站培训" and theirs.unit == tree["S2"]
    assert client.get(f"/admin/volunteers/training/?unit={tree['S2'].pk}").status_code == 200
    assert "他站培训" not in page(client.get(f"/admin/volunteers/training/?unit={tree['S2'].pk}"))


def test_a_correction_keeps_who_changed_what_and_nobody_but_an_admin_deletes(
    client, station_manager, admin_user, tree, volunteer
):
    training = Training.objects.create(unit=tree["S1"], created_by=station_manager, **TRAINING)
    training.attendees.set([volunteer])
    client.force_login(station_manager)
    url = f"/admin/volunteers/training/{training.pk}/change/"
    response = client.post(url, {**TRAINING, "hours": "2.00", "unit": tree["S1"].pk, "attendees": [volunteer.pk]})
    assert response.status_code == 302, page(response)
    training.refresh_from_db()
    assert str(training.hours) == "2.00"
    entry = LogEntry.objects.get(object_id=str(training.pk), action_flag=2)
    assert entry.user == station_manager
    assert "3.50" in entry.get_change_message() and "2.00" in entry.get_change_message()
    history = page(client.get(f"/admin/volunteers/training/{training.pk}/history/"))
    assert "3.50" in history and "2.00" in history and "站管理员" in history
    assert "不删除" in page(client.get(url))
    assert client.post(f"/admin/volunteers/training/{training.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Training.objects.exists()
    client.force_login(admin_user)
    assert client.post(f"/admin/volunteers/training/{training.pk}/delete/", {"post": "yes"}).status_code == 302


def test_a_manager_enters_and_corrects_an_award_for_their_volunteer(client, station_manager, volunteer):
    client.force_login(station_manager)
    response = client.post("/admin/volunteers/award/add/", {**AWARD, "volunteer": volunteer.pk})
    assert response.status_code == 302, page(response)
    award = Award.objects.get()
    assert award.volunteer == volunteer and award.created_by == station_manager
    response = client.post(f"/admin/volunteers/award/{award.pk}/change/", {**AWARD, "level": "municipal"})
    assert response.status_code == 302, page(response)
    award.refresh_from_db()
    assert award.level == "municipal" and award.volunteer == volunteer
    message = LogEntry.objects.get(object_id=str(award.pk), action_flag=2).get_change_message()
    assert "区县" in message or "县" in message


def test_an_award_for_a_volunteer_outside_the_units_is_refused(client, other_station_manager, volunteer):
    client.force_login(other_station_manager)
    response = client.post("/admin/volunteers/award/add/", {**AWARD, "volunteer": volunteer.pk})
    assert response.status_code == 200 and not Award.objects.exists()
    assert "李四" not in page(response)
    shown = page(client.get(f"/admin/volunteers/award/add/?volunteer={volunteer.pk}"))
    assert "李四" not in shown


def test_a_manager_cannot_award_themself(client, django_user_model, tree):
    from tests.conftest import PASSWORD  # noqa: F401

    manager_volunteer = make_volunteer(tree["S1"], "郑管")
    from stations.models import UnitManager

    manager_volunteer.user.is_staff = True
    manager_volunteer.user.save()
    UnitManager.objects.create(user=manager_volunteer.user, unit=tree["S1"])
    client.force_login(manager_volunteer.user)
    response = client.post("/admin/volunteers/award/add/", {**AWARD, "volunteer": manager_volunteer.pk})
    assert response.status_code == 200 and not Award.objects.exists()


def autocomplete(client, model: str, field: str, term: str, app: str = "volunteers") -> list[str]:
    response = client.get(
        "/admin/autocomplete/", {"app_label": app, "model_name": model, "field_name": field, "term": term}
    )
    assert response.status_code == 200
    return [row["text"] for row in json.loads(response.content)["results"]]


def test_the_search_boxes_find_only_the_managers_volunteers_events_and_records(
    client, station_manager, other_station_manager, tree, event_with_attendees, volunteer
):
    client.force_login(other_station_manager)
    assert autocomplete(client, "award", "volunteer", "李") == []
    assert autocomplete(client, "training", "attendees", "李") == []
    assert autocomplete(client, "evaluation", "volunteer", "李", app="events") == []
    assert autocomplete(client, "servicerecord", "event", "社区", app="events") == []
    assert autocomplete(client, "evaluation", "record", "李", app="events") == []
    client.force_login(station_manager)
    assert any("李四" in text for text in autocomplete(client, "award", "volunteer", "李"))
    assert autocomplete(client, "servicerecord", "event", "社区", app="events")


def test_a_manager_evaluates_an_approved_record_and_corrects_the_words(
    client, station_manager, event_with_attendees, volunteer
):
    record = event_with_attendees.records.get(volunteer=volunteer)
    client.force_login(station_manager)
    response = client.post(
        "/admin/events/evaluation/add/",
        {"record": record.pk, "grade": "5", "comment": "认真负责", "evaluated_on": "2026-11-21"},
    )
    assert response.status_code == 302, page(response)
    evaluation = Evaluation.objects.get()
    assert evaluation.volunteer == volunteer and evaluation.unit == event_with_attendees.unit
    assert evaluation.created_by == station_manager and evaluation.grade == 5
    again = client.post("/admin/events/evaluation/add/", {"record": record.pk, "comment": "再评一次"})
    assert "已评价" in page(again) and Evaluation.objects.count() == 1
    response = client.post(
        f"/admin/events/evaluation/{evaluation.pk}/change/",
        {"evaluated_on": "2026-11-21", "grade": "4", "comment": "认真"},
    )
    assert response.status_code == 302
    assert "认真负责" in LogEntry.objects.get(object_id=str(evaluation.pk), action_flag=2).get_change_message()


def test_a_pending_record_or_another_units_record_is_not_evaluated(
    client, station_manager, other_station_manager, event_with_attendees, volunteer
):
    pending = event_with_attendees.records.get(volunteer__real_name="钱七")
    client.force_login(station_manager)
    refused = client.post("/admin/events/evaluation/add/", {"record": pending.pk, "comment": "好"})
    assert refused.status_code == 200 and "只能评价已通过审核的服务记录" in page(refused)
    approved = event_with_attendees.records.get(volunteer=volunteer)
    client.force_login(other_station_manager)
    response = client.post("/admin/events/evaluation/add/", {"record": approved.pk, "comment": "好"})
    assert response.status_code == 200 and "李四" not in page(response)
    assert not Evaluation.objects.exists()


def test_a_period_evaluation_needs_service_in_the_unit(client, station_manager, tree, event_with_attendees, volunteer):
    client.force_login(station_manager)
    body = {"volunteer": volunteer.pk, "unit": tree["S1"].pk, "comment": "全年表现突出"}
    outside = client.post(
        "/admin/events/evaluation/add/", {**body, "period_start": "2025-01-01", "period_end": "2025-12-31"}
    )
    assert outside.status_code == 200 and not Evaluation.objects.exists()
    inside = client.post(
        "/admin/events/evaluation/add/", {**body, "period_start": "2026-01-01", "period_end": "2026-12-31"}
    )
    assert inside.status_code == 302, page(inside)
    assert Evaluation.objects.get().record is None


def test_evaluations_of_other_units_are_not_listed(
    client, other_station_manager, station_manager, event_with_attendees, volunteer
):
    record = event_with_attendees.records.get(volunteer=volunteer)
    Evaluation.objects.create(
        volunteer=volunteer, unit=event_with_attendees.unit, record=record, evaluated_on=DAY, comment="认真负责"
    )
    client.force_login(other_station_manager)
    assert "认真负责" not in page(client.get("/admin/events/evaluation/"))
    assert "李四" not in page(client.get("/admin/events/evaluation/"))


def test_another_units_history_and_evaluation_stay_closed(
    client, station_manager, other_station_manager, tree, event_with_attendees, volunteer
):
    training = Training.objects.create(unit=tree["S1"], created_by=station_manager, **TRAINING)
    record = event_with_attendees.records.get(volunteer=volunteer)
    evaluation = Evaluation.objects.create(
        volunteer=volunteer, unit=tree["S1"], record=record, evaluated_on=DAY, comment="认真负责"
    )
    client.force_login(other_station_manager)
    for url in (
        f"/admin/volunteers/training/{training.pk}/history/",
        f"/admin/events/evaluation/{evaluation.pk}/change/",
        f"/admin/events/evaluation/{evaluation.pk}/history/",
    ):
        response = client.get(url)
        assert response.status_code in (302, 404) and "认真负责" not in page(response)
    response = client.post(
        f"/admin/events/evaluation/{evaluation.pk}/change/", {"comment": "改掉", "evaluated_on": "2026-11-21"}
    )
    evaluation.refresh_from_db()
    assert evaluation.comment == "认真负责"


@pytest.mark.parametrize("who", ["station_manager", "admin_user"])
def test_every_page_of_the_three_opens(client, request, tree, station_manager, event_with_attendees, volunteer, who):
    training = Training.objects.create(unit=tree["S1"], created_by=station_manager, **TRAINING)
    training.attendees.set([volunteer])
    award = Award.objects.create(volunteer=volunteer, created_by=station_manager, **{**AWARD, "on_certificates": True})
    record = event_with_attendees.records.get(volunteer=volunteer)
    evaluation = Evaluation.objects.create(
        volunteer=volunteer, unit=tree["S1"], record=record, evaluated_on=DAY, comment="好"
    )
    client.force_login(request.getfixturevalue(who))
    for model, pk in (
        ("volunteers/training", training.pk),
        ("volunteers/award", award.pk),
        ("events/evaluation", evaluation.pk),
    ):
        for suffix in (
            "",
            "add/",
            f"{pk}/change/",
            f"{pk}/history/",
            "?q=李四",
            "?o=1",
        ):
            response = client.get(f"/admin/{model}/{suffix}")
            assert response.status_code == 200, (model, suffix)


def test_a_volunteers_page_leads_to_their_award_and_evaluation(client, station_manager, volunteer):
    client.force_login(station_manager)
    html = page(client.get(f"/admin/volunteers/volunteer/{volunteer.pk}/change/"))
    assert f"/admin/volunteers/award/add/?volunteer={volunteer.pk}" in html and "录入表彰" in html
    assert f"/admin/events/evaluation/add/?volunteer={volunteer.pk}" in html
    award_form = page(client.get(f"/admin/volunteers/award/add/?volunteer={volunteer.pk}"))
    assert f'<option value="{volunteer.pk}" selected>李四' in award_form
