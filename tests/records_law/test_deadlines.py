"""The 10-working-day rule (志愿服务记录与证明出具办法 art. 11) on China's official calendar."""

import datetime
import io

from django.core.management import call_command

from events.models import Evaluation, RecordStatus
from tests.conftest import client_for
from tests.records_law.conftest import attended, past_event

# National Day 2026: 1-7 October off, Saturday 10 October worked.
BEFORE_NATIONAL_DAY = datetime.date(2026, 9, 30)
ELEVEN_WORKING_DAYS_LATER = datetime.date(2026, 10, 21)
ORDINARY_MONDAY = datetime.date(2026, 11, 2)
A_FORTNIGHT_LATER = datetime.date(2026, 11, 16)


def rows(client, query: str = "") -> dict[int, dict]:
    response = client.get(f"/api/v1/record-deadlines/{query}")
    assert response.status_code == 200, response.content
    return {row["record"]: row for row in response.json()["results"]}


def test_a_record_unreviewed_for_11_working_days_over_national_day_is_overdue_an_ordinary_fortnight_is_not(
    tree, volunteer, other_volunteer, station_manager_client, on_day
):
    holiday = attended(past_event(tree["S1"], BEFORE_NATIONAL_DAY), volunteer)
    fortnight = attended(past_event(tree["S1"], ORDINARY_MONDAY), other_volunteer)

    with on_day(ELEVEN_WORKING_DAYS_LATER):
        row = rows(station_manager_client)[holiday.pk]
    assert (row["working_days_waited"], row["overdue"], row["kind"]) == (11, True, "record")
    assert row["due_on"] == "2026-10-20"

    with on_day(A_FORTNIGHT_LATER):
        listed = rows(station_manager_client)
        overdue = rows(station_manager_client, "?overdue=true")
    assert (listed[fortnight.pk]["working_days_waited"], listed[fortnight.pk]["overdue"]) == (10, False)
    assert fortnight.pk not in overdue and holiday.pk in overdue


def test_twenty_calendar_days_over_national_day_are_only_ten_working_days(
    tree, volunteer, station_manager_client, on_day
):
    record = attended(past_event(tree["S1"], BEFORE_NATIONAL_DAY), volunteer)
    with on_day(ELEVEN_WORKING_DAYS_LATER - datetime.timedelta(days=1)):
        assert rows(station_manager_client)[record.pk]["overdue"] is False
        assert rows(station_manager_client, "?overdue=true") == {}


def test_an_approved_record_is_due_for_evaluation_until_the_unit_evaluates_it(
    tree, volunteer, station_manager_client, on_day
):
    record = attended(past_event(tree["S1"], ORDINARY_MONDAY), volunteer, status=RecordStatus.APPROVED)
    with on_day(A_FORTNIGHT_LATER):
        assert rows(station_manager_client, "?kind=evaluation")[record.pk]["kind"] == "evaluation"
        assert rows(station_manager_client, "?kind=record") == {}
        Evaluation.objects.create(
            volunteer=volunteer,
            unit=tree["S1"],
            period_start=datetime.date(2026, 11, 1),
            period_end=datetime.date(2026, 11, 30),
            evaluated_on=A_FORTNIGHT_LATER,
            comment="良好",
        )
        assert rows(station_manager_client) == {}


def test_managers_see_only_their_subtrees_deadlines_and_volunteers_none(
    tree, volunteer, far_volunteer, station_manager_client, other_station_manager, on_day
):
    mine = attended(past_event(tree["S1"], BEFORE_NATIONAL_DAY), volunteer)
    attended(past_event(tree["S4"], BEFORE_NATIONAL_DAY), far_volunteer)
    with on_day(ELEVEN_WORKING_DAYS_LATER):
        assert set(rows(station_manager_client)) == {mine.pk}
        assert rows(client_for(other_station_manager)) == {}
        assert client_for(volunteer.user).get("/api/v1/record-deadlines/").status_code == 403
        assert client_for(None).get("/api/v1/record-deadlines/").status_code == 401


def test_the_daily_command_lists_overdue_items_per_unit(tree, volunteer, other_volunteer, far_volunteer):
    attended(past_event(tree["S1"], BEFORE_NATIONAL_DAY, title="重阳敬老"), volunteer)
    attended(past_event(tree["S4"], BEFORE_NATIONAL_DAY, title="河道清洁"), far_volunteer, status=RecordStatus.APPROVED)
    attended(past_event(tree["S2"], datetime.date(2026, 10, 19)), other_volunteer)  # not due yet
    out = io.StringIO()
    call_command("overdue_records", "--date", ELEVEN_WORKING_DAYS_LATER.isoformat(), stdout=out)
    text = out.getvalue()
    assert "S1 单位: 1 records to review, 0 to evaluate" in text and "重阳敬老 · 李四" in text
    assert "S4 单位: 0 records to review, 1 to evaluate" in text and "河道清洁" in text
    assert "S2 单位" not in text and "11 working days" in text
    out = io.StringIO()
    call_command("overdue_records", "--date", "2026-10-20", stdout=out)
    assert "nothing overdue" in out.getvalue()
