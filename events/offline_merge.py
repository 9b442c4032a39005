"""The merge engine of offline scanning: uploaded scans become attendance exactly as online scans would.

Online truth is ``events.services.record_scan`` applied to each scan in time order. A scanner that
was offline uploads its scans later, in any order, perhaps twice, perhaps cut mid-way; its clock
may be off. So the server keeps every scan once per (device, nonce) as it happened (``OfflineScan``),
puts it on the server's clock, and then rebuilds, for each volunteer touched, the attendance all
their offline scans imply: it replays them in (scanned_at, device, counter) order against an
in-memory model of record_scan's rules, with the records other paths made (online scans, manual
records, anything a person reviewed or corrected) standing as they are. The records only offline
scans made are derived data: created, updated or deleted to match the replay. Whatever an online
scan would have refused is a CONFLICT with the refusal's code, kept for a second person's review
and never credited; a reviewer's acceptance (``forced``) lets the scan past the one rule it broke,
and its record then waits for approval.

Every step works on whole batches — a fixed number of queries per upload, however many scans.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Count, Q

from accounts.models import User
from events.checkin_codes import CodeError
from events.choices import ChangeAction, ScanAction
from events.models import (
    CardKey,
    Event,
    Method,
    OfflineResolution,
    OfflineScan,
    OfflineScanOutcome,
    RecordChange,
    RecordStatus,
    ScannerDevice,
    ServiceRecord,
    Signup,
    SignupStatus,
    VolunteerCard,
)
from events.offline_codes import PersonalCode, parse, verify
from events.services import SHAPING_ACTIONS, _claimed_until, _hours_changed, _jsonable, _old_enough
from events.signals import Counted, counted
from volunteers.models import Team, Volunteer, VolunteerStatus

# A device that reused a counter under a new nonce: its storage was wiped or it is not a real
# scanner. The scan is kept for review; the counter no longer orders it reliably.
COUNTER_REUSED = "counter_reused"
# Refusals decided once, when the scan arrives; the replay never changes them (unless accepted).
ARRIVAL_REASONS = frozenset({"token_invalid", "token_expired", "card_revoked", "clock_skew", COUNTER_REUSED})
# Rules an accepted conflict still obeys: nothing to check out, and (held by PostgreSQL's
# record_no_overlap_per_volunteer) no two records of a volunteer covering the same moment.
NEVER_SKIPPED = frozenset({"not_checked_in", "overlapping"})
# Samples of a device's clock taken this close together measure the same offset; the smallest
# has the least network delay in it (see note_clock).
CLOCK_SAMPLE_WINDOW = datetime.timedelta(minutes=10)
# Beyond this, two samples differ because the clock changed, not because one message was slower.
MAX_NETWORK_DELAY_MS = 30_000
# A scan the device says it made after it sent the upload carrying it (a clock stepped back by
# a moment between the two) is put at the upload's arrival; more than this is a fabricated time.
FUTURE_SLACK = datetime.timedelta(seconds=5)
# Backdating without four eyes. A scanner sets both its scan times and its sent_at, and a
# manager holds every printed card's code, so offline a manager could claim attendance at any
# past event of theirs, approved by nobody else. Online a scan happens at the server's now, and
# a record typed in for the past (create_manual_record) waits for a second person. So a scan
# uploaded later than settings.OFFLINE_LATE_UPLOAD_HOURS after its (corrected) scan time makes
# its record PENDING, whatever the event, and its history gains a LATE_UPLOAD row by the
# scanning manager, a shaping action (events.services.SHAPING_ACTIONS) that bars them from
# approving it; and the merge replays late scans after all timely ones, so a made-up past scan
# never takes the place of attendance uploaded in time (it is refused as overlapping, for
# review). A normal upload, when the network returns the same day, changes nothing.
LATE_UPLOAD = ChangeAction.LATE_UPLOAD
# What online check-out logs (events.services._check_out), so the history reads the same.
CHECK_OUT_FIELDS = ["checked_out_at", "credited_hours", "status", "flag", "reviewed_at"]
RECORD_FIELDS = [*CHECK_OUT_FIELDS, "checked_in_at", "created_by", "client_time", "updated_at"]


@dataclass(frozen=True)
class IncomingScan:
    """One scan as the device sent it (validated by the API: lengths, types, bounds)."""

    nonce: str  # 8..32 chars [A-Za-z0-9_-], unique per device
    counter: int  # per device, increasing in scan order on the device, >= 1
    event_id: int
    code: str  # the personal code text as scanned (<= 200 chars)
    action: str  # ScanAction value
    walk_in: bool
    device_time: datetime.datetime  # aware: the device's clock at the scan


@dataclass
class UploadResult:
    stored: int  # new rows
    duplicates: int  # nonces already stored (resent after a cut): ignored, never counted twice
    scans: list[OfflineScan]  # this batch's rows (old and new) with their outcome after the merge
    clock_offset_ms: int | None


# Clocks --------------------------------------------------------------------------------------


def note_clock(device: ScannerDevice, device_time: datetime.datetime, server_time: datetime.datetime) -> None:
    """Take one sample of the device's clock offset (server − device) at a contact, and save it.

    A sample is the true offset plus the time the message spent on the network, which is never
    negative and on one bar of signal may be seconds. So among samples close together the
    smallest is the best (the NTP minimum filter). An older estimate, or one further from the
    new sample than any network delay explains, gives way to the new sample: phone clocks
    drift, and get reset by the user or the network.
    """
    sample = round((server_time - device_time).total_seconds() * 1000)
    previous, seen = device.clock_offset_ms, device.last_seen_at
    same_clock = (
        previous is not None
        and seen is not None
        and server_time - seen <= CLOCK_SAMPLE_WINDOW
        and abs(sample - previous) <= MAX_NETWORK_DELAY_MS
    )
    device.clock_offset_ms = min(previous, sample) if same_clock and previous is not None else sample
    device.last_seen_at = server_time
    device.save(update_fields=["clock_offset_ms", "last_seen_at"])


def _within_bound(offset_ms: int) -> bool:
    return abs(offset_ms) <= settings.OFFLINE_CLOCK_BOUND_SECONDS * 1000


# Receiving an upload -----------------------------------------------------------------------


@transaction.atomic
def receive(
    device: ScannerDevice,
    scans: list[IncomingScan],
    *,
    by: User,
    sent_at: datetime.datetime,
    now: datetime.datetime,
) -> UploadResult:
    """Store an upload's new scans once each, judge what can be judged on arrival, and merge.

    The caller (the API) has authenticated the device (not revoked), checked that every scan's
    event is in the device's subtree and that ``by`` may scan there. The device's row is locked,
    so two uploads of one device (a resend racing the original) are handled one after the other.
    """
    device = ScannerDevice.objects.select_for_update().get(pk=device.pk)
    note_clock(device, sent_at, now)
    offset_ms = device.clock_offset_ms or 0
    nonces = [scan.nonce for scan in scans]
    existing = OfflineScan.objects.filter(device=device).filter(
        Q(nonce__in=nonces) | Q(counter__in=[scan.counter for scan in scans])
    )
    known_nonces: set[str] = set()
    used_counters: set[int] = set()
    for nonce, counter in existing.values_list("nonce", "counter"):
        known_nonces.add(nonce)
        used_counters.add(counter)
    fresh: list[IncomingScan] = []
    duplicates = 0
    for scan in scans:
        if scan.nonce in known_nonces:
            duplicates += 1
            continue
        known_nonces.add(scan.nonce)
        fresh.append(scan)
    judged = _judge_codes(fresh, offset_ms)
    rows = []
    for scan in fresh:
        volunteer_id, reason = judged[scan.nonce]
        if scan.counter in used_counters:
            reason = COUNTER_REUSED
        used_counters.add(scan.counter)
        if not reason and not _within_bound(offset_ms):
            reason = "clock_skew"
        scanned_at = scan.device_time + datetime.timedelta(milliseconds=offset_ms)
        if not reason and scanned_at > now + FUTURE_SLACK:
            # Online a scan is never later than the server's now; this one claims to be.
            reason = "clock_skew"
        rows.append(
            OfflineScan(
                device=device,
                nonce=scan.nonce,
                counter=scan.counter,
                event_id=scan.event_id,
                volunteer_id=volunteer_id,
                code=scan.code,
                action=scan.action,
                walk_in=scan.walk_in,
                device_time=scan.device_time,
                # Kept even beyond the bound: the best guess a reviewer accepting the scan goes by.
                # Never after its arrival, so not even an accepted scan makes a record in the future.
                scanned_at=min(scanned_at, now),
                uploaded_at=now,
                scanned_by=by,
                outcome=OfflineScanOutcome.CONFLICT if reason else OfflineScanOutcome.PENDING,
                reason=reason,
            )
        )
    # ignore_conflicts: a counter another nonce holds cannot be stored while the database keeps
    # (device, counter) unique; the scan is then answered as a conflict without a row.
    OfflineScan.objects.bulk_create(rows, ignore_conflicts=True)
    merge({row.volunteer_id for row in rows if row.volunteer_id is not None and not row.reason}, now=now)
    stored_rows = {row.nonce: row for row in OfflineScan.objects.filter(device=device, nonce__in=nonces)}
    unstored = {row.nonce: row for row in rows if row.nonce not in stored_rows}
    ordered = list(dict.fromkeys(nonces))
    return UploadResult(
        stored=len(rows) - len(unstored),
        duplicates=duplicates,
        scans=[stored_rows.get(nonce) or unstored[nonce] for nonce in ordered],
        clock_offset_ms=device.clock_offset_ms,
    )


def _judge_codes(scans: list[IncomingScan], offset_ms: int) -> dict[str, tuple[int | None, str]]:
    """Nonce → (volunteer id or None, refusal code or "") for each scan's personal code.

    The same checks as events.offline_codes.read_personal_code, in three queries for the whole
    batch, at the scan's own time: a phone code's window is judged when it was shown, and a card
    counts as revoked from its revocation on (a scan before it was a valid scan).
    """
    parsed: dict[str, PersonalCode] = {}
    judged: dict[str, tuple[int | None, str]] = {}
    for scan in scans:
        try:
            parsed[scan.nonce] = parse(scan.code)
        except CodeError as error:
            judged[scan.nonce] = (None, error.code)
    if not parsed:
        return judged
    keys = {row.generation: row for row in CardKey.objects.all()}
    volunteer_ids = set(
        Volunteer.objects.filter(pk__in={code.volunteer_id for code in parsed.values()}).values_list("pk", flat=True)
    )
    card_holders = {code.volunteer_id for code in parsed.values() if code.is_card}
    cards = {
        (volunteer_id, serial, generation): revoked_at
        for volunteer_id, serial, generation, revoked_at in VolunteerCard.objects.filter(
            volunteer_id__in=card_holders
        ).values_list("volunteer_id", "serial", "generation", "revoked_at")
    }
    active = {generation: key.public_key for generation, key in keys.items() if key.retired_at is None}
    for scan in scans:
        code = parsed.get(scan.nonce)
        if code is None:
            continue
        at = scan.device_time + datetime.timedelta(milliseconds=offset_ms)
        volunteer_id = code.volunteer_id if code.volunteer_id in volunteer_ids else None
        judged[scan.nonce] = (volunteer_id, _refusal(scan.code, code, at, keys, active, cards))
        if volunteer_id is None and not judged[scan.nonce][1]:
            judged[scan.nonce] = (None, "token_invalid")
    return judged


def _refusal(
    text: str,
    code: PersonalCode,
    at: datetime.datetime,
    keys: dict[int, CardKey],
    active: dict[int, str],
    cards: dict[tuple[int, int, int], datetime.datetime | None],
) -> str:
    try:
        retired = keys.get(code.generation)
        if code.generation not in active and code.is_card and retired is not None:
            # A genuine card of a retired generation: the manager should print a new one.
            verify(text, at, {code.generation: retired.public_key})
            return "card_revoked"
        verify(text, at, active)
    except CodeError as error:
        return error.code
    if code.is_card:
        key = (code.volunteer_id, code.serial, code.generation)
        if key not in cards:
            # Never issued, or issued under another key generation (reprinted since).
            return "card_revoked"
        revoked_at = cards[key]
        if revoked_at is not None and revoked_at <= at:
            return "card_revoked"
    return ""


# The merge -------------------------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class _World:
    """What the replay knows of the volunteers it rebuilds: loaded once, changed in memory."""

    events: dict[int, Event]
    volunteers: dict[int, Volunteer]
    crews: set[tuple[int, int]]  # (team, volunteer) pairs of the teams' members and leaders
    records: dict[tuple[int, int], ServiceRecord]  # (event, volunteer) → record as the replay has it
    by_volunteer: dict[int, list[ServiceRecord]]
    fixed: set[tuple[int, int]]  # records other paths made or a person shaped: never removed
    untouched: set[tuple[int, int]]  # no person reviewed or corrected them: a scan may check them out
    forced: set[tuple[int, int]] = field(default_factory=set)  # a reviewer let a scan past a rule here
    out_by: dict[tuple[int, int], int] = field(default_factory=dict)  # who scanned the check-out
    confirmed: set[tuple[int, int]] = field(default_factory=set)  # confirmed sign-ups (event, volunteer)
    places_taken: dict[int, int] = field(default_factory=dict)  # confirmed sign-ups per walk-in event
    walked_in: dict[tuple[int, int], datetime.datetime] = field(default_factory=dict)  # places given, when
    stored: dict[tuple[int, int], dict] = field(default_factory=dict)  # fixed records' values as loaded
    merged: dict[int, ServiceRecord | None] = field(default_factory=dict)  # scan id → its record now
    late: dict[tuple[int, int], set[int]] = field(default_factory=dict)  # who shaped it by a late upload
    late_logged: set[tuple[int, int]] = field(default_factory=set)  # (record, user) LATE_UPLOAD rows stored


def _walk_in_rivals(volunteer_ids: set[int]) -> set[int]:
    """The volunteers plus everyone who walked in offline where they did and places are counted.

    Places at an event with a capacity go to walk-ins in time order, whoever uploaded first,
    so those volunteers' scans are replayed together. (One step: a rival's own rivals at other
    events keep the places they hold.)
    """
    contested = OfflineScan.objects.filter(
        volunteer_id__in=volunteer_ids,
        walk_in=True,
        event__walk_ins_allowed=True,
        event__signup_required=True,
        event__capacity__isnull=False,
    ).values("event_id")
    rivals = OfflineScan.objects.filter(event_id__in=contested, walk_in=True, volunteer__isnull=False)
    return volunteer_ids | set(rivals.values_list("volunteer_id", flat=True).distinct())


def _protected(record_ids: set[int]) -> set[int]:
    """Records something keeps (points earned, a certificate, an evaluation, a correction request).

    Found through the model's relations rather than by importing the apps above events/.
    """
    kept: set[int] = set()
    if not record_ids:
        return kept
    for relation in ServiceRecord._meta.related_objects:
        model = relation.related_model
        if relation.on_delete is not models.PROTECT or isinstance(model, str) or model is RecordChange:
            continue
        rows = model._base_manager.filter(**{f"{relation.field.name}__in": record_ids})
        kept |= set(rows.values_list(relation.field.attname, flat=True))
    return kept


@transaction.atomic
def merge(volunteer_ids: set[int], *, now: datetime.datetime) -> None:
    """Rebuild the offline attendance of these volunteers from all their offline scans.

    Locks the volunteers' rows in id order (as record_scan and the review workflows lock a
    volunteer first), then the walk-in events whose places the replay hands out (as _walk_in).
    """
    if not volunteer_ids:
        return
    ids = _walk_in_rivals(set(volunteer_ids))
    volunteers = {v.pk: v for v in Volunteer.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    # Late scans come after all timely ones (see LATE_UPLOAD): one made up for the past cannot
    # take the place of attendance already uploaded in time; it is refused (overlapping) instead.
    scans = sorted(
        OfflineScan.objects.filter(volunteer_id__in=volunteers, scanned_at__isnull=False),
        key=lambda scan: (_is_late(scan), scan.scanned_at, scan.device_id, scan.counter, scan.pk),
    )
    stored = list(ServiceRecord.objects.filter(volunteer_id__in=volunteers))
    events = {e.pk: e for e in Event.objects.filter(pk__in={s.event_id for s in scans} | {r.event_id for r in stored})}
    walk_in_events = sorted(
        {s.event_id for s in scans if s.walk_in and events[s.event_id].walk_ins_allowed}
        & {pk for pk, e in events.items() if e.signup_required}
    )
    if walk_in_events:
        list(Event.objects.select_for_update().filter(pk__in=walk_in_events).order_by("pk").values_list("pk"))
    world = _load_world(events, volunteers, stored, walk_in_events)
    world.stored = {key: _values(record) for key, record in world.records.items() if key in world.fixed}
    owned = {key: record for key, record in world.records.items() if key not in world.fixed}
    for key in owned:
        del world.records[key]
    world.by_volunteer = defaultdict(list)
    for key, record in world.records.items():
        world.by_volunteer[key[1]].append(record)
    signups = {(s.event_id, s.volunteer_id): s for s in Signup.objects.filter(volunteer_id__in=volunteers)}
    _forget_walk_ins(world, signups, scans)
    loaded = {scan.pk: _scan_state(scan) for scan in scans}
    for scan in scans:
        _replay(world, scan)
    _write(world, owned, signups, scans, loaded, now=now)


def _load_world(
    events: dict[int, Event], volunteers: dict[int, Volunteer], stored: list[ServiceRecord], walk_in_events: list[int]
) -> _World:
    teams = {e.team_id for e in events.values() if e.team_id is not None}
    crews: set[tuple[int, int]] = set()
    if teams:
        members = Team.members.through.objects.filter(team_id__in=teams, volunteer_id__in=volunteers)
        crews |= set(members.values_list("team_id", "volunteer_id"))
        leaders = Team.objects.filter(pk__in=teams, leader_id__in=volunteers).values_list("pk", "leader_id")
        crews |= {(team, leader) for team, leader in leaders if leader is not None}
    # A late upload's row bars its scanner from approving, but the record stays the scans' own.
    by_people = [action for action in SHAPING_ACTIONS if action != LATE_UPLOAD]
    shaped = set(
        RecordChange.objects.filter(
            record__volunteer_id__in=volunteers, action__in=by_people, changed_by__isnull=False
        ).values_list("record_id", flat=True)
    )
    late_logged = set(
        RecordChange.objects.filter(
            record__volunteer_id__in=volunteers, action=LATE_UPLOAD, changed_by__isnull=False
        ).values_list("record_id", "changed_by_id")
    )
    untouched = {r.pk for r in stored if r.reviewed_by_id is None and r.pk not in shaped}
    derived = {r.pk for r in stored if r.method == Method.OFFLINE_QR and r.pk in untouched}
    derived -= _protected(derived)
    records = {}
    for record in stored:
        record.event = events[record.event_id]
        records[(record.event_id, record.volunteer_id)] = record
    places = dict(
        Signup.objects.filter(event_id__in=walk_in_events, status=SignupStatus.CONFIRMED)
        .values("event_id")
        .annotate(n=Count("pk"))
        .values_list("event_id", "n")
    )
    return _World(
        events=events,
        volunteers=volunteers,
        crews=crews,
        records=records,
        by_volunteer={},
        fixed={key for key, r in records.items() if r.pk not in derived},
        untouched={key for key, r in records.items() if r.pk in untouched},
        places_taken={pk: places.get(pk, 0) for pk in walk_in_events},
        late_logged=late_logged,
    )


def _forget_walk_ins(world: _World, signups: dict[tuple[int, int], Signup], scans: list[OfflineScan]) -> None:
    """Take out the places earlier merges gave by walk-in: the replay hands them out again.

    Such a place is what _walk_in leaves: confirmed, signed up and the risk notice taken at the
    same moment, the time of one of the volunteer's offline walk-in scans there.
    """
    walk_in_times = {(s.event_id, s.volunteer_id, s.scanned_at) for s in scans if s.walk_in}
    for key, signup in signups.items():
        if signup.status != SignupStatus.CONFIRMED:
            continue
        made_here = signup.risk_acknowledged_at == signup.queued_at and (*key, signup.queued_at) in walk_in_times
        if made_here and key[0] in world.places_taken:
            world.places_taken[key[0]] -= 1
        else:
            world.confirmed.add(key)


def _replay(world: _World, scan: OfflineScan) -> None:
    """Apply one scan to the replay's records as record_scan would, and set its outcome."""
    if scan.resolution == OfflineResolution.DISMISSED or (scan.reason in ARRIVAL_REASONS and not scan.forced):
        # A reviewer dismissed it, or it could not be judged: it stays where it is, uncredited.
        return
    skip = scan.reason if scan.forced else ""
    try:
        outcome, key = _apply(world, scan, skip=skip)
    except _Refused as refusal:
        scan.outcome, scan.reason = OfflineScanOutcome.CONFLICT, refusal.code
        world.merged[scan.pk] = None
        if scan.forced:
            # Accepted past one rule, it now breaks another: back to the review queue.
            scan.forced, scan.resolution = False, ""
    else:
        scan.outcome = outcome
        world.merged[scan.pk] = world.records[key]
        if not scan.forced:
            scan.reason = ""


