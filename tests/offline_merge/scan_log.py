"""A world of events, a log of scans from several scanners, and its two runs: online and offline.

The online run is the truth: every scan through ``events.services.check_in_volunteer_code``
(record_scan with the volunteer's code) at its true moment, in time order. The offline run sends
the same scans through ``events.offline_merge.receive`` from devices whose clocks are off, in
any order, cut and resent. Both end in a ``State``; the property test and the benchmark's smoke
mode compare them. Used by tests/offline_merge and benchmarks/offline_scans.py.
"""

from __future__ import annotations

import datetime
import hashlib
import random
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction

from events.models import (
    Event,
    EventStatus,
    OfflineScan,
    OfflineScanOutcome,
    ScannerDevice,
    ServiceCategory,
    ServiceRecord,
    Signup,
    SignupStatus,
)
from events.offline_codes import current_key, make_phone_code
from events.offline_merge import IncomingScan, receive
from events.services import CheckInError, check_in_volunteer_code, sign_up
from stations.models import Level, PracticeUnit
from volunteers.id_numbers import check_character
from volunteers.models import Team, Volunteer
from volunteers.services import register_volunteer

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = datetime.date(2026, 12, 5)
# Every upload happens after the day's last check-out window has closed.
UPLOADS_FROM = datetime.datetime.combine(DAY, datetime.time(23, 0), tzinfo=SHANGHAI)
CLOCK_BOUND_MS = 600_000


