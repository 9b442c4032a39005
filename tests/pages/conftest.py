"""Pages: the event day of tests/events (09:00-11:00 Shanghai time, 5 December 2026)."""

from tests.events.conftest import at, clock, event, make_event, signed_up  # noqa: F401