def _apply(world: _World, scan: OfflineScan, *, skip: str) -> tuple[str, tuple[int, int]]:
    """record_scan's rules (events.services.record_scan, _check_in, _check_out), in memory."""

    def require(ok: bool, code: str) -> None:
        if not ok and (code != skip or code in NEVER_SKIPPED):
            raise _Refused(code)

    at, volunteer_id = scan.scanned_at, scan.volunteer_id
    if at is None or volunteer_id is None:
        # Never so: merge loads only scans of its volunteers with a time on the server's clock.
        raise _Refused("clock_skew" if at is None else "token_invalid")
    event, volunteer = world.events[scan.event_id], world.volunteers[volunteer_id]
    key = (event.pk, volunteer.pk)
    require(volunteer.status == VolunteerStatus.ACTIVE, "volunteer_suspended")
    require(event.is_open_for(scan.action, at), "event_not_open")
    record = world.records.get(key)
    if scan.action == ScanAction.IN:
        if record is not None:
            return OfflineScanOutcome.NO_EFFECT, key
        _check_in(world, scan, event, volunteer, at, require)
        return OfflineScanOutcome.APPLIED, key
    if record is None or record.checked_in_at > at:
        # Never skipped, even when accepted: there is nothing to check out. (A record another
        # path made later than this scan did not exist yet when the scan was made.)
        raise _Refused("not_checked_in")
    rescannable = record.status in (RecordStatus.OPEN, RecordStatus.PENDING, RecordStatus.APPROVED)
    # Records the merge derives are nobody's work but the scans': untouched, like those loaded so.
    untouched = key not in world.fixed or key in world.untouched
    require(record.status == RecordStatus.OPEN or (rescannable and untouched), "already_reviewed")
    require(not _overlaps(world, volunteer.pk, record.checked_in_at, at, skip_record=record), "overlapping")
    if record.checked_out_at is not None and at < record.checked_out_at and key in world.fixed:
        # Online, the later check-out already on this record came after this one and stands.
        return OfflineScanOutcome.NO_EFFECT, key
    if scan.forced:
        world.forced.add(key)
    _note_late(world, key, scan)
    record.checked_out_at = at
    record.credited_hours = event.credited_hours(record.checked_in_at, at)
    record.flag = ""
    if event.approval_required or key in world.forced or key in world.late:
        record.status, record.reviewed_at = RecordStatus.PENDING, None
    else:
        record.status, record.reviewed_at = RecordStatus.APPROVED, at
    world.out_by[key] = scan.scanned_by_id
    return OfflineScanOutcome.APPLIED, key