def at(hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(DAY, datetime.time(hour, minute), tzinfo=SHANGHAI)


@dataclass
class World:
    manager: object
    volunteers: list[Volunteer]
    events: list[Event]
    devices: list[ScannerDevice]


@dataclass(frozen=True)
class Scan:
    index: int  # position in true time
    device: int
    counter: int
    volunteer: int  # index in World.volunteers
    event: int  # index in World.events
    action: str
    walk_in: bool
    at: datetime.datetime  # the true moment
    code: str  # "phone", "stale" (a phone code from minutes earlier) or "garbage"

    @property
    def nonce(self) -> str:
        return f"d{self.device}n{self.counter:07d}"


@dataclass(frozen=True)
class State:
    records: dict[tuple[int, int], tuple]  # (event, volunteer) → (in, out, hours, status)
    places: frozenset[tuple[int, int]]  # confirmed sign-ups (event, volunteer)
    refusals: dict[int, str]  # scan index → refusal code ("" when accepted)


_serial = iter(range(10_000_000))


def build_world(volunteers: int = 8, devices: int = 3) -> World:
    """A station with its manager, volunteers of several ages, six events of one day, scanners.

    0 09:00-11:00 sign-up required, records reviewed; all but the last two signed up
    1 10:00-12:00 overlaps 0; no sign-up, approved at check-out
    2 12:30-14:30 sign-up required, walk-ins allowed, half as many places as volunteers, two taken
    3 15:00-16:00 a team's own event: the first half of the volunteers are its crew
    4 18:00-19:00 for volunteers of 60 and more
    5 09:00-10:00 cancelled
    """
    tag = next(_serial)
    current_key()  # the signing key exists before either run (each run is rolled back)
    center = PracticeUnit.objects.create(code=f"OC{tag}", name="离线中心", level=Level.CENTER)
    institute = PracticeUnit.objects.create(code=f"OI{tag}", name="离线所", level=Level.INSTITUTE, parent=center)
    station = PracticeUnit.objects.create(code=f"OS{tag}", name="离线站", level=Level.STATION, parent=institute)
    manager = get_user_model().objects.create_user(f"1570{tag:07d}", "correct-horse-42", name="扫码管理员")
    people = [_volunteer(station, i) for i in range(volunteers)]
    team = Team.objects.create(name="入户队", unit=station)
    team.members.set(people[: max(1, volunteers // 2)])
    base = {"unit": station, "category": ServiceCategory.ENVIRONMENT, "address": "村文化礼堂"}
    base["status"] = EventStatus.PUBLISHED
    specs = [
        {"starts_at": at(9), "ends_at": at(11), "signup_required": True, "approval_required": True},
        {"starts_at": at(10), "ends_at": at(12), "signup_required": False, "approval_required": False},
        {
            "starts_at": at(12, 30),
            "ends_at": at(14, 30),
            "signup_required": True,
            "walk_ins_allowed": True,
            "capacity": max(3, volunteers // 2),
        },
        {"starts_at": at(15), "ends_at": at(16), "signup_required": False, "approval_required": False, "team": team},
        {"starts_at": at(18), "ends_at": at(19), "signup_required": False, "min_age": 60},
        {"starts_at": at(9), "ends_at": at(10), "signup_required": False, "status": EventStatus.CANCELLED},
    ]
    events = [Event.objects.create(title=f"活动{i}", **{**base, **spec}) for i, spec in enumerate(specs)]
    for volunteer in people[:-2]:
        sign_up(events[0], volunteer, at=at(8))
    for volunteer in people[:2]:
        sign_up(events[2], volunteer, at=at(8))
    scanners = [
        ScannerDevice.objects.create(unit=station, name=f"扫码枪{i}", secret_hash="0" * 64, registered_by=manager)
        for i in range(devices)
    ]
    return World(manager, people, events, scanners)


def _volunteer(station: PracticeUnit, i: int) -> Volunteer:
    n = next(_serial)
    # Born 1950-1989: some are 60 or more on the day of the event for the elderly.
    birth = datetime.date(1950 + (i * 7) % 40, 1 + i % 12, 1 + i % 28)
    first17 = f"110106{birth:%Y%m%d}{n % 1000:03d}"
    return register_volunteer(
        real_name=f"志愿者{i}",
        id_number=first17 + check_character(first17),
        phone=f"1571{n:07d}",
        password=None,
        home_station=station,
    )


def make_log(
    world: World, size: int, rng: random.Random, *, people: int | None = None, devices: int | None = None
) -> list[Scan]:
    """``size`` scans of ``people`` of the volunteers, on ``devices`` of the scanners (all by
    default), at distinct whole seconds of the day, in true time order. Few people and many scans
    make each one's day dense.

    Scans fall from an hour before an event to 90 minutes after it (so some are outside its
    window), check-ins and check-outs mixed (check-outs before check-ins, repeated check-ins),
    walk-ins mostly at the walk-in event, a few stale or garbage codes.
    """
    taken: set[datetime.datetime] = set()
    crowd = rng.sample(range(len(world.volunteers)), people or len(world.volunteers))
    drafts = []
    for _ in range(size):
        event_index = rng.randrange(len(world.events))
        event = world.events[event_index]
        span = int((event.ends_at - event.starts_at).total_seconds()) + 150 * 60
        moment = event.starts_at - datetime.timedelta(hours=1) + datetime.timedelta(seconds=rng.randrange(span))
        while moment in taken:
            moment += datetime.timedelta(seconds=1)
        taken.add(moment)
        action = "in" if rng.random() < 0.55 else "out"
        walk_in = rng.random() < (0.4 if event_index == 2 else 0.05)
        roll = rng.random()
        code = "garbage" if roll < 0.01 else "stale" if roll < 0.04 else "phone"
        device, volunteer = rng.randrange(devices or len(world.devices)), rng.choice(crowd)
        drafts.append((moment, device, volunteer, event_index, action, walk_in, code))
    drafts.sort()
    counters = [0] * len(world.devices)
    log = []
    for index, (moment, device, volunteer, event_index, action, walk_in, code) in enumerate(drafts):
        counters[device] += 1
        log.append(Scan(index, device, counters[device], volunteer, event_index, action, walk_in, moment, code))
    return log


def code_text(world: World, scan: Scan) -> str:
    volunteer_id = world.volunteers[scan.volunteer].pk
    if scan.code == "garbage":
        return "P1.1." + hashlib.sha256(scan.nonce.encode()).hexdigest()[:20]
    shown = scan.at - datetime.timedelta(minutes=10) if scan.code == "stale" else scan.at
    return make_phone_code(volunteer_id, shown)


def state_now(world: World, refusals: dict[int, str]) -> State:
    event_ids = [event.pk for event in world.events]
    records = {
        (r.event_id, r.volunteer_id): (r.checked_in_at, r.checked_out_at, r.credited_hours, r.status)
        for r in ServiceRecord.objects.filter(event_id__in=event_ids)
    }
    places = Signup.objects.filter(event_id__in=event_ids, status=SignupStatus.CONFIRMED)
    return State(records, frozenset(places.values_list("event_id", "volunteer_id")), refusals)


def run_online(world: World, log: list[Scan]) -> State:
    """Each scan as the manager's online scan page makes it, in true time order; rolled back after."""
    refusals: dict[int, str] = {}
    with transaction.atomic():
        for scan in log:
            try:
                check_in_volunteer_code(
                    world.events[scan.event],
                    code_text(world, scan),
                    scan.action,
                    by=world.manager,
                    at=scan.at,
                    walk_in=scan.walk_in,
                )
            except CheckInError as error:
                refusals[scan.index] = error.code
            else:
                refusals[scan.index] = ""
        state = state_now(world, refusals)
        transaction.set_rollback(True)
    return state


@dataclass(frozen=True)
class Upload:
    device: int
    scans: tuple[Scan, ...]


def plan_uploads(world: World, log: list[Scan], rng: random.Random, *, batch: int = 50) -> list[Upload]:
    """The log shuffled, sent in batches per device; some cut mid-way and resent, some sent twice."""
    order = log[:]
    rng.shuffle(order)
    uploads: list[Upload] = []
    start = 0
    while start < len(order):
        size = rng.randint(1, batch)
        chunk = order[start : start + size]
        start += size
        for device in range(len(world.devices)):
            mine = tuple(scan for scan in chunk if scan.device == device)
            if not mine:
                continue
            if rng.random() < 0.2:
                # The network dropped after part of the batch had reached the server.
                uploads.append(Upload(device, mine[: rng.randint(0, len(mine))]))
            uploads.append(Upload(device, mine))
            if uploads and rng.random() < 0.1:
                uploads.append(rng.choice(uploads))
    return uploads


def one_upload(log: list[Scan], rng: random.Random) -> list[Upload]:
    """The whole log of one scanner in one upload, shuffled: a single merge must be right on its own."""
    scans = log[:]
    rng.shuffle(scans)
    return [Upload(0, tuple(scans))]


def run_offline(world: World, log: list[Scan], uploads: list[Upload], skews_ms: list[int]) -> State:
    """The uploads through receive(), devices' clocks ``skews_ms`` ahead; rolled back after."""
    with transaction.atomic():
        for i, upload in enumerate(uploads):
            upload_offline(world, upload, skews_ms[upload.device], UPLOADS_FROM + datetime.timedelta(seconds=i))
        scans = OfflineScan.objects.filter(device__in=world.devices).select_related("device")
        by_nonce = {(world.devices.index(s.device), s.nonce): s for s in scans}
        refusals = {}
        for scan in log:
            stored = by_nonce[(scan.device, scan.nonce)]
            assert stored.outcome != OfflineScanOutcome.PENDING, stored
            refusals[scan.index] = stored.reason if stored.outcome == OfflineScanOutcome.CONFLICT else ""
        state = state_now(world, refusals)
        transaction.set_rollback(True)
    return state


def upload_offline(world: World, upload: Upload, skew_ms: int, now: datetime.datetime):
    skew = datetime.timedelta(milliseconds=skew_ms)
    incoming = [
        IncomingScan(
            nonce=scan.nonce,
            counter=scan.counter,
            event_id=world.events[scan.event].pk,
            code=code_text(world, scan),
            action=scan.action,
            walk_in=scan.walk_in,
            device_time=scan.at + skew,
        )
        for scan in upload.scans
    ]
    return receive(world.devices[upload.device], incoming, by=world.manager, sent_at=now + skew, now=now)


def differences(online: State, offline: State) -> list[str]:
    """What differs between the two runs, readably ([] when they agree)."""
    found = []
    for key in sorted(set(online.records) | set(offline.records)):
        if online.records.get(key) != offline.records.get(key):
            found.append(f"record {key}: online {online.records.get(key)} offline {offline.records.get(key)}")
    if online.places != offline.places:
        only_online, only_offline = online.places - offline.places, offline.places - online.places
        found.append(f"places: online only {only_online}, offline only {only_offline}")
    for index, code in online.refusals.items():
        if offline.refusals.get(index) != code:
            offline_code = offline.refusals.get(index) or "accepted"
            found.append(f"scan {index}: online {code or 'accepted'}, offline {offline_code}")
    return found


def hours(state: State) -> Decimal:
    return sum((values[2] for values in state.records.values()), Decimal("0.00"))
