"""Four eyes told up front: who may not approve a record and why, and who approves it instead.

A one-manager station's records go up to its institute: the institute's managers reach
every record of the stations below, so they approve what the station's only manager
entered or corrected.
"""

import pytest

from events.models import RecordStatus
from events.services import (
    RecordError,
    approve_record,
    approvers_of,
    correct_record_times,
    create_manual_record,
    review_bar,
)
from tests.conftest import make_manager, make_volunteer
from tests.events.conftest import at, make_event
from tests.events.test_records_api import checked_out


@pytest.fixture(autouse=True)
def after_the_event(clock):
    clock.move_to(at(13))


@pytest.fixture
def second_manager(django_user_model, tree):
    return make_manager(django_user_model, tree["S1"], "甲站二号管理员")


def test_nobody_is_barred_from_a_scanned_record_but_its_volunteer(event, volunteer, station_manager):
    record = checked_out(event, volunteer)
    assert review_bar(record, station_manager) is None
    assert review_bar(record, volunteer.user) == "served"


def test_the_corrector_is_barred_and_another_manager_of_the_station_approves(
    event, volunteer, station_manager, second_manager, institute_manager
):
    record = checked_out(event, volunteer)
    correct_record_times(record, by=station_manager, reason="忘记签退", checked_out_at=at(10, 30))
    assert review_bar(record, station_manager) == "corrected"
    approvers = approvers_of(record)
    assert approvers.unit == event.unit and approvers.users == [second_manager] and not approvers.passed_up
    approve_record(record, by=second_manager)
    record.refresh_from_db()
    assert record.status == RecordStatus.APPROVED


def test_who_entered_a_record_by_hand_is_barred(event, volunteer, station_manager, second_manager):
    record = create_manual_record(
        event, volunteer, checked_in_at=at(9), checked_out_at=at(10), reason="扫码失败", by=station_manager
    )
    assert review_bar(record, station_manager) == "entered"
    assert approvers_of(record).users == [second_manager]


def test_a_one_manager_stations_correction_goes_to_its_institute(event, volunteer, station_manager, institute_manager):
    record = checked_out(event, volunteer)
    correct_record_times(record, by=station_manager, reason="忘记签退", checked_out_at=at(10, 30))
    approvers = approvers_of(record)
    assert approvers.passed_up and approvers.unit == event.unit.parent and approvers.users == [institute_manager]
    with pytest.raises(RecordError) as refused:
        approve_record(record, by=station_manager)
    assert refused.value.code == "self_review"
    approve_record(record, by=institute_manager)
    record.refresh_from_db()
    assert record.status == RecordStatus.APPROVED and record.reviewed_by == institute_manager


def test_without_an_institute_manager_it_goes_to_the_center_then_to_the_administrators(
    event, volunteer, station_manager, center_manager, admin_user
):
    record = checked_out(event, volunteer)
    correct_record_times(record, by=station_manager, reason="忘记签退", checked_out_at=at(10, 30))
    approvers = approvers_of(record)
    assert approvers.unit == event.unit.parent.parent and approvers.users == [center_manager]
    correct_record_times(record, by=center_manager, reason="再核实", checked_out_at=at(10, 45))
    approvers = approvers_of(record)
    assert approvers.unit is None and approvers.users == [admin_user]


def test_a_manager_who_served_is_not_named_and_inactive_managers_are_not_named(
    django_user_model, tree, station_manager, second_manager
):
    event = make_event(tree["S1"])
    serving = make_volunteer(tree["S1"], "兼任志愿者")
    serving.user.unit_roles.create(unit=tree["S1"])
    second_manager.is_active = False
    second_manager.save(update_fields=["is_active"])
    record = checked_out(event, serving)
    assert approvers_of(record).users == [station_manager]


def test_a_correction_by_the_institute_is_approved_by_the_station(event, volunteer, station_manager, institute_manager):
    record = checked_out(event, volunteer)
    correct_record_times(record, by=institute_manager, reason="核对签到表", checked_out_at=at(10, 30))
    assert review_bar(record, institute_manager) == "corrected" and review_bar(record, station_manager) is None
    assert approvers_of(record).users == [station_manager]