def _check_in(
    world: _World,
    scan: OfflineScan,
    event: Event,
    volunteer: Volunteer,
    at: datetime.datetime,
    require: Callable[[bool, str], None],
) -> None:
    key = (event.pk, volunteer.pk)
    require(_old_enough(event, volunteer), "too_young")
    signed_up = key in world.confirmed
    admitted = event.team_id is None or (event.team_id, volunteer.pk) in world.crews
    require(signed_up or admitted, "members_only")
    walks_in = False
    if event.signup_required and not signed_up:
        require(scan.walk_in and event.walk_ins_allowed, "not_signed_up")
        if scan.walk_in and event.walk_ins_allowed:
            # _walk_in: a confirmed place while places are free, never the waitlist.
            taken = world.places_taken.get(event.pk, 0)
            require(event.capacity is None or taken < event.capacity, "event_full")
            walks_in = True
    until = _claimed_until(event, at, None)
    # Refused here, online's transaction rolls the walk-in's place back: it is given only now.
    require(not _overlaps(world, volunteer.pk, at, until, skip_event=event.pk), "overlapping")
    if walks_in:
        world.confirmed.add(key)
        world.walked_in[key] = at
        world.places_taken[event.pk] = world.places_taken.get(event.pk, 0) + 1
    if scan.forced:
        world.forced.add(key)
    _note_late(world, key, scan)
    record = ServiceRecord(
        event=event,
        volunteer=volunteer,
        checked_in_at=at,
        method=Method.OFFLINE_QR,
        client_time=scan.device_time,
        created_by_id=scan.scanned_by_id,
        status=RecordStatus.OPEN,
        credited_hours=Decimal("0.00"),
    )
    world.records[key] = record
    world.by_volunteer[volunteer.pk].append(record)


