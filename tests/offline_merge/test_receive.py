"""Uploads of offline scans, one rule at a time: duplicates, counters, clocks, cards, walk-ins,
accepted conflicts, scans uploaded late, records other paths made, and queries per batch."""

import datetime
from dataclasses import replace
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from events.models import (
    Method,
    OfflineResolution,
    OfflineScan,
    OfflineScanOutcome,
    RecordChange,
    RecordStatus,
    ServiceRecord,
    Signup,
    SignupStatus,
    VolunteerCard,
)
from events.offline_codes import current_key, make_card_code, make_phone_code
from events.offline_merge import IncomingScan, merge, note_clock, receive
from events.services import check_in_volunteer_code
from tests.offline_merge.scan_log import UPLOADS_FROM, at, build_world

NOW = UPLOADS_FROM


@pytest.fixture
def world(db):
    with time_machine.travel(at(8), tick=False):
        yield build_world(volunteers=4, devices=2)


class Scanner:
    """A device's queue: scans numbered as the phone numbers them, sent with its clock ``skew`` ahead."""

    def __init__(self, world, device: int = 0, skew: datetime.timedelta = datetime.timedelta()):
        self.world, self.device, self.skew, self.counter = world, world.devices[device], skew, 0

    def scan(self, volunteer: int, event: int, action: str, moment, *, walk_in=False, code=None) -> IncomingScan:
        self.counter += 1
        volunteer_id = self.world.volunteers[volunteer].pk
        return IncomingScan(
            nonce=f"n{self.device.pk}x{self.counter:06d}",
            counter=self.counter,
            event_id=self.world.events[event].pk,
            code=code or make_phone_code(volunteer_id, moment),
            action=action,
            walk_in=walk_in,
            device_time=moment + self.skew,
        )

    def send(self, scans: list[IncomingScan], now=NOW):
        return receive(self.device, scans, by=self.world.manager, sent_at=now + self.skew, now=now)


def record_of(world, event: int, volunteer: int) -> ServiceRecord | None:
    return ServiceRecord.objects.filter(event=world.events[event], volunteer=world.volunteers[volunteer]).first()


def test_a_resent_batch_is_stored_once_and_changes_nothing(world):
    scanner = Scanner(world)
    batch = [scanner.scan(0, 1, "in", at(10, 5)), scanner.scan(0, 1, "out", at(11, 50))]
    first = scanner.send(batch)
    again = scanner.send(batch, now=NOW + datetime.timedelta(minutes=1))
    assert (first.stored, first.duplicates, again.stored, again.duplicates) == (2, 0, 0, 2)
    assert [scan.outcome for scan in again.scans] == [OfflineScanOutcome.APPLIED] * 2
    record = record_of(world, 1, 0)
    assert (record.method, record.checked_in_at, record.checked_out_at) == (Method.OFFLINE_QR, at(10, 5), at(11, 50))
    assert (record.credited_hours, record.status) == (Decimal("1.75"), RecordStatus.APPROVED)
    assert OfflineScan.objects.count() == 2
    assert record.history.filter(action="check_out").count() == 1


def test_a_counter_used_again_under_a_new_nonce_is_a_conflict_not_a_crash(world):
    scanner = Scanner(world)
    scanner.send([scanner.scan(0, 1, "in", at(10, 5))])
    scanner.counter = 0  # the phone's storage was cleared: it numbers from 1 again, with new nonces
    result = scanner.send([replace(scanner.scan(1, 1, "in", at(10, 6)), nonce="after-a-wipe-1")])
    assert result.stored + result.duplicates <= 1
    assert (result.scans[0].outcome, result.scans[0].reason) == (OfflineScanOutcome.CONFLICT, "counter_reused")
    assert record_of(world, 1, 1) is None


def test_a_clock_beyond_the_bound_makes_conflicts_kept_with_their_estimated_time(world, settings):
    settings.OFFLINE_CLOCK_BOUND_SECONDS = 600
    scanner = Scanner(world, skew=datetime.timedelta(minutes=11))
    result = scanner.send([scanner.scan(0, 1, "in", at(10, 5))])
    scan = result.scans[0]
    assert (scan.outcome, scan.reason, scan.record) == (OfflineScanOutcome.CONFLICT, "clock_skew", None)
    assert scan.scanned_at == at(10, 5) and result.clock_offset_ms == -660_000
    world.devices[0].refresh_from_db()
    assert (world.devices[0].clock_offset_ms, world.devices[0].last_seen_at) == (-660_000, NOW)
    assert record_of(world, 1, 0) is None


def test_a_clock_within_the_bound_is_corrected(world):
    scanner = Scanner(world, skew=datetime.timedelta(minutes=-9, seconds=-30))
    result = scanner.send([scanner.scan(0, 1, "in", at(10, 5))])
    assert result.scans[0].scanned_at == at(10, 5) and result.scans[0].device_time == at(9, 55) + datetime.timedelta(
        seconds=30
    )
    assert record_of(world, 1, 0).checked_in_at == at(10, 5)


