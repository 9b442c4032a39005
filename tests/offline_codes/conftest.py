"""The event of tests/events (09:00-11:00 on a fixed day, clock frozen at 08:00) and cards."""

import pytest

from events import card_services
from tests.events.conftest import clock, event  # noqa: F401 - fixtures shared with the check-in tests


@pytest.fixture
def card(volunteer, station_manager):
    """The volunteer's first card, issued by their station's manager."""
    return card_services.issue_card(volunteer, station_manager)