def _is_late(scan: OfflineScan) -> bool:
    """Uploaded longer after its scan time than an honest scanner waits for the network."""
    late_after = datetime.timedelta(hours=settings.OFFLINE_LATE_UPLOAD_HOURS)
    return scan.scanned_at is not None and scan.uploaded_at - scan.scanned_at > late_after


def _note_late(world: _World, key: tuple[int, int], scan: OfflineScan) -> None:
    """Remember who set the record's times by a scan uploaded late (see LATE_UPLOAD)."""
    if _is_late(scan):
        world.late.setdefault(key, set()).add(scan.scanned_by_id)


def _overlaps(
    world: _World,
    volunteer_id: int,
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    skip_event: int | None = None,
    skip_record: ServiceRecord | None = None,
) -> bool:
    """ServiceRecordQuerySet.overlapping, over the replay's records of the volunteer."""
    for record in world.by_volunteer.get(volunteer_id, ()):
        if record is skip_record or record.event_id == skip_event or record.status == RecordStatus.REJECTED:
            continue
        if record.checked_in_at >= end:
            continue
        claimed = record.checked_out_at if record.checked_out_at is not None else world.events[record.event_id].ends_at
        if claimed > start:
            return True
    return False


# Writing the result ------------------------------------------------------------------------------


def _write(
    world: _World,
    owned: dict[tuple[int, int], ServiceRecord],
    signups: dict[tuple[int, int], Signup],
    scans: list[OfflineScan],
    loaded: dict[int, tuple],
    *,
    now: datetime.datetime,
) -> None:
    """Bring the database to the replay's result in bulk: records, history, places, scans, statistics."""
    gone = [record for key, record in owned.items() if key not in world.records]
    if gone:
        # Records no ordered run of the scans makes (an earlier scan, uploaded later, overlaps
        # them): their history only described what the merge had derived; the scans stay.
        # Nothing rests on them (_protected: no points paid, no certificate), but an approved
        # one is in the statistics, which must take its hours out.
        ids = [record.pk for record in gone]
        RecordChange.objects.filter(record_id__in=ids).delete()
        ServiceRecord.objects.filter(pk__in=ids).delete()
        _hours_changed([], [counted(record) for record in gone])
    created: list[ServiceRecord] = []
    updated: list[ServiceRecord] = []
    history: list[RecordChange] = []
    before: list[Counted | None] = []
    replaced: dict[int, ServiceRecord] = {}  # the replay's record (by identity) → the row it matches
    for key, record in world.records.items():
        old = owned.get(key)
        if record.pk is None and old is not None:
            # Derived again: keep the row (and its id, which history and scans point to).
            old_values = _values(old)
            was = counted(old)
            for name in ("checked_in_at", *CHECK_OUT_FIELDS, "client_time"):
                setattr(old, name, getattr(record, name))
            old.created_by_id = record.created_by_id
            world.records[key] = old
            replaced[id(record)] = old
            if _values(old) != old_values:
                old.updated_at = now
                updated.append(old)
                before.append(was)
                history.extend(_history(world, key, old, old_values))
        elif record.pk is None:
            created.append(record)
        elif key in world.fixed and _values(record) != world.stored[key]:
            old_values = world.stored[key]
            before.append(_counted_as(record, old_values))
            record.updated_at = now
            updated.append(record)
            history.extend(_history(world, key, record, old_values))
    if updated:
        # PostgreSQL holds checked-out records apart (record_no_overlap_per_volunteer, not
        # deferrable): the records that move are open for a moment, so no order of the writes
        # below meets an interval that is about to change.
        ServiceRecord.objects.filter(pk__in=[record.pk for record in updated]).update(checked_out_at=None)
    ServiceRecord.objects.bulk_create(created)
    for record in created:
        if record.checked_out_at is not None:
            empty = {"checked_out_at": None, "credited_hours": Decimal("0.00"), "status": RecordStatus.OPEN}
            history.extend(_history(world, (record.event_id, record.volunteer_id), record, {**empty, "flag": ""}))
    if updated:
        ServiceRecord.objects.bulk_update(updated, RECORD_FIELDS)
    history.extend(_late_history(world))
    RecordChange.objects.bulk_create(history)
    _write_places(world, signups, now=now)
    changed = []
    for scan in scans:
        if scan.pk not in world.merged:
            continue
        merged = world.merged[scan.pk]
        merged = replaced.get(id(merged), merged)
        scan.record_id = merged.pk if merged is not None else None
        if loaded[scan.pk] != _scan_state(scan):
            changed.append(scan)
    _update_scans(changed)
    _hours_changed([*created, *updated], before)


