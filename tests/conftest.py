"""Personas and their API clients.

The tree: center C (institutes I1 and I2; I1 holds stations S1 and S2, I2 holds S3)
and another center C2 (institute I3, station S4) that none of the managers below
reach. Volunteers live at S1 (``volunteer``), S2 and S4.
"""

import datetime
import logging

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from stations.models import Level, PracticeUnit, UnitManager
from tests import leak_scan
from volunteers.id_numbers import check_character
from volunteers.services import register_volunteer

PASSWORD = "correct-horse-42"


@pytest.fixture(autouse=True)
def fast_hashing_and_fresh_throttles(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()


@pytest.fixture(autouse=True)
def notifications_kept_in_memory(settings):
    """Messages beyond the inbox go to ``notifications.backends.locmem.outbox``, emptied for each test."""
    from notifications import backends
    from notifications.backends import locmem

    settings.NOTIFY_BACKENDS = dict.fromkeys(("sms", "wechat", "email"), "notifications.backends.locmem.LocmemBackend")
    backends.reset()
    locmem.outbox.clear()
    yield
    backends.reset()


@pytest.fixture(autouse=True)
def files_in_a_temporary_folder(settings, tmp_path_factory):
    """Files a test stores (photos, PDFs) go to a folder of its own, never the project's media/."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def personal_data_leak_scan(settings):
    """Fail any test during which a full ID or mobile number reached someone it should not."""
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.leak_scan.LeakScanMiddleware"]
    handler = leak_scan.LeakLogHandler()
    logging.getLogger().addHandler(handler)
    leak_scan.leaks.clear()
    leak_scan.active = True
    yield
    leak_scan.active = False
    logging.getLogger().removeHandler(handler)
    assert not leak_scan.leaks, "personal data leaked:\n" + "\n".join(leak_scan.leaks)


def make_unit(code: str, level: str, parent: PracticeUnit | None = None) -> PracticeUnit:
    return PracticeUnit.objects.create(code=code, name=f"{code} 单位", level=level, parent=parent)


@pytest.fixture
def tree(db) -> dict[str, PracticeUnit]:
    c = make_unit("C", Level.CENTER)
    i1 = make_unit("I1", Level.INSTITUTE, c)
    i2 = make_unit("I2", Level.INSTITUTE, c)
    s1 = make_unit("S1", Level.STATION, i1)
    s2 = make_unit("S2", Level.STATION, i1)
    s3 = make_unit("S3", Level.STATION, i2)
    c2 = make_unit("C2", Level.CENTER)
    i3 = make_unit("I3", Level.INSTITUTE, c2)
    s4 = make_unit("S4", Level.STATION, i3)
    return {"C": c, "I1": i1, "I2": i2, "S1": s1, "S2": s2, "S3": s3, "C2": c2, "I3": i3, "S4": s4}


_phones = iter(range(10_000_000))


def make_user(django_user_model, name: str, **extra):
    return django_user_model.objects.create_user(f"1590{next(_phones):07d}", PASSWORD, name=name, **extra)


def make_manager(django_user_model, unit: PracticeUnit, name: str):
    user = make_user(django_user_model, name, is_staff=True)
    UnitManager.objects.create(user=user, unit=unit)
    return user


_id_counter = iter(range(100_000))


def make_id_number() -> str:
    n = next(_id_counter)
    # Born by 1997: an adult on any day the suite runs, however many people a worker makes.
    birth = datetime.date(1970, 1, 1) + datetime.timedelta(days=n % 10_000)
    first17 = f"110105{birth:%Y%m%d}{n % 1000:03d}"
    return first17 + check_character(first17)


def make_volunteer(station: PracticeUnit, name: str = "张三", phone: str | None = None):
    return register_volunteer(
        real_name=name,
        id_number=make_id_number(),
        phone=phone or f"1580{next(_phones):07d}",
        password=PASSWORD,
        home_station=station,
    )


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("13800000001", PASSWORD, name="管理员")


@pytest.fixture
def center_manager(django_user_model, tree):
    return make_manager(django_user_model, tree["C"], "中心管理员")


@pytest.fixture
def institute_manager(django_user_model, tree):
    return make_manager(django_user_model, tree["I1"], "所管理员")


@pytest.fixture
def station_manager(django_user_model, tree):
    return make_manager(django_user_model, tree["S1"], "站管理员")


@pytest.fixture
def other_station_manager(django_user_model, tree):
    return make_manager(django_user_model, tree["S2"], "另一站管理员")


@pytest.fixture
def volunteer(tree):
    return make_volunteer(tree["S1"], "李四")


@pytest.fixture
def other_volunteer(tree):
    return make_volunteer(tree["S2"], "王五")


@pytest.fixture
def far_volunteer(tree):
    return make_volunteer(tree["S4"], "赵六")


@pytest.fixture
def stranger(django_user_model, db):
    return make_user(django_user_model, "路人")


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def anon_client() -> APIClient:
    return APIClient()


@pytest.fixture
def admin_client_api(admin_user) -> APIClient:
    return client_for(admin_user)


@pytest.fixture
def station_manager_client(station_manager) -> APIClient:
    return client_for(station_manager)


@pytest.fixture
def center_manager_client(center_manager) -> APIClient:
    return client_for(center_manager)


@pytest.fixture
def volunteer_client(volunteer) -> APIClient:
    return client_for(volunteer.user)


def pytest_collection_modifyitems(config, items):
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://... (CI does)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
