import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
import zxingcpp
from PIL import Image, ImageDraw

from events.models import Event, EventStatus, ServiceCategory
from events.services import sign_up

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The event of most tests runs 09:00-11:00 Shanghai time on this day.
DAY = datetime.date(2026, 12, 5)


def at(hour: int, minute: int = 0, second: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(DAY, datetime.time(hour, minute, second), tzinfo=SHANGHAI)


@pytest.fixture
def clock():
    """Travel to a moment of the event day; ``clock.move_to(at(...))`` moves on."""
    with time_machine.travel(at(8, 0), tick=False) as traveller:
        yield traveller


def make_event(unit, **fields) -> Event:
    values = {
        "unit": unit,
        "title": "社区环境清洁",
        "category": ServiceCategory.ENVIRONMENT,
        "address": "东门社区广场",
        "starts_at": at(9),
        "ends_at": at(11),
        "status": EventStatus.PUBLISHED,
        "signup_required": False,
    }
    values.update(fields)
    return Event.objects.create(**values)


@pytest.fixture
def event(tree, clock):
    """The event of DAY, with the clock at 08:00 that day: on any other day it would be in the past."""
    return make_event(tree["S1"])


@pytest.fixture
def signed_up(event, volunteer):
    sign_up(event, volunteer, at=at(8))
    return volunteer


def decode_qr_svg(svg: str) -> str:
    """Decode the QR code in an SVG made by events.qr_codes: draw its modules, read them back."""
    cells = [(float(x), float(y)) for x, y in re.findall(r"M([\d.]+),([\d.]+)H", svg)]
    size = int(max(max(x for x, _ in cells), max(y for _, y in cells))) + 3
    scale = 8
    image = Image.new("L", (size * scale, size * scale), 255)
    draw = ImageDraw.Draw(image)
    for x, y in cells:
        draw.rectangle([x * scale, y * scale, (x + 1) * scale - 1, (y + 1) * scale - 1], fill=0)
    results = zxingcpp.read_barcodes(image)
    assert results, "no QR code found"
    return results[0].text
