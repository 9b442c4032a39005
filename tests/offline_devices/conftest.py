"""Scanner devices, their headers and an event to scan at (tests/events/conftest.py's day and clock)."""

import pytest

from events.offline_scanning import register_device
from tests.events.conftest import clock, event  # noqa: F401 - the event day, its clock and its event


def scanner_headers(device, secret: str, device_time: str | None = None) -> dict[str, str]:
    """The headers a registered phone sends with every scanner call."""
    headers = {"HTTP_X_SCANNER_DEVICE": f"{device.pk}.{secret}"}
    if device_time is not None:
        headers["HTTP_X_DEVICE_TIME"] = device_time
    return headers


@pytest.fixture
def registered(station_manager, tree):
    """A phone of station S1, registered by its manager: (device, secret)."""
    return register_device(tree["S1"], "东门站手机", by=station_manager)


@pytest.fixture
def device(registered):
    return registered[0]


@pytest.fixture
def headers(registered):
    device, secret = registered
    return scanner_headers(device, secret)
