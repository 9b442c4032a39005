"""The event page names the venue it is held at and its brand project, each a link; a project kept
from the public stays unnamed. Dates are built from now."""

import datetime

import pytest
from django.utils import timezone

from events.models import EventStatus, Project
from tests.events.conftest import make_event
from tests.venues.conftest import make_venue

pytestmark = pytest.mark.django_db


def held_at_hall(tree, *, public_project: bool):
    starts = timezone.now() + datetime.timedelta(days=3)
    hall = make_venue(tree["S1"], name="东门多功能厅")
    project = Project.objects.create(
        lead_unit=tree["S1"], name="小板凳宣讲", starts_on=timezone.localdate(), is_public=public_project
    )
    event = make_event(
        tree["S1"],
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        status=EventStatus.PUBLISHED,
        venue=hall,
        project=project,
    )
    return event, hall, project


def test_the_event_page_links_its_venue_and_public_project(client, tree):
    event, hall, project = held_at_hall(tree, public_project=True)
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert f'href="/venues/{hall.pk}/"' in page and "东门多功能厅" in page
    assert f'href="/projects/{project.pk}/"' in page and "小板凳宣讲" in page


def test_a_project_kept_from_the_public_is_not_named(client, tree):
    event, _, project = held_at_hall(tree, public_project=False)
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert "小板凳宣讲" not in page and f"/projects/{project.pk}/" not in page