# Scans' outcomes in one statement per this many rows (6 parameters a row, under SQLite's 32,766).
SCAN_UPDATE_ROWS = 5000


def _update_scans(scans: list[OfflineScan]) -> None:
    """Write the scans' outcomes with one UPDATE ... FROM (VALUES ...) statement.

    Django's bulk_update builds a CASE WHEN per row and field, which for a thousand scans costs
    seconds of Python; a table of values joined on the id is the same write, in milliseconds.
    (UPDATE ... FROM: PostgreSQL, and SQLite since 3.33.)
    """
    quote = connection.ops.quote_name
    columns = ["outcome", "reason", "record_id", "forced", "resolution"]
    types = ["bigint", "varchar(10)", "varchar(30)", "bigint", "boolean", "varchar(10)"]
    row = "(" + ", ".join(f"CAST(%s AS {kind})" for kind in types) + ")"
    assignments = ", ".join(f"{quote(column)} = merged.{quote(column)}" for column in columns)
    names = ", ".join(quote(column) for column in ["id", *columns])
    table = quote(OfflineScan._meta.db_table)
    for start in range(0, len(scans), SCAN_UPDATE_ROWS):
        chunk = scans[start : start + SCAN_UPDATE_ROWS]
        params: list = []
        for scan in chunk:
            params += [scan.pk, scan.outcome, scan.reason, scan.record_id, scan.forced, scan.resolution]
        values = ", ".join([row] * len(chunk))
        # Only quoted names from the model and fixed type names are spliced in; every value is a parameter.
        sql = f"WITH merged ({names}) AS (VALUES {values}) UPDATE {table} SET {assignments} FROM merged "  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql + f"WHERE {table}.{quote('id')} = merged.{quote('id')}", params)