def test_the_clock_estimate_keeps_the_sample_with_the_least_network_delay(world):
    device = world.devices[0]
    note_clock(device, NOW, NOW + datetime.timedelta(seconds=3))  # 3 s on the way
    note_clock(device, NOW, NOW + datetime.timedelta(seconds=1))
    note_clock(device, NOW + datetime.timedelta(seconds=2), NOW + datetime.timedelta(seconds=6))
    assert device.clock_offset_ms == 1000
    note_clock(device, NOW, NOW + datetime.timedelta(minutes=2))  # set back two minutes by hand meanwhile
    assert device.clock_offset_ms == 120_000
    note_clock(device, NOW, NOW + datetime.timedelta(seconds=1))
    later = NOW + datetime.timedelta(hours=1)
    note_clock(device, later, later + datetime.timedelta(seconds=5))  # the phone's clock was reset since
    device.refresh_from_db()
    assert device.clock_offset_ms == 5000 and device.last_seen_at == later + datetime.timedelta(seconds=5)


def test_codes_are_judged_at_the_scan_time(world):
    volunteer = world.volunteers[0]
    generation = current_key().generation
    card = VolunteerCard.objects.create(volunteer=volunteer, serial=1, generation=generation)
    lost = VolunteerCard.objects.create(
        volunteer=world.volunteers[1], serial=1, generation=generation, revoked_at=at(9)
    )
    scanner = Scanner(world)
    result = scanner.send(
        [
            scanner.scan(0, 1, "in", at(10, 5), code=make_card_code(volunteer.pk, card.serial, generation)),
            scanner.scan(1, 1, "in", at(10, 6), code=make_card_code(lost.volunteer_id, lost.serial, generation)),
            scanner.scan(2, 1, "in", at(10, 7), code=make_phone_code(world.volunteers[2].pk, at(9, 50))),
            scanner.scan(3, 1, "in", at(10, 8), code="P1.not-a-code"),
        ]
    )
    assert [(s.outcome, s.reason) for s in result.scans] == [
        (OfflineScanOutcome.APPLIED, ""),
        (OfflineScanOutcome.CONFLICT, "card_revoked"),
        (OfflineScanOutcome.CONFLICT, "token_expired"),
        (OfflineScanOutcome.CONFLICT, "token_invalid"),
    ]
    assert result.scans[3].volunteer is None and result.scans[1].volunteer == world.volunteers[1]


def test_a_card_revoked_after_the_scan_still_counts_the_scan(world):
    generation = current_key().generation
    volunteer = world.volunteers[0]
    VolunteerCard.objects.create(volunteer=volunteer, serial=1, generation=generation, revoked_at=at(12))
    scanner = Scanner(world)
    result = scanner.send([scanner.scan(0, 1, "in", at(10, 5), code=make_card_code(volunteer.pk, 1, generation))])
    assert result.scans[0].outcome == OfflineScanOutcome.APPLIED


def test_a_walk_in_takes_a_confirmed_place_as_online_until_the_places_run_out(world):
    event = world.events[2]
    event.capacity = 3  # two places are taken by sign-ups
    event.save(update_fields=["capacity"])
    first, second = Scanner(world, 0), Scanner(world, 1)
    # The later walk-in is uploaded first; the earlier one still gets the last place.
    late = second.send([second.scan(3, 2, "in", at(12, 40), walk_in=True)])
    assert late.scans[0].outcome == OfflineScanOutcome.APPLIED
    early = first.send([first.scan(2, 2, "in", at(12, 35), walk_in=True)])
    assert early.scans[0].outcome == OfflineScanOutcome.APPLIED
    late_scan = OfflineScan.objects.get(pk=late.scans[0].pk)
    assert (late_scan.outcome, late_scan.reason, late_scan.record) == (OfflineScanOutcome.CONFLICT, "event_full", None)
    places = Signup.objects.filter(event=event, status=SignupStatus.CONFIRMED)
    assert set(places.values_list("volunteer_id", flat=True)) == {v.pk for v in world.volunteers[:3]}
    walk_in = places.get(volunteer=world.volunteers[2])
    assert walk_in.queued_at == walk_in.risk_acknowledged_at == at(12, 35)
    assert record_of(world, 2, 3) is None and record_of(world, 2, 2).checked_in_at == at(12, 35)


def test_an_accepted_conflict_is_merged_past_its_rule_and_waits_for_approval(world):
    scanner = Scanner(world)
    # Event 0 needs a sign-up; volunteer 3 has none. Event 1 would approve at check-out, but 0 reviews anyway.
    result = scanner.send([scanner.scan(3, 0, "in", at(9, 5)), scanner.scan(3, 0, "out", at(10, 55))])
    assert [(s.outcome, s.reason) for s in result.scans] == [
        (OfflineScanOutcome.CONFLICT, "not_signed_up"),
        (OfflineScanOutcome.CONFLICT, "not_checked_in"),
    ]
    accepted = result.scans[0]
    accepted.forced, accepted.resolution = True, OfflineResolution.ACCEPTED
    accepted.save(update_fields=["forced", "resolution"])
    merge({accepted.volunteer_id}, now=NOW)
    record = record_of(world, 0, 3)
    assert (record.checked_in_at, record.checked_out_at, record.status) == (at(9, 5), at(10, 55), RecordStatus.PENDING)
    assert set(OfflineScan.objects.values_list("outcome", flat=True)) == {OfflineScanOutcome.APPLIED}
    assert not Signup.objects.filter(event=world.events[0], volunteer=world.volunteers[3]).exists()


