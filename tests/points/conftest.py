"""Points fixtures: the event of tests/events (社区环境清洁 at S1, 09:00-11:00 on DAY), a center rule, a served record.

Points move right after the approval's transaction commits (points.earning): tests that
approve or reject inside the test's transaction wrap it in ``settled``.
"""

from decimal import Decimal

import pytest

from events.models import Method, RecordStatus, ServiceRecord
from points.models import PointsRule
from tests.events.conftest import DAY, SHANGHAI, at, clock, event, make_event  # noqa: F401


@pytest.fixture
def rule(tree):
    """Center C gives 10 points per approved hour; nothing else set."""
    return PointsRule.objects.create(unit=tree["C"], points_per_hour=Decimal("10.00"))


def make_record(held_event, volunteer, *, hours: str = "2.00", start: int = 9, end: int = 11) -> ServiceRecord:
    return ServiceRecord.objects.create(
        event=held_event,
        volunteer=volunteer,
        checked_in_at=at(start),
        checked_out_at=at(end),
        method=Method.EVENT_QR,
        status=RecordStatus.PENDING,
        credited_hours=Decimal(hours),
    )


@pytest.fixture
def served(event, volunteer):  # noqa: F811
    """The volunteer served the event's two hours; the record waits for approval."""
    return make_record(event, volunteer)


@pytest.fixture
def settled(django_capture_on_commit_callbacks):
    """``with settled(): approve_record(...)`` runs what waits for the commit (the points) at the block's end."""

    def block():
        return django_capture_on_commit_callbacks(execute=True)

    return block
