"""Service orders: a center's menu, two teams of station S1 with their leaders, a resident.

The suite's leak scan (tests/leak_scan.py) checks orders' contact phones and addresses
against ``Order.objects.contact_visible_to``.
"""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from orders.models import MenuCategory, MenuItem
from tests.conftest import PASSWORD, make_user, make_volunteer
from volunteers.models import Team

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def photo_upload(name: str = "photo.jpg", colour: str = "white") -> SimpleUploadedFile:
    data = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(data, format="JPEG")
    return SimpleUploadedFile(name, data.getvalue(), content_type="image/jpeg")


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
