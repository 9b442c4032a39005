from tests.events.conftest import clock  # noqa: F401 (the event day's clock for the check-in tests here)
