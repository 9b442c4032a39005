"""What a brand project did: the summary's figures against ones counted by hand.

The clock is frozen at 10 December 2026, 12:00 Shanghai (conftest's ``frozen``).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from events.models import EventStatus, RecordStatus
from events.projects import project_summary
from tests.conftest import client_for, make_user
from tests.projects.conftest import document, evaluate, local, make_event, make_order, make_project, make_record, rate


@pytest.fixture
def world(tree, project, people, django_user_model):
    s1 = tree["S1"]
    other = make_project(s1, "另一个项目")
    resident = make_user(django_user_model, "居民")
    e1 = make_event(s1, day=1, project=project)
    approved = make_record(e1, people["甲"], RecordStatus.APPROVED, "2.00")
    pending = make_record(e1, people["乙"], RecordStatus.PENDING, "1.50")
    make_record(e1, people["丙"], RecordStatus.REJECTED, "2.00")
    evaluate(approved, 5)
    evaluate(pending, 1)  # of a record not approved: not counted
    document(e1, people_served=20, photos=2)
    e2 = make_event(s1, day=3, project=project, status=EventStatus.FINISHED)
    make_record(e2, people["甲"], RecordStatus.APPROVED, "1.00")
    evaluate(make_record(e2, people["丁"], RecordStatus.APPROVED, "3.00"), 3)
    document(e2, people_served=None, photos=1)
    # Not held: a draft, a cancelled event and one still to come; one of another project; one of none.
    make_record(make_event(s1, day=2, project=project, status=EventStatus.DRAFT), people["丙"], "approved", "4.00")
    document(make_event(s1, day=4, project=project, status=EventStatus.CANCELLED), people_served=100, photos=1)
    make_event(s1, day=11, project=project)
    make_record(make_event(s1, day=5, project=other), people["丙"], RecordStatus.APPROVED, "5.00")
    make_record(make_event(s1, day=6), people["丙"], RecordStatus.APPROVED, "5.00")
    # Orders: two done in December (one rated 4 on average, one closed unrated), one done in
    # November (rated 1), one still in service, one of another project.
    rate(make_order(s1, resident, "rated", project=project, completed=local(2, 15)), 5, 4, 3)
    make_order(s1, resident, "closed", project=project, completed=local(5, 15))
    rate(make_order(s1, resident, "rated", project=project, completed=local(20, 15, month=11)), 1, 1, 1)
    make_order(s1, resident, "in_service", project=project)
    rate(make_order(s1, resident, "rated", project=other, completed=local(2, 15)), 5, 5, 5)
    return {"project": project, "other": other}


def test_summary_over_the_project_life_counts_what_was_done(world):
    summary = project_summary(world["project"])

    assert summary.events_held == 2
    assert summary.service_hours == Decimal("6.00")  # 2 + 1 + 3: the pending and rejected records left out
    assert summary.volunteers_served == 2
    assert summary.orders_done == 3
    assert summary.event_recipients == 20
    assert summary.people_served == 23
    assert summary.mean_rating == Decimal("3.25")  # (5 + 3 + 4 + 1) / 4
    assert summary.ratings_count == 4
    assert summary.photos == 3


def test_summary_of_a_period_counts_only_what_fell_in_it(world):
    import datetime

    summary = project_summary(world["project"], start=datetime.date(2026, 12, 2), end=datetime.date(2026, 12, 10))

    assert summary.events_held == 1
    assert summary.service_hours == Decimal("4.00")
    assert summary.volunteers_served == 2
    assert summary.orders_done == 2
    assert summary.people_served == 2
    assert summary.mean_rating == Decimal("3.50")  # (3 + 4) / 2
    assert summary.photos == 1


def test_a_project_that_did_nothing_has_no_rating(project):
    summary = project_summary(project)

    assert summary.events_held == 0
    assert summary.service_hours == Decimal("0.00")
    assert summary.mean_rating is None


def test_summary_api_answers_the_same_figures(world, anon_client):
    response = anon_client.get(f"/api/v1/projects/{world['project'].pk}/summary/")

    assert response.status_code == 200
    body = response.json()
    assert body["events_held"] == 2
    assert body["service_hours"] == "6.00"
    assert body["people_served"] == 23
    assert body["mean_rating"] == "3.25"
    period = anon_client.get(f"/api/v1/projects/{world['project'].pk}/summary/?start=2026-12-02&end=2026-12-10")
    assert period.json()["orders_done"] == 2


@pytest.mark.parametrize(
    "query", ["start=2026-12-10&end=2026-12-01", "start=not-a-date", "end=99999-01-01", "start=0001-01-01"]
)
def test_summary_refuses_a_bad_period(project, station_manager, query):
    response = client_for(station_manager).get(f"/api/v1/projects/{project.pk}/summary/?{query}")

    assert response.status_code == 400
