"""The working-day calendar after the last year chinesecalendar knows: counted Monday to Friday, and said so."""

import datetime
import logging
import zoneinfo

import pytest
import time_machine
from django.test import Client

from events import working_days

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def travel(*args: int):
    return time_machine.travel(datetime.datetime(*args, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def fresh_process(monkeypatch):
    monkeypatch.setattr(working_days, "_fallback_logged", False)


def test_a_year_without_a_schedule_counts_monday_to_friday(fresh_process):
    # 2027-01-01 is a Friday, a holiday every year: without the schedule it counts as a working day.
    assert working_days.working_days_between(datetime.date(2026, 12, 31), datetime.date(2027, 1, 10)) == 6


def test_the_fallback_is_logged_once_per_process(fresh_process, caplog):
    with caplog.at_level(logging.WARNING, logger="events.working_days"):
        working_days.working_days_between(datetime.date(2026, 12, 31), datetime.date(2027, 1, 10))
        working_days.add_working_days(datetime.date(2027, 2, 1), 10)
        working_days.latest_day_not_overdue(datetime.date(2028, 3, 1), 10)
    warnings = [record for record in caplog.records if record.name == "events.working_days"]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING and "2027" in warnings[0].getMessage()


def test_a_known_year_logs_nothing(fresh_process, caplog):
    with caplog.at_level(logging.WARNING, logger="events.working_days"):
        assert working_days.working_days_between(datetime.date(2025, 9, 30), datetime.date(2025, 10, 9)) == 1
    assert not [record for record in caplog.records if record.name == "events.working_days"]


@pytest.mark.parametrize(
    ("today", "missing"),
    [((2026, 6, 1), None), ((2026, 11, 30), None), ((2026, 12, 1), 2027), ((2027, 3, 1), 2027), ((2029, 5, 4), 2029)],
)
def test_the_missing_year_is_this_one_or_in_december_the_next(today, missing):
    assert working_days.missing_schedule_year(datetime.date(*today)) == missing


def test_admins_are_told_on_the_admin_index(admin_user):
    with travel(2027, 3, 1, 9):
        response = logged_in(admin_user).get("/admin/")
    assert response.status_code == 200
    assert response.context["calendar_missing_year"] == 2027
    assert 'id="calendar-warning"' in response.content.decode() and "2027" in response.content.decode()


def test_nothing_is_shown_while_the_schedule_is_known(admin_user):
    with travel(2026, 6, 1, 9):
        response = logged_in(admin_user).get("/admin/")
    assert response.status_code == 200 and 'id="calendar-warning"' not in response.content.decode()


def test_managers_in_the_admin_are_not_told(station_manager):
    station_manager.is_staff = True
    station_manager.save(update_fields=["is_staff"])
    with travel(2027, 3, 1, 9):
        response = logged_in(station_manager).get("/admin/")
    assert response.status_code == 200 and 'id="calendar-warning"' not in response.content.decode()