def test_an_accepted_auto_approved_event_record_still_waits_for_a_person(world):
    scanner = Scanner(world)
    result = scanner.send([scanner.scan(0, 1, "in", at(8, 0)), scanner.scan(0, 1, "out", at(11, 0))])
    assert result.scans[0].reason == "event_not_open"  # check-in opens at 09:30
    accepted = result.scans[0]
    accepted.forced, accepted.resolution = True, OfflineResolution.ACCEPTED
    accepted.save(update_fields=["forced", "resolution"])
    merge({accepted.volunteer_id}, now=NOW)
    assert record_of(world, 1, 0).status == RecordStatus.PENDING  # event 1 approves at check-out otherwise


def test_an_earlier_scan_uploaded_later_takes_the_place_of_what_it_precedes(world):
    first, second = Scanner(world, 0), Scanner(world, 1)
    first.send([first.scan(0, 1, "in", at(10, 10)), first.scan(0, 1, "out", at(11, 0))])
    assert record_of(world, 1, 0).history.count() == 1
    # Scanned at 09:30 at the overlapping event 0 on the other phone, uploaded only now.
    second.send([second.scan(0, 0, "in", at(9, 30))])
    assert record_of(world, 1, 0) is None
    assert record_of(world, 0, 0).checked_in_at == at(9, 30)
    refusals = OfflineScan.objects.filter(event=world.events[1]).order_by("counter")
    assert list(refusals.values_list("reason", flat=True)) == ["overlapping", "not_checked_in"]
    assert not RecordChange.objects.filter(record__event=world.events[1]).exists()


def test_an_offline_check_out_closes_a_record_made_online(world):
    volunteer = world.volunteers[0]
    check_in_volunteer_code(world.events[1], make_phone_code(volunteer.pk, at(10)), "in", by=world.manager, at=at(10))
    scanner = Scanner(world)
    result = scanner.send([scanner.scan(0, 1, "out", at(11, 30)), scanner.scan(0, 1, "in", at(11, 31))])
    assert [s.outcome for s in result.scans] == [OfflineScanOutcome.APPLIED, OfflineScanOutcome.NO_EFFECT]
    record = record_of(world, 1, 0)
    assert (record.method, record.checked_out_at, record.credited_hours) == (Method.VOLUNTEER_QR, at(11, 30), 1.5)
    assert result.scans[0].record == record and record.history.get().action == "check_out"


def test_a_record_a_person_reviewed_is_not_checked_out_again(world):
    scanner = Scanner(world)
    scanner.send([scanner.scan(0, 0, "in", at(9, 0)), scanner.scan(0, 0, "out", at(10, 0))])
    record = record_of(world, 0, 0)
    record.status, record.reviewed_by = RecordStatus.APPROVED, world.manager
    record.save(update_fields=["status", "reviewed_by"])
    result = scanner.send([scanner.scan(0, 0, "out", at(11, 0))])
    assert (result.scans[0].outcome, result.scans[0].reason) == (OfflineScanOutcome.CONFLICT, "already_reviewed")
    record.refresh_from_db()
    assert record.checked_out_at == at(10, 0)


def queries_for(world, volunteers: int, device: int) -> int:
    """Statements of one upload of five scans per volunteer (in, out, in again, out, out again)."""
    scanner = Scanner(world, device)
    batch = []
    for volunteer in range(volunteers):
        for action, minute in (("in", 5), ("out", 30), ("in", 31), ("out", 40), ("out", 50)):
            batch.append(scanner.scan(volunteer, 1, action, at(10, minute)))
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        result = scanner.send(batch)
        transaction.set_rollback(True)
    assert result.stored == len(batch)
    assert [s.reason for s in result.scans if s.outcome == OfflineScanOutcome.CONFLICT] == []
    return len(queries)


@pytest.fixture
def crowd(db):
    with time_machine.travel(at(8), tick=False):
        yield build_world(volunteers=40, devices=2)


def test_an_upload_costs_the_same_statements_for_10_scans_as_for_200(crowd, monkeypatch):
    if connection.vendor == "sqlite":
        # Django assumes SQLite's old limit of 999 parameters a statement and splits bulk writes by it;
        # this SQLite takes far more, so one statement per bulk write, as on PostgreSQL.
        from sqlite3 import SQLITE_LIMIT_VARIABLE_NUMBER

        limit = connection.connection.getlimit(SQLITE_LIMIT_VARIABLE_NUMBER)
        monkeypatch.setattr(connection.features, "max_query_params", limit)
    assert queries_for(crowd, 2, 0) == queries_for(crowd, 40, 1)
