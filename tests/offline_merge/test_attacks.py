"""A malicious manager's uploads: scan times made up for the past or the future, replays across
devices and within one upload, and merges that would take hours out from under what rests on them."""

import datetime
import time
from decimal import Decimal

from events import offline_merge
from events.card_services import issue_card
from events.models import OfflineScan, OfflineScanOutcome, RecordChange, RecordStatus, ServiceRecord
from events.offline_codes import card_code
from events.offline_merge import LATE_UPLOAD, IncomingScan
from events.services import excluded_reviewers, review_bar
from events.signals import hours_changed
from tests.offline_merge.scan_log import at
from tests.offline_merge.test_receive import NOW, Scanner, record_of
from tests.offline_merge.test_receive import world as world

DAYS_LATER = NOW + datetime.timedelta(days=3)


# Backdating ------------------------------------------------------------------------------------


def test_a_scan_uploaded_days_after_its_time_waits_for_another_person(world, settings):
    settings.OFFLINE_LATE_UPLOAD_HOURS = 24
    scanner = Scanner(world)
    # The card the manager printed never expires. The device's clock and its sent_at agree
    # (offset 0), and it claims scans three days back.
    card = card_code(issue_card(world.volunteers[0], by=world.manager))
    batch = [scanner.scan(0, 1, "in", at(10, 5), code=card), scanner.scan(0, 1, "out", at(11, 50), code=card)]
    result = scanner.send(batch, now=DAYS_LATER)
    assert [scan.outcome for scan in result.scans] == [OfflineScanOutcome.APPLIED] * 2
    record = record_of(world, 1, 0)
    # Event 1 approves at check-out online; from a late upload it waits, as a manual record does.
    assert (record.status, record.credited_hours) == (RecordStatus.PENDING, 1.75)
    late = record.history.get(action=LATE_UPLOAD)
    assert late.changed_by == world.manager
    # Resent, or merged again by another upload: the history says it once.
    scanner.send(batch, now=DAYS_LATER + datetime.timedelta(minutes=5))
    assert record.history.filter(action=LATE_UPLOAD).count() == 1


def test_a_late_check_out_of_a_timely_record_makes_it_wait_too(world, settings):
    settings.OFFLINE_LATE_UPLOAD_HOURS = 24
    first, second = Scanner(world, 0), Scanner(world, 1)
    first.send([first.scan(0, 1, "in", at(10, 5)), first.scan(0, 1, "out", at(10, 30))])
    assert record_of(world, 1, 0).status == RecordStatus.APPROVED
    # Days later another phone says the volunteer left at 11:55: hours only a second person grants.
    second.send([second.scan(0, 1, "out", at(11, 55))], now=DAYS_LATER)
    record = record_of(world, 1, 0)
    assert (record.checked_out_at, record.status) == (at(11, 55), RecordStatus.PENDING)
    assert list(record.history.filter(action=LATE_UPLOAD).values_list("changed_by", flat=True)) == [world.manager.pk]


def test_a_late_scan_does_not_take_the_place_of_attendance_uploaded_in_time(world, settings):
    settings.OFFLINE_LATE_UPLOAD_HOURS = 24
    first, second = Scanner(world, 0), Scanner(world, 1)
    first.send([first.scan(0, 1, "in", at(10, 10)), first.scan(0, 1, "out", at(11, 0))])
    # Days later, a scan at the overlapping event 0 made up for 09:30 would take event 1's place online.
    result = second.send([second.scan(0, 0, "in", at(9, 30))], now=DAYS_LATER)
    assert (result.scans[0].outcome, result.scans[0].reason) == (OfflineScanOutcome.CONFLICT, "overlapping")
    record = record_of(world, 1, 0)
    assert (record.checked_out_at, record.status) == (at(11, 0), RecordStatus.APPROVED)
    assert record_of(world, 0, 0) is None


def test_a_late_upload_row_does_not_make_the_record_a_persons_work(world, settings):
    # The row bars the scanner from approving; the record is still the scans' own, and a later
    # earlier scan may still take its place as online.
    settings.OFFLINE_LATE_UPLOAD_HOURS = 24
    first, second = Scanner(world, 0), Scanner(world, 1)
    first.send([first.scan(0, 1, "in", at(10, 10)), first.scan(0, 1, "out", at(11, 0))], now=DAYS_LATER)
    second.send([second.scan(0, 0, "in", at(9, 30))], now=DAYS_LATER)
    assert record_of(world, 1, 0) is None


def test_an_upload_the_same_evening_is_approved_as_online(world, settings):
    settings.OFFLINE_LATE_UPLOAD_HOURS = 24
    scanner = Scanner(world)
    scanner.send([scanner.scan(0, 1, "in", at(10, 5)), scanner.scan(0, 1, "out", at(11, 50))])
    record = record_of(world, 1, 0)
    assert record.status == RecordStatus.APPROVED
    assert not record.history.filter(action=LATE_UPLOAD).exists()


def test_the_scanner_of_a_late_upload_may_not_approve_it(world, settings):
    settings.OFFLINE_LATE_UPLOAD_HOURS = 24
    scanner = Scanner(world)
    scanner.send([scanner.scan(0, 1, "in", at(10, 5)), scanner.scan(0, 1, "out", at(11, 50))], now=DAYS_LATER)
    record = record_of(world, 1, 0)
    assert review_bar(record, world.manager) == "scanned_late"
    assert world.manager.pk in excluded_reviewers(record)


