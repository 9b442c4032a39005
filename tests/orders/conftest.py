"""Service orders: a center's menu, two teams of station S1 with their leaders, a resident.

The leak scan of tests/conftest.py knows which numbers belong to whom; an order's
contact phone is also shown, by design (志愿服务条例 art. 21), to the dispatching
unit's managers and to the accepting team's leader. This module's scan excuses
exactly those viewers, as ``Order.objects.contact_visible_to`` decides, and still
fails on anyone else.
"""

import datetime
import io
import logging
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from orders.models import MenuCategory, MenuItem, Order
from tests import leak_scan
from tests.conftest import PASSWORD, make_user, make_volunteer
from volunteers.models import Team

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def photo_upload(name: str = "photo.jpg", colour: str = "white") -> SimpleUploadedFile:
    data = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(data, format="JPEG")
    return SimpleUploadedFile(name, data.getvalue(), content_type="image/jpeg")


@pytest.fixture(autouse=True)
def personal_data_leak_scan(settings, tmp_path):
    """The suite's leak scan, excusing a contact phone shown to someone entitled to it."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.leak_scan.LeakScanMiddleware"]
    handler = leak_scan.LeakLogHandler()
    logging.getLogger().addHandler(handler)
    leak_scan.leaks.clear()
    leak_scan.active = True
    yield
    leak_scan.active = False
    logging.getLogger().removeHandler(handler)
    real = [leak for leak in leak_scan.leaks if not _entitled(leak)]
    assert not real, "personal data leaked:\n" + "\n".join(real)


def _entitled(leak: str) -> bool:
    # "<METHOD> <path> showed <number> (user <owner>) to user <viewer>"
    from django.contrib.auth import get_user_model

    try:
        number = leak.split(" showed ")[1].split(" ")[0]
        viewer = leak.rsplit(" to user ", 1)[1]
    except IndexError:
        return False
    if viewer == "None":
        return False
    user = get_user_model().objects.get(pk=int(viewer))
    return Order.objects.contact_visible_to(user).filter(contact_phone=number).exists()


@pytest.fixture
def menu(tree) -> dict:
    elderly = MenuCategory.objects.create(center=tree["C"], name="助老助残", position=1)
    legal = MenuCategory.objects.create(center=tree["C"], name="法律服务", position=2)
    return {
        "haircut": MenuItem.objects.create(
            category=elderly, unit=tree["C"], name="上门理发", event_category="elderly_disabled"
        ),
        "errands": MenuItem.objects.create(category=elderly, unit=tree["C"], name="代购代办", center_teams=False),
        "legal": MenuItem.objects.create(
            category=legal, unit=tree["C"], name="法律咨询", station_teams=False, institute_teams=False
        ),
    }


def make_team(unit, name: str, members: int = 2) -> Team:
    people = [make_volunteer(unit, f"{name}队员") for _ in range(members)]
    team = Team.objects.create(name=name, unit=unit, leader=people[0])
    team.members.set(people)
    return team


@pytest.fixture
def teams(tree) -> dict[str, Team]:
    return {"a": make_team(tree["S1"], "理发一队"), "b": make_team(tree["S1"], "理发二队", 3)}


@pytest.fixture
def resident(django_user_model, db):
    return make_user(django_user_model, "张女士的女儿")


__all__ = ["PASSWORD", "local", "make_team", "photo_upload"]