def _scan_state(scan: OfflineScan) -> tuple:
    return (scan.outcome, scan.reason, scan.record_id, scan.forced, scan.resolution)


def _values(record: ServiceRecord) -> dict:
    return {name: getattr(record, name) for name in ("checked_in_at", *CHECK_OUT_FIELDS, "created_by_id")}


def _counted_as(record: ServiceRecord, values: dict) -> Counted | None:
    copy = ServiceRecord(event=record.event, volunteer_id=record.volunteer_id)
    for name, value in values.items():
        setattr(copy, name, value)
    return counted(copy)


def _history(world: _World, key: tuple[int, int], record: ServiceRecord, old: dict) -> list[RecordChange]:
    """The history rows online scans would have written for this change (check-in moved, check-out)."""
    rows = []
    if "checked_in_at" in old and old["checked_in_at"] != record.checked_in_at:
        rows.append(
            RecordChange(
                record=record,
                action=ChangeAction.CHECK_IN,
                old=_jsonable({"checked_in_at": old["checked_in_at"]}),
                new=_jsonable({"checked_in_at": record.checked_in_at}),
                changed_by_id=record.created_by_id,
            )
        )
    old_out = {name: old.get(name) for name in CHECK_OUT_FIELDS}
    new_out = {name: getattr(record, name) for name in CHECK_OUT_FIELDS}
    if old_out != new_out and record.checked_out_at is not None:
        rows.append(
            RecordChange(
                record=record,
                action=ChangeAction.CHECK_OUT,
                old=_jsonable(old_out),
                new=_jsonable(new_out),
                changed_by_id=world.out_by.get(key),
            )
        )
    return rows


