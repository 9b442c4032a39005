"""Notifications fixtures: the event of tests/events (社区环境清洁 at S1, 09:00-11:00 on DAY, clock at 08:00).

Messages beyond the inbox land in ``notifications.backends.locmem.outbox`` (tests/conftest.py).
"""

import pytest

from notifications.backends import locmem
from tests.events.conftest import DAY, SHANGHAI, at, clock, event, make_event, signed_up  # noqa: F401


@pytest.fixture
def sent():
    """What the SMS, WeChat and email backends were handed, in order."""
    return locmem.outbox
