"""``stations.scoping`` answers who manages what; no other app compares unit paths by hand."""

import re
from pathlib import Path

from django.contrib.auth.models import AnonymousUser

from stations.models import PracticeUnit, UnitManager
from stations.scoping import Scope, is_manager, is_under, managed_subtree, manages, root_units, scoped
from tests.conftest import make_manager

ROOT = Path(__file__).resolve().parents[2]
APPS = ["accounts", "jobs", "volunteers", "events", "certificates", "orders", "reports", "backend"]


def codes(units) -> set[str]:
    return {unit.code for unit in units}


def test_a_center_manager_manages_its_institutes_and_stations(tree, center_manager):
    assert codes(root_units(center_manager)) == {"C"}
    assert codes(managed_subtree(center_manager)) == {"C", "I1", "I2", "S1", "S2", "S3"}
    assert all(manages(center_manager, tree[code]) for code in ("C", "I1", "I2", "S1", "S2", "S3"))
    assert not manages(center_manager, tree["C2"]) and not manages(center_manager, tree["S4"])
    assert is_manager(center_manager)


def test_a_station_manager_manages_neither_its_siblings_nor_its_parent(tree, station_manager):
    assert codes(managed_subtree(station_manager)) == {"S1"}
    assert manages(station_manager, tree["S1"])
    assert not manages(station_manager, tree["S2"])
    assert not manages(station_manager, tree["I1"]) and not manages(station_manager, tree["C"])


def test_a_user_with_two_appointments_manages_both_subtrees(django_user_model, tree):
    user = make_manager(django_user_model, tree["I2"], "两处管理员")
    UnitManager.objects.create(user=user, unit=tree["S1"])
    assert codes(root_units(user)) == {"I2", "S1"}
    assert codes(managed_subtree(user)) == {"I2", "S3", "S1"}
    assert manages(user, tree["S3"]) and manages(user, tree["S1"])
    assert not manages(user, tree["S2"]) and not manages(user, tree["I1"])


def test_an_appointment_inside_another_is_no_second_root(django_user_model, tree):
    user = make_manager(django_user_model, tree["C"], "中心兼站")
    UnitManager.objects.create(user=user, unit=tree["S1"])
    assert codes(root_units(user)) == {"C"}
    assert Scope.of(user).roots == (tree["C"],)


def test_no_appointment_manages_nothing(tree, stranger):
    for user in (stranger, AnonymousUser()):
        assert root_units(user) == []
        assert not managed_subtree(user).exists()
        assert not any(manages(user, unit) for unit in tree.values())
        assert not is_manager(user)
        assert not scoped(PracticeUnit.objects.all(), user, "path").exists()


def test_an_admin_manages_every_unit_without_appointments(tree, admin_user):
    assert root_units(admin_user) == []
    assert managed_subtree(admin_user).count() == len(tree)
    assert all(manages(admin_user, unit) for unit in tree.values())
    assert Scope.of(admin_user).is_everything and Scope().contains(tree["S4"])


def test_a_unit_is_under_itself_and_its_ancestors_only(tree):
    assert is_under(tree["S1"], tree["S1"]) and is_under(tree["S1"], tree["I1"]) and is_under(tree["S1"], tree["C"])
    assert not is_under(tree["I1"], tree["S1"]) and not is_under(tree["S1"], tree["I2"])
    assert not is_under(tree["S4"], tree["C"])


def test_the_appointments_are_read_once_a_request(tree, center_manager, django_assert_num_queries):
    with django_assert_num_queries(1):
        root_units(center_manager)
        manages(center_manager, tree["S1"])
        is_manager(center_manager)
        Scope.of(center_manager)


def test_no_app_compares_unit_paths_by_hand():
    """Path prefixes are ``stations.scoping``'s business; migrations keep their frozen copies."""
    pattern = re.compile(r"path\.startswith\(|path__startswith")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for app in APPS
        if (ROOT / app).is_dir()
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert offenders == []