def _late_history(world: _World) -> list[RecordChange]:
    """A LATE_UPLOAD row per record and manager whose late scan set its times, once each."""
    rows = []
    for key, users in world.late.items():
        record = world.records[key]
        for user_id in sorted(users):
            if (record.pk, user_id) in world.late_logged:
                continue
            times = {"checked_in_at": record.checked_in_at, "checked_out_at": record.checked_out_at}
            rows.append(
                RecordChange(record=record, action=LATE_UPLOAD, old={}, new=_jsonable(times), changed_by_id=user_id)
            )
    return rows


def _write_places(world: _World, signups: dict[tuple[int, int], Signup], *, now: datetime.datetime) -> None:
    """Places given by walk-in as _walk_in/_place leave them; those no longer given are cancelled."""
    new, changed = [], []
    for key, at in world.walked_in.items():
        signup = signups.get(key)
        if signup is None:
            new.append(
                Signup(
                    event_id=key[0],
                    volunteer_id=key[1],
                    status=SignupStatus.CONFIRMED,
                    queued_at=at,
                    risk_acknowledged_at=at,
                )
            )
            continue
        state = (SignupStatus.CONFIRMED, at, at, None, None, False)
        if (
            signup.status,
            signup.queued_at,
            signup.risk_acknowledged_at,
            signup.confirm_by,
            signup.reconfirmed_at,
            signup.absent,
        ) != state:
            signup.status, signup.queued_at, signup.risk_acknowledged_at = SignupStatus.CONFIRMED, at, at
            signup.confirm_by = signup.reconfirmed_at = None
            signup.absent = False
            changed.append(signup)
    for key, signup in signups.items():
        if signup.status == SignupStatus.CONFIRMED and key not in world.confirmed and key not in world.walked_in:
            signup.status = SignupStatus.CANCELLED
            changed.append(signup)
    for signup in changed:
        signup.updated_at = now
    Signup.objects.bulk_create(new)
    if changed:
        Signup.objects.bulk_update(
            changed,
            ["status", "queued_at", "risk_acknowledged_at", "confirm_by", "reconfirmed_at", "absent", "updated_at"],
        )