# The future ------------------------------------------------------------------------------------


def test_a_scan_claimed_after_the_upload_was_sent_is_a_clock_conflict(world):
    scanner = Scanner(world)
    # Within the clock bound, but nine minutes after the device's own sent_at.
    result = scanner.send([scanner.scan(0, 1, "in", NOW + datetime.timedelta(minutes=9))])
    scan = result.scans[0]
    assert (scan.outcome, scan.reason) == (OfflineScanOutcome.CONFLICT, "clock_skew")
    assert scan.scanned_at == NOW  # an accepted one would still not be in the future
    assert not ServiceRecord.objects.exists()


def test_a_scan_a_moment_after_sent_at_is_put_at_the_arrival(world):
    scanner = Scanner(world)
    result = scanner.send([scanner.scan(0, 1, "in", NOW + datetime.timedelta(seconds=3))])
    assert result.scans[0].scanned_at == NOW
    assert result.scans[0].reason != "clock_skew"


# Replays ---------------------------------------------------------------------------------------


def test_one_nonce_on_two_devices_is_two_scans_of_one_attendance(world):
    first, second = Scanner(world, 0), Scanner(world, 1)
    # The first phone's queue copied onto the second: the same nonce, counter and time.
    scan = first.scan(0, 1, "in", at(10, 5))
    first.send([scan])
    result = second.send([scan])
    assert (result.stored, result.scans[0].outcome, result.scans[0].reason) == (1, OfflineScanOutcome.NO_EFFECT, "")
    assert ServiceRecord.objects.get().checked_in_at == at(10, 5)


def test_a_counter_going_backwards_orders_by_time_not_by_counter(world):
    scanner = Scanner(world)
    late_in, early_out = scanner.scan(0, 1, "in", at(10, 5)), scanner.scan(0, 1, "out", at(11, 0))
    # The phone numbers the check-out 1 and the check-in 2: the scan times still order them.
    swapped = [
        IncomingScan(**{**late_in.__dict__, "counter": early_out.counter}),
        IncomingScan(**{**early_out.__dict__, "counter": late_in.counter}),
    ]
    result = scanner.send(swapped)
    assert [s.outcome for s in result.scans] == [OfflineScanOutcome.APPLIED] * 2
    assert record_of(world, 1, 0).checked_out_at == at(11, 0)


def test_a_thousand_copies_of_one_scan_in_one_upload_are_one_scan(world):
    scanner = Scanner(world)
    scan = scanner.scan(0, 1, "in", at(10, 5))
    started = time.process_time()
    result = scanner.send([scan] * 1000)
    assert (result.stored, result.duplicates, len(result.scans)) == (1, 999, 1)
    # New nonces reusing the one counter: each kept for review as a conflict, none merged, no crash.
    reused = [IncomingScan(**{**scan.__dict__, "nonce": f"copy{i:06d}"}) for i in range(1000)]
    again = scanner.send(reused)
    assert {(s.outcome, s.reason) for s in again.scans} == {(OfflineScanOutcome.CONFLICT, "counter_reused")}
    assert ServiceRecord.objects.count() == 1
    assert time.process_time() - started < 20


# What rests on records -------------------------------------------------------------------------


def test_an_approved_record_the_merge_takes_away_leaves_the_statistics(world):
    told = []

    def listen(sender, records, before, **kwargs):
        told.append((list(records), list(before)))

    hours_changed.connect(listen, dispatch_uid="test-offline-gone")
    try:
        first, second = Scanner(world, 0), Scanner(world, 1)
        first.send([first.scan(0, 1, "in", at(10, 10)), first.scan(0, 1, "out", at(11, 0))])
        assert record_of(world, 1, 0).status == RecordStatus.APPROVED
        told.clear()
        second.send([second.scan(0, 0, "in", at(9, 30))])
    finally:
        hours_changed.disconnect(dispatch_uid="test-offline-gone")
    assert record_of(world, 1, 0) is None
    taken_out = [item for _, before in told for item in before if item is not None]
    assert [(item.volunteer_id, item.hours) for item in taken_out] == [(world.volunteers[0].pk, Decimal("0.83"))]


def test_a_record_points_were_paid_for_is_never_taken_away(world, monkeypatch):
    first, second = Scanner(world, 0), Scanner(world, 1)
    first.send([first.scan(0, 1, "in", at(10, 10)), first.scan(0, 1, "out", at(11, 0))])
    record = record_of(world, 1, 0)
    # Whatever PROTECTs a record (a points transfer, a certificate) keeps it: stand in for one.
    monkeypatch.setattr(offline_merge, "_protected", lambda ids: set(ids))
    second.send([second.scan(0, 0, "in", at(9, 30))])
    assert ServiceRecord.objects.filter(pk=record.pk).exists()
    assert OfflineScan.objects.get(device=world.devices[1]).reason == "overlapping"
    assert not RecordChange.objects.filter(record__event=world.events[0]).exists()


def test_the_late_bound_is_the_setting(world, settings):
    settings.OFFLINE_LATE_UPLOAD_HOURS = 1
    scanner = Scanner(world)
    # NOW is 23:00: a scan at 10:05 is thirteen hours old.
    scanner.send([scanner.scan(0, 1, "in", at(10, 5)), scanner.scan(0, 1, "out", at(11, 50))])
    assert record_of(world, 1, 0).status == RecordStatus.PENDING
