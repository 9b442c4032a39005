"""Workflows of events: publishing, sign-ups, check-in and check-out, review of records."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from accounts.models import User
from events.checkin_codes import CodeError, read_event_code, read_volunteer_code
from events.choices import ChangeAction, RecordFlag, ScanAction
from events.models import (
    CorrectionKind,
    CorrectionRequest,
    CorrectionStatus,
    Event,
    EventStatus,
    Method,
    RecordChange,
    RecordStatus,
    RefusedScan,
    ServiceRecord,
    ServiceRecordQuerySet,
    Signup,
    SignupStatus,
    crew_of,
)
from events.photos import PhotoRejected, reencode_photo
from events.signals import SignupChange, counted, event_changed, hours_changed, signup_changed
from events.venue_booking import sync_booking
from stations.models import PracticeUnit
from volunteers.models import Training, Volunteer, VolunteerStatus


class EventError(DomainError):
    messages = {
        "invalid_transition": _("The event cannot change to that status now."),
        "not_draft": _("Only draft events can be deleted; cancel a published event instead."),
        "event_not_open": _("The event is not open for sign-up."),
        "not_signed_up": _("You have not signed up for this event."),
        "volunteer_suspended": _("This volunteer is suspended."),
        "no_volunteer_profile": _("Only registered volunteers can do this."),
        "risk_not_acknowledged": _("Please read and acknowledge the event's risk notice before signing up."),
        "too_young": _("This event is for volunteers of at least the minimum age set by the organiser."),
        "members_only": _("Only the members of the team serving this event can sign up for it."),
    }
    status_codes = {
        "invalid_transition": 409,
        "not_draft": 409,
        "event_not_open": 409,
        "not_signed_up": 404,
        "volunteer_suspended": 403,
        "no_volunteer_profile": 403,
        "too_young": 403,
        "members_only": 403,
    }


class CheckInError(DomainError):
    messages = {
        "token_invalid": _("This code is not valid. Please scan the code on the screen again."),
        "token_expired": _("This code has expired. Please scan the current code on the screen."),
        "event_not_open": _("Check-in or check-out is not open for this event now."),
        "not_signed_up": _("You have not signed up for this event."),
        "out_of_area": _("You are not at the event venue: your position is outside the check-in area."),
        "not_checked_in": _("You have not checked in to this event yet; check in first."),
        "overlapping": _("This time is already counted in another service record of the volunteer."),
        "volunteer_suspended": _("This volunteer is suspended."),
        "already_reviewed": _("This record has been reviewed; ask a manager to correct it."),
        "too_young": _("This event is for volunteers of at least the minimum age set by the organiser."),
        "event_full": _("The event has no free places left."),
        "members_only": _("Only the members of the team serving this event can check in to it."),
        "card_revoked": _("This volunteer card has been revoked; ask the volunteer for the new card."),
        # Offline scans only: the scanner's clock was further off than OFFLINE_CLOCK_BOUND_SECONDS.
        "clock_skew": _("The scanner's clock was too far off to trust this scan's time."),
        # Offline scans only: the scanner sent a counter it had already used, under another nonce.
        "counter_reused": _("The scanner numbered this scan like an earlier one; check the scanner before accepting."),
    }
    status_codes = {
        "card_revoked": 403,
        "event_not_open": 409,
        "not_signed_up": 409,
        "not_checked_in": 409,
        "overlapping": 409,
        "volunteer_suspended": 403,
        "already_reviewed": 409,
        "too_young": 403,
        "event_full": 409,
        "members_only": 403,
    }


class RecordError(DomainError):
    messages = {
        "invalid_state": _("The record is not in a state that allows this."),
        "self_review": _(
            "Nobody approves a record they entered, corrected or served in: another manager must approve it."
        ),
        "missing_checkout": _("Set the check-out time before approving this record."),
        "record_exists": _("This volunteer already has a record for this event."),
        "reason_required": _("A reason is required."),
        "checkout_before_checkin": _("Check-out must be after check-in."),
        "future_time": _("Times cannot lie in the future."),
        "overlapping": _("This time is already counted in another service record of the volunteer."),
        "outside_event": _("The times must lie within a day of the event's schedule."),
        "members_only": _("Only the members of the team serving this event can be recorded at it."),
    }
    status_codes = {
        "members_only": 403,
        "invalid_state": 409,
        "self_review": 403,
        "missing_checkout": 409,
        "record_exists": 409,
        "overlapping": 409,
    }


@dataclass(frozen=True)
class ScanContext:
    """Where a scan came from, kept with refused scans and (client time) on records."""

    latitude: float | None = None
    longitude: float | None = None
    client_time: datetime.datetime | None = None
    ip: str | None = None
    user_agent: str = ""


EARTH_RADIUS_M = 6_371_000


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def log_change(
    record: ServiceRecord, action: ChangeAction, old: dict, new: dict, *, by: User | None = None, reason: str = ""
) -> None:
    RecordChange.objects.create(
        record=record, action=action, old=_jsonable(old), new=_jsonable(new), changed_by=by, reason=reason
    )


def _jsonable(values: dict) -> dict:
    return {key: (value.isoformat() if hasattr(value, "isoformat") else str(value)) for key, value in values.items()}


def _snapshot(record: ServiceRecord, fields: list[str]) -> dict:
    return {field: getattr(record, field) for field in fields}


# Row locks: every workflow that reads, decides and writes takes one first, so
# simultaneous requests are handled one after the other (tests/test_races.py).


def _lock_event(event: Event) -> Event:
    return Event.objects.select_for_update().get(pk=event.pk)


def _lock_volunteer(volunteer: Volunteer) -> Volunteer:
    return Volunteer.objects.select_for_update().get(pk=volunteer.pk)


def _locked(record: ServiceRecord) -> ServiceRecord:
    # The volunteer's row first, as scans and corrections take it: two changes of one
    # volunteer's records (and of their statistics) never interleave nor deadlock.
    list(Volunteer.objects.select_for_update().filter(pk=record.volunteer_id).values_list("pk", flat=True))
    return ServiceRecord.objects.select_for_update().select_related("event").get(pk=record.pk)


def _hours_changed(records: list[ServiceRecord], before: list) -> None:
    """Tell the statistics, inside the transaction, when approved hours may have moved."""
    if any(was is not None for was in before) or any(record.status == RecordStatus.APPROVED for record in records):
        hours_changed.send(sender=ServiceRecord, records=records, before=before)


# Events ---------------------------------------------------------------------------


@transaction.atomic
def publish_event(event: Event, *, by: User | None = None) -> Event:
    """Publish a draft so volunteers see it and can sign up; an event at a venue books it
    (in ``by``'s name, else its creator's). Raises EventError, or VenueError when the slot is taken."""
    event = _transition(event, EventStatus.DRAFT, EventStatus.PUBLISHED)
    if event.venue_id is not None:
        sync_booking(event, by=by)
        event.refresh_from_db()
    return event


@transaction.atomic
def cancel_event(event: Event) -> Event:
    """Cancel a draft or published event; its venue booking, if any, is freed. Raises EventError."""
    event = _transition(event, (EventStatus.DRAFT, EventStatus.PUBLISHED), EventStatus.CANCELLED)
    if event.venue_booking_id is not None:
        sync_booking(event)
        event.refresh_from_db()
    return event


@transaction.atomic
def _transition(event: Event, allowed_from, to: str) -> Event:
    allowed = (allowed_from,) if isinstance(allowed_from, str) else allowed_from
    before = event.status
    updated = Event.objects.filter(pk=event.pk, status__in=allowed).update(status=to, updated_at=timezone.now())
    if not updated:
        raise EventError("invalid_transition")
    event.refresh_from_db()
    event_changed.send(sender=Event, event=event, changes={"status": (before, to)})
    return event


def delete_event(event: Event) -> None:
    """Delete a draft; anything published stays for the record. Raises EventError."""
    if event.status != EventStatus.DRAFT:
        raise EventError("not_draft")
    # A draft holds no venue: publishing books it.
    event.delete()


# Sign-ups ---------------------------------------------------------------------------


def _old_enough(event: Event, volunteer: Volunteer) -> bool:
    if event.min_age is None:
        return True
    return volunteer.age_on(timezone.localdate(event.starts_at)) >= event.min_age


@transaction.atomic
def sign_up(
    event: Event, volunteer: Volunteer, *, at: datetime.datetime, risk_acknowledged: bool = False
) -> tuple[Signup, bool]:
    """Give the volunteer a place, or a place on the waitlist when the event is full.

    Returns the sign-up and whether it is new. The event row is locked, so
    simultaneous sign-ups never exceed the capacity. Where the event has a risk
    notice (志愿服务条例 art. 12), the volunteer must have acknowledged it; where it
    has a minimum age (art. 15), the volunteer must have reached it by the event's
    day. A team's own event takes only the team's members, on its places and on
    its waitlist alike. Raises EventError.
    """
    event = _lock_event(event)
    if event.status != EventStatus.PUBLISHED or at >= event.ends_at:
        raise EventError("event_not_open")
    if volunteer.status != VolunteerStatus.ACTIVE:
        raise EventError("volunteer_suspended")
    signup = Signup.objects.filter(event=event, volunteer=volunteer).first()
    if signup is not None and signup.status != SignupStatus.CANCELLED:
        return signup, False
    if not event.admits(volunteer):
        raise EventError("members_only")
    if not _old_enough(event, volunteer):
        raise EventError("too_young")
    if event.risk_notice.strip() and not risk_acknowledged:
        raise EventError("risk_not_acknowledged")
    confirmed = Signup.objects.filter(event=event, status=SignupStatus.CONFIRMED).count()
    status = SignupStatus.CONFIRMED if event.capacity is None or confirmed < event.capacity else SignupStatus.WAITLISTED
    signup = _place(event, volunteer, status, at=at, risk_acknowledged=risk_acknowledged, signup=signup)
    change = SignupChange.CONFIRMED if status == SignupStatus.CONFIRMED else SignupChange.WAITLISTED
    signup_changed.send(sender=Signup, signup=signup, change=change)
    return signup, True


def _place(
    event: Event, volunteer: Volunteer, status: str, *, at, risk_acknowledged: bool, signup: Signup | None
) -> Signup:
    acknowledged_at = at if risk_acknowledged else None
    if signup is None:
        return Signup.objects.create(
            event=event, volunteer=volunteer, status=status, queued_at=at, risk_acknowledged_at=acknowledged_at
        )
    signup.status, signup.queued_at, signup.risk_acknowledged_at = status, at, acknowledged_at
    signup.confirm_by = signup.reconfirmed_at = None
    signup.absent = False
    fields = ["status", "queued_at", "risk_acknowledged_at", "confirm_by", "reconfirmed_at", "absent", "updated_at"]
    signup.save(update_fields=fields)
    return signup


@transaction.atomic
def cancel_signup(event: Event, volunteer: Volunteer, *, at: datetime.datetime | None = None) -> Signup:
    """Give up a place; the first on the waitlist takes it (at a team's own event, the first
    of the team's members: someone who left the team waits on), with until
    ``SIGNUP_CONFIRM_HOURS`` (at most the start) to confirm. Raises EventError."""
    at = at or timezone.now()
    event = _lock_event(event)
    signup = Signup.objects.filter(event=event, volunteer=volunteer).exclude(status=SignupStatus.CANCELLED).first()
    if signup is None:
        raise EventError("not_signed_up")
    was_confirmed = signup.status == SignupStatus.CONFIRMED
    signup.status = SignupStatus.CANCELLED
    signup.save(update_fields=["status", "updated_at"])
    signup_changed.send(sender=Signup, signup=signup, change=SignupChange.CANCELLED)
    if was_confirmed:
        _promote_first_waiting(event, at=at)
    return signup


def _promote_first_waiting(event: Event, *, at: datetime.datetime) -> Signup | None:
    first_waiting = Signup.objects.filter(event=event, status=SignupStatus.WAITLISTED).order_by("queued_at", "id")
    if event.team_id is not None:
        first_waiting = first_waiting.filter(volunteer__in=crew_of(event.team_id))
    promoted = first_waiting.first()
    if promoted is None:
        return None
    promoted.status = SignupStatus.CONFIRMED
    deadline = at + datetime.timedelta(hours=settings.SIGNUP_CONFIRM_HOURS)
    promoted.confirm_by = min(deadline, event.starts_at) if at < event.starts_at else None
    promoted.save(update_fields=["status", "confirm_by", "updated_at"])
    signup_changed.send(sender=Signup, signup=promoted, change=SignupChange.PROMOTED)
    return promoted


def _walk_in(event: Event, volunteer: Volunteer, *, at: datetime.datetime) -> None:
    """Sign up at the venue: a confirmed place while places are free, never the waitlist.

    The walk-in offer shows the risk notice beside its button, so taking it
    acknowledges the notice. Called under the volunteer's lock; takes the event's.
    """
    event = _lock_event(event)
    confirmed = Signup.objects.filter(event=event, status=SignupStatus.CONFIRMED).count()
    if event.capacity is not None and confirmed >= event.capacity:
        raise CheckInError("event_full")
    signup = Signup.objects.filter(event=event, volunteer=volunteer).first()
    _place(event, volunteer, SignupStatus.CONFIRMED, at=at, risk_acknowledged=True, signup=signup)


# Check-in and check-out ---------------------------------------------------------------
#
# A scan reads, under the volunteer's row lock: the volunteer (the lock itself), the event
# with whether the volunteer holds a confirmed place there, and in one query the volunteer's
# records that decide the scan (this event's, and those claiming the same time); then it
# writes once. Nothing else in a check-in touches the database.


@dataclass
class _Scanned:
    """What a scan had read by the time it was refused, for the refusal's row."""

    volunteer: Volunteer | None
    event: Event | None = None
    action: str = ""


def check_in_by_code(
    volunteer: Volunteer,
    token: str,
    *,
    at: datetime.datetime,
    context: ScanContext = ScanContext(),
    walk_in: bool = False,
) -> tuple[ServiceRecord, bool]:
    """A volunteer scanned an event's code: check in or out as the code says.

    With ``walk_in``, a volunteer who has not signed up for an event that allows
    walk-ins is signed up and checked in at once while places are free. Returns
    the record and whether it was created. Refusals raise CheckInError and are
    stored as RefusedScan for fraud review.
    """
    scanned = _Scanned(volunteer)
    try:
        try:
            code = read_event_code(token, at)
        except CodeError as error:
            raise CheckInError(error.code) from None
        scanned.action = code.action
        return _retrying_a_lost_insert(
            lambda: _scan_event_code(
                volunteer, code.event_id, code.action, scanned, at=at, context=context, walk_in=walk_in
            )
        )
    except CheckInError as error:
        # The scan's transaction has rolled back by now; the refusal is kept on its own.
        _store_refusal(
            error, volunteer=scanned.volunteer, event=scanned.event, action=scanned.action, at=at, context=context
        )
        raise


@transaction.atomic
def _scan_event_code(
    volunteer: Volunteer,
    event_id: int,
    action: ScanAction,
    scanned: _Scanned,
    *,
    at: datetime.datetime,
    context: ScanContext,
    walk_in: bool,
) -> tuple[ServiceRecord, bool]:
    volunteer = scanned.volunteer = _lock_volunteer(volunteer)
    # The event is read once, under the volunteer's lock: a service order's visit may move its
    # window meanwhile (orders.services locks its attendees' rows before moving it).
    event = next(iter(Event.objects.raw(_SCANNED_EVENT, [volunteer.pk, SignupStatus.CONFIRMED, event_id])), None)
    if event is None:
        raise CheckInError("token_invalid")
    if not (event.admits(volunteer) or Event.objects.visible_to(volunteer.user).filter(pk=event.pk).exists()):
        # A forwarded code of a team's visit tells an outsider nothing: not its window, not
        # its place (out_of_area), not even that it exists; the refusal names no event either.
        raise CheckInError("token_invalid")
    scanned.event = event
    return _scan(volunteer, event, action, method=Method.EVENT_QR, at=at, context=context, by=None, walk_in=walk_in)


def check_in_volunteer_code(
    event: Event,
    volunteer_token: str,
    action: ScanAction,
    *,
    by: User,
    at: datetime.datetime,
    context: ScanContext = ScanContext(),
    walk_in: bool = False,
) -> tuple[ServiceRecord, bool]:
    """A manager scanned a volunteer's personal code at the event. Raises CheckInError."""
    volunteer = None
    try:
        try:
            volunteer_id = read_volunteer_code(volunteer_token, at)
        except CodeError as error:
            raise CheckInError(error.code) from None
        volunteer = Volunteer.objects.filter(pk=volunteer_id).first()
        if volunteer is None:
            raise CheckInError("token_invalid")
        return record_scan(
            volunteer, event, action, method=Method.VOLUNTEER_QR, at=at, context=context, by=by, walk_in=walk_in
        )
    except CheckInError as error:
        _store_refusal(error, volunteer=volunteer, event=event, action=action, at=at, context=context)
        raise


def _store_refusal(error: CheckInError, *, volunteer, event, action: str, at, context: ScanContext) -> None:
    RefusedScan.objects.create(
        volunteer=volunteer,
        event=event,
        action=action,
        code=error.code,
        at=at,
        ip=context.ip,
        user_agent=context.user_agent[:300],
    )


def record_scan(
    volunteer: Volunteer,
    event: Event,
    action: ScanAction,
    *,
    method: str,
    at: datetime.datetime,
    context: ScanContext = ScanContext(),
    by: User | None = None,
    walk_in: bool = False,
) -> tuple[ServiceRecord, bool]:
    """Check a volunteer in or out of an event at ``at``, as ``action`` says.

    Checking in again returns the same record. The volunteer row is locked, so
    simultaneous scans of one volunteer are handled one after the other and never
    make two records, nor two records covering the same moment. Raises CheckInError.
    """
    return _retrying_a_lost_insert(
        lambda: _locked_scan(volunteer, event, action, method=method, at=at, context=context, by=by, walk_in=walk_in)
    )


@transaction.atomic
def _locked_scan(
    volunteer: Volunteer,
    event: Event,
    action: ScanAction,
    *,
    method: str,
    at: datetime.datetime,
    context: ScanContext,
    by: User | None,
    walk_in: bool,
) -> tuple[ServiceRecord, bool]:
    volunteer = _lock_volunteer(volunteer)
    # Read again under the volunteer's lock: a service order's visit may have moved its window
    # meanwhile (orders.services locks its attendees' rows before moving it).
    event = _scanned_events(volunteer).get(pk=event.pk)
    return _scan(volunteer, event, action, method=method, at=at, context=context, by=by, walk_in=walk_in)


def _retrying_a_lost_insert(scan):
    """Run a scan's transaction, and once more if a simultaneous scan's record beat its write.

    Under the volunteer's row lock no other scan of the volunteer writes between our
    reads and our write, so the write runs without a savepoint of its own. Only a writer
    that skipped the lock can make it violate the one-record-per-event or the no-overlap
    constraint; then the whole transaction has rolled back, and the second run decides
    again with the winner's record in place: the same record back, or the refusal.
    """
    try:
        return scan()
    except IntegrityError:
        return scan()


# _scanned_events(volunteer).filter(pk=...) written out: the hottest read of a check-in, whose
# query compilation cost more CPU than the rest of the scan's rules.
_SCANNED_EVENT = """SELECT event.*, EXISTS (
        SELECT 1 FROM events_signup signup
        WHERE signup.event_id = event.id AND signup.volunteer_id = %s AND signup.status = %s
    ) AS holds_place
    FROM events_event event WHERE event.id = %s
"""


def _scanned_events(volunteer: Volunteer):
    """Events, each with ``holds_place``: whether the volunteer has a confirmed place at it."""
    place = Signup.objects.filter(event=OuterRef("pk"), volunteer=volunteer, status=SignupStatus.CONFIRMED)
    return Event.objects.annotate(holds_place=Exists(place))


def _scan(
    volunteer: Volunteer,
    event: Event,
    action: ScanAction,
    *,
    method: str,
    at: datetime.datetime,
    context: ScanContext,
    by: User | None,
    walk_in: bool,
) -> tuple[ServiceRecord, bool]:
    """The rules of a scan, under the volunteer's lock, on the event read under it."""
    if volunteer.status != VolunteerStatus.ACTIVE:
        raise CheckInError("volunteer_suspended")
    if not event.is_open_for(action, at):
        raise CheckInError("event_not_open")
    if method == Method.EVENT_QR and event.radius_m:
        _check_position(event, context)
    if action == ScanAction.IN:
        # This event's record and any record claiming the time a check-in would claim, at once.
        claiming = ServiceRecordQuerySet.claiming(at, _claimed_until(event, at, None))
        records = list(ServiceRecord.objects.filter(Q(event=event) | claiming, volunteer=volunteer))
        record = next((r for r in records if r.event_id == event.pk), None)
        if record is not None:
            return _with_relations(record, event, volunteer), False
        return _check_in(
            volunteer, event, overlapping=bool(records), method=method, at=at, context=context, by=by, walk_in=walk_in
        ), True
    record = ServiceRecord.objects.filter(event=event, volunteer=volunteer).first()
    if record is None:
        raise CheckInError("not_checked_in")
    return _check_out(_with_relations(record, event, volunteer), at=at, by=by), False


def _with_relations(record: ServiceRecord, event: Event, volunteer: Volunteer) -> ServiceRecord:
    # The rows read under the lock are the record's own: reading them again would only cost queries.
    record.event, record.volunteer = event, volunteer
    return record


def _check_position(event: Event, context: ScanContext) -> None:
    # Called only for events with a check-in area: a radius needs a point (event_radius_needs_point).
    if event.radius_m is None or event.latitude is None or event.longitude is None:
        return
    if context.latitude is None or context.longitude is None:
        raise CheckInError("out_of_area")
    distance = distance_m(float(event.latitude), float(event.longitude), context.latitude, context.longitude)
    if distance > event.radius_m:
        raise CheckInError("out_of_area")


def _claimed_until(event: Event, checked_in_at: datetime.datetime, checked_out_at: datetime.datetime | None):
    """The end of the time a record claims: its check-out, or while open its event's end."""
    if checked_out_at is not None:
        return checked_out_at
    return max(event.ends_at, checked_in_at + datetime.timedelta(seconds=1))


def _check_in(
    volunteer: Volunteer,
    event: Event,
    *,
    overlapping: bool,
    method: str,
    at,
    context: ScanContext,
    by: User | None,
    walk_in: bool,
) -> ServiceRecord:
    if not _old_enough(event, volunteer):
        raise CheckInError("too_young")
    signed_up = event.holds_place  # type: ignore[attr-defined]  # annotated by _scanned_events
    if not signed_up and not event.admits(volunteer):
        raise CheckInError("members_only")
    if event.signup_required and not signed_up:
        if not (walk_in and event.walk_ins_allowed):
            raise CheckInError("not_signed_up")
        _walk_in(event, volunteer, at=at)
    if overlapping:
        raise CheckInError("overlapping")
    return ServiceRecord.objects.create(
        event=event,
        volunteer=volunteer,
        checked_in_at=at,
        method=method,
        client_time=context.client_time,
        created_by=by,
    )


def _check_out(record: ServiceRecord, *, at: datetime.datetime, by: User | None) -> ServiceRecord:
    event = record.event
    # A scan may set the check-out again (left early, came back) only until a person
    # has reviewed or corrected the record: from then on a manager's word stands. An open
    # record has had neither, so its history is not read.
    if record.status != RecordStatus.OPEN:
        rescannable = record.status in (RecordStatus.PENDING, RecordStatus.APPROVED)
        if not (rescannable and record.reviewed_by_id is None and not _reviewers_excluded_by_changes(record)):
            raise CheckInError("already_reviewed")
    others = ServiceRecord.objects.overlapping(record.volunteer, record.checked_in_at, at).exclude(pk=record.pk)
    if others.exists():
        raise CheckInError("overlapping")
    fields = ["checked_out_at", "credited_hours", "status", "flag", "reviewed_at"]
    old, was = _snapshot(record, fields), counted(record)
    record.checked_out_at = at
    record.credited_hours = event.credited_hours(record.checked_in_at, at)
    record.flag = ""
    if event.approval_required:
        record.status, record.reviewed_at = RecordStatus.PENDING, None
    else:
        record.status, record.reviewed_at = RecordStatus.APPROVED, at
    record.save(update_fields=[*fields, "updated_at"])
    log_change(record, ChangeAction.CHECK_OUT, old, _snapshot(record, fields), by=by)
    _hours_changed([record], [was])
    return record


# Review -------------------------------------------------------------------------------

# History actions by which a person shaped a record's times; they may not approve it.
SHAPING_ACTIONS = (ChangeAction.MANUAL_CREATE, ChangeAction.CORRECT_TIMES, ChangeAction.LATE_UPLOAD)
# Manual and corrected times stay near the event: hours only count inside the
# schedule anyway, and a far-off interval would only block the volunteer's other records.
TIME_SLACK = datetime.timedelta(days=1)


def _reviewers_excluded_by_changes(record: ServiceRecord) -> set[int]:
    return set(
        record.history.filter(action__in=SHAPING_ACTIONS, changed_by__isnull=False).values_list(
            "changed_by_id", flat=True
        )
    )


def _check_times(
    record_event: Event,
    volunteer: Volunteer,
    checked_in_at: datetime.datetime,
    checked_out_at: datetime.datetime | None,
    *,
    now: datetime.datetime,
    exclude_pk: int | None = None,
) -> None:
    """Refuse times a person typed that are backwards, in the future, far from the event or double-counted."""
    if checked_out_at is not None and checked_out_at <= checked_in_at:
        raise RecordError("checkout_before_checkin")
    if checked_in_at > now or (checked_out_at is not None and checked_out_at > now):
        raise RecordError("future_time")
    latest = checked_out_at or checked_in_at
    if checked_in_at < record_event.starts_at - TIME_SLACK or latest > record_event.ends_at + TIME_SLACK:
        raise RecordError("outside_event")
    until = _claimed_until(record_event, checked_in_at, checked_out_at)
    others = ServiceRecord.objects.overlapping(volunteer, checked_in_at, until)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise RecordError("overlapping")


@transaction.atomic
def create_manual_record(
    event: Event,
    volunteer: Volunteer,
    *,
    checked_in_at: datetime.datetime,
    checked_out_at: datetime.datetime,
    reason: str,
    by: User,
    now: datetime.datetime | None = None,
) -> ServiceRecord:
    """Record (补录) the attendance of someone who served without scanning.

    It waits for approval by another manager of the same or a parent unit: hours
    typed in by one person alone are a documented fraud. Raises RecordError.
    """
    if not reason.strip():
        raise RecordError("reason_required")
    volunteer = _lock_volunteer(volunteer)
    if ServiceRecord.objects.filter(event=event, volunteer=volunteer).exists():
        raise RecordError("record_exists")
    # A team's own event (a visit to a resident's home) is served by its crew only: a record
    # would also let the volunteer read the visit. A member who left keeps a confirmed place.
    held_place = event.signups.filter(volunteer=volunteer, status=SignupStatus.CONFIRMED).exists()
    if not (event.admits(volunteer) or held_place):
        raise RecordError("members_only")
    _check_times(event, volunteer, checked_in_at, checked_out_at, now=now or timezone.now())
    try:
        with transaction.atomic():
            record = ServiceRecord.objects.create(
                event=event,
                volunteer=volunteer,
                checked_in_at=checked_in_at,
                checked_out_at=checked_out_at,
                credited_hours=event.credited_hours(checked_in_at, checked_out_at),
                method=Method.MANUAL,
                status=RecordStatus.PENDING,
                reason=reason.strip(),
                created_by=by,
            )
    except IntegrityError:
        raise RecordError("record_exists") from None
    log_change(
        record,
        ChangeAction.MANUAL_CREATE,
        {},
        _snapshot(record, ["checked_in_at", "checked_out_at", "credited_hours"]),
        by=by,
        reason=record.reason,
    )
    return record


def excluded_reviewers(record: ServiceRecord) -> set[int]:
    """Users who may not approve the record: its volunteer, and whoever entered or corrected its times."""
    excluded = {record.volunteer.user_id} | _reviewers_excluded_by_changes(record)
    if record.method == Method.MANUAL and record.created_by_id is not None:
        excluded.add(record.created_by_id)
    return excluded


def review_bar(record: ServiceRecord, user: User) -> str | None:
    """Why the four-eyes rule keeps ``user`` from approving the record: "served", "entered",
    "scanned_late", "corrected", or None when it does not (scoping aside: who reaches the record is asked elsewhere)."""
    if record.volunteer.user_id == user.pk:
        return "served"
    if record.method == Method.MANUAL and record.created_by_id == user.pk:
        return "entered"
    shaped = record.history.filter(action__in=SHAPING_ACTIONS, changed_by=user).values_list("action", flat=True)
    actions = set(shaped)
    if ChangeAction.MANUAL_CREATE in actions:
        return "entered"
    if ChangeAction.LATE_UPLOAD in actions:
        return "scanned_late"
    if actions:
        return "corrected"
    return None


@dataclass(frozen=True)
class Approvers:
    """Who approves a record, as its author is told up front.

    ``unit`` is the nearest unit, from the event's own upwards, with an active manager the
    four-eyes rule lets approve; ``users`` are those managers. ``passed_up`` says the event's
    own unit has none (a one-manager station's records go to its institute, whose managers
    reach them as every unit's managers reach their subtree). With no such manager anywhere
    (``unit`` None) the system's administrators approve it, and ``users`` names them.
    """

    unit: PracticeUnit | None
    users: list[User]
    passed_up: bool


def approvers_of(record: ServiceRecord) -> Approvers:
    """The managers who would approve the record: those of its event's unit, else of the nearest unit above."""
    excluded = excluded_reviewers(record)
    unit: PracticeUnit | None = record.event.unit
    passed_up = False
    while unit is not None:
        users = list(
            User.objects.filter(unit_roles__unit=unit, is_active=True).exclude(pk__in=excluded).order_by("name", "pk")
        )
        if users:
            return Approvers(unit, users, passed_up)
        unit, passed_up = unit.parent, True
    admins = User.objects.filter(is_superuser=True, is_active=True).exclude(pk__in=excluded).order_by("name", "pk")
    return Approvers(None, list(admins), True)


@transaction.atomic
def approve_record(record: ServiceRecord, *, by: User, at: datetime.datetime | None = None) -> ServiceRecord:
    """Approve a checked-out record so its hours count.

    Four eyes: nobody approves a record they served in, entered or corrected.
    Raises RecordError.
    """
    record = _approve(_locked(record), by=by, at=at)
    _hours_changed([record], [None])
    return record


def _approve(record: ServiceRecord, *, by: User, at: datetime.datetime | None) -> ServiceRecord:
    # The caller holds the locks of the record's volunteer and then the record.
    if record.status != RecordStatus.PENDING:
        raise RecordError("invalid_state")
    if record.flag == RecordFlag.MISSING_CHECKOUT:
        raise RecordError("missing_checkout")
    if by.pk in excluded_reviewers(record):
        raise RecordError("self_review")
    fields = ["status", "reviewed_at"]
    old = _snapshot(record, fields)
    record.status, record.reviewed_by, record.reviewed_at = RecordStatus.APPROVED, by, at or timezone.now()
    record.save(update_fields=[*fields, "reviewed_by", "updated_at"])
    log_change(record, ChangeAction.APPROVE, old, _snapshot(record, fields), by=by)
    return record


@transaction.atomic
def reject_record(
    record: ServiceRecord, *, by: User, reason: str, at: datetime.datetime | None = None
) -> ServiceRecord:
    """Reject a pending or approved record; its hours stop counting. Raises RecordError."""
    if not reason.strip():
        raise RecordError("reason_required")
    record = _locked(record)
    if record.status not in (RecordStatus.PENDING, RecordStatus.APPROVED):
        raise RecordError("invalid_state")
    fields = ["status", "reviewed_at", "reject_reason"]
    old, was = _snapshot(record, fields), counted(record)
    record.status, record.reviewed_by, record.reviewed_at = RecordStatus.REJECTED, by, at or timezone.now()
    record.reject_reason = reason.strip()
    record.save(update_fields=[*fields, "reviewed_by", "updated_at"])
    log_change(record, ChangeAction.REJECT, old, _snapshot(record, fields), by=by, reason=record.reject_reason)
    _hours_changed([record], [was])
    return record


@transaction.atomic
def bulk_approve(records, *, by: User) -> dict[str, list[int]]:
    """Approve each record that can be; report which were approved and which were skipped why.

    Locks the volunteers, then the records, each in id order (as single workflows
    do), so a bulk approval never deadlocks with another; statistics follow once.
    """
    records = sorted(records, key=lambda record: record.pk)
    list(
        Volunteer.objects.select_for_update()
        .filter(pk__in={record.volunteer_id for record in records})
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    outcome: dict[str, list[int]] = {"approved": []}
    approved = []
    for record in records:
        try:
            approved.append(_approve(_locked(record), by=by, at=None))
        except RecordError as error:
            outcome.setdefault(error.code, []).append(record.pk)
        else:
            outcome["approved"].append(record.pk)
    _hours_changed(approved, [None] * len(approved))
    return outcome


@transaction.atomic
def correct_record_times(
    record: ServiceRecord,
    *,
    by: User,
    reason: str,
    checked_in_at: datetime.datetime | None = None,
    checked_out_at: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> ServiceRecord:
    """A manager corrects check-in or check-out times; hours follow.

    A correction is a review step by its author: the record goes (back) to
    pending for another person to approve, and later scans no longer move its
    check-out. Raises RecordError.
    """
    if not reason.strip():
        raise RecordError("reason_required")
    _lock_volunteer(record.volunteer)
    record = _locked(record)
    if record.status == RecordStatus.REJECTED:
        raise RecordError("invalid_state")
    new_in = checked_in_at or record.checked_in_at
    new_out = checked_out_at or record.checked_out_at
    _check_times(record.event, record.volunteer, new_in, new_out, now=now or timezone.now(), exclude_pk=record.pk)
    fields = ["checked_in_at", "checked_out_at", "credited_hours", "status", "flag", "reviewed_at"]
    old, was = _snapshot(record, fields), counted(record)
    record.checked_in_at, record.checked_out_at = new_in, new_out
    if new_out is not None:
        record.credited_hours = record.event.credited_hours(new_in, new_out)
        record.flag = ""
        # Any change of times or hours is reviewed anew, by someone else.
        record.status, record.reviewed_by, record.reviewed_at = RecordStatus.PENDING, None, None
    record.save(update_fields=[*fields, "reviewed_by", "updated_at"])
    log_change(record, ChangeAction.CORRECT_TIMES, old, _snapshot(record, fields), by=by, reason=reason.strip())
    _hours_changed([record], [was])
    return record


@transaction.atomic
def close_stale_records(*, now: datetime.datetime, dry_run: bool = False) -> dict[str, int]:
    """Close records still open after their event's check-out window, and finish such events.

    A closed record waits for a manager with zero hours and the flag
    ``missing_checkout``. Safe to run from cron as often as you like.
    """
    stale = (
        ServiceRecord.objects.select_for_update()
        .select_related("event")
        .filter(status=RecordStatus.OPEN, event__ends_at__lt=now)
    )
    closed = 0
    for record in stale:
        if record.event.checkout_closes_at >= now:
            continue
        closed += 1
        if dry_run:
            continue
        fields = ["status", "flag", "credited_hours"]
        old = _snapshot(record, fields)
        record.status, record.flag, record.credited_hours = (
            RecordStatus.PENDING,
            RecordFlag.MISSING_CHECKOUT,
            Decimal("0.00"),
        )
        record.save(update_fields=[*fields, "updated_at"])
        log_change(record, ChangeAction.AUTO_CLOSE, old, _snapshot(record, fields))
    finished = [
        event.pk
        for event in Event.objects.filter(status=EventStatus.PUBLISHED, ends_at__lt=now)
        if event.checkout_closes_at < now
    ]
    if not dry_run:
        Event.objects.filter(pk__in=finished).update(status=EventStatus.FINISHED, updated_at=now)
    return {"closed_records": closed, "finished_events": len(finished)}


# --- The rest of the volunteer record: trainings, and corrections the volunteer starts ---
# 志愿服务条例 art. 19 asks for basic information, service, training, awards and
# evaluation; 志愿服务记录与证明出具办法 art. 8-13 fix their fields and rules.


class RecordKeepingError(DomainError):
    messages = {
        "no_attendees": _("Nobody to record: the event has no approved or pending service records."),
        "not_pending": _("This request has already been answered."),
        "reason_required": _("A reason is required."),
        "request_pending": _("You already have a request about this event waiting for the unit."),
        "record_exists": _("You already have a record for this event: ask to correct it instead."),
        "nothing_to_correct": _("Give the check-in or check-out time as it should be."),
        "bad_photo": _("Upload a photo (JPEG, PNG, WebP or HEIC)."),
    }
    status_codes = {"not_pending": 409, "request_pending": 409, "record_exists": 409}


ATTENDED = (RecordStatus.APPROVED, RecordStatus.PENDING)


@transaction.atomic
def record_training(
    *,
    unit,
    name: str,
    content: str,
    hours: Decimal,
    organiser: str,
    held_on: datetime.date,
    by: User,
    event: Event | None = None,
    volunteers=(),
) -> Training:
    """Record a training for everyone who attended ``event`` and/or the ``volunteers`` listed.

    志愿服务记录与证明出具办法 art. 8: name, main content, duration, organiser and
    date. Attendance of an event means its approved or pending records (not the
    rejected, nor the still open ones). Training hours are not service hours.
    Raises RecordKeepingError.
    """
    attendees = {volunteer.pk for volunteer in volunteers}
    if event is not None:
        attendees |= set(
            ServiceRecord.objects.filter(event=event, status__in=ATTENDED).values_list("volunteer_id", flat=True)
        )
    if not attendees:
        raise RecordKeepingError("no_attendees")
    training = Training.objects.create(
        unit=unit, name=name, content=content, hours=hours, organiser=organiser, held_on=held_on, created_by=by
    )
    training.attendees.set(sorted(attendees))
    return training


def ask_correction(
    volunteer: Volunteer,
    *,
    reason: str,
    record: ServiceRecord | None = None,
    event: Event | None = None,
    checked_in_at: datetime.datetime | None = None,
    checked_out_at: datetime.datetime | None = None,
    photo=None,
) -> CorrectionRequest:
    """A volunteer asks their unit to correct a record or to add a missing one (办法 art. 13).

    Nothing changes until the organising unit approves it. A photo, if any, arrives
    checked from its header only (``events.photos.check_photo``); it is decoded and
    re-encoded here once the request is known to be acceptable, so a refused request
    never costs a decoding, and outside the lock. Raises RecordKeepingError.
    """
    if not reason.strip():
        raise RecordKeepingError("reason_required")
    times = (checked_in_at, checked_out_at)
    _correction_kind(volunteer, record, event, *times)
    reencoded = None
    if photo is not None:
        try:
            reencoded = reencode_photo(photo)
        except PhotoRejected as error:
            raise RecordKeepingError("bad_photo", str(error)) from None
    with transaction.atomic():
        volunteer = _lock_volunteer(volunteer)
        # Again under the lock: a request sent at the same moment may have come first.
        kind = _correction_kind(volunteer, record, event, *times)
        request = CorrectionRequest(
            volunteer=volunteer,
            kind=kind,
            event=record.event if record is not None else event,
            record=record,
            checked_in_at=checked_in_at,
            checked_out_at=checked_out_at,
            reason=reason.strip(),
        )
        if reencoded is not None:
            request.photo.save("photo.jpg", reencoded, save=False)
        request.save()
    return request


def _correction_kind(
    volunteer: Volunteer,
    record: ServiceRecord | None,
    event: Event | None,
    checked_in_at: datetime.datetime | None,
    checked_out_at: datetime.datetime | None,
) -> CorrectionKind:
    """What the request asks (correct or add), if it may be asked now. Raises RecordKeepingError."""
    if record is not None:
        event, kind = record.event, CorrectionKind.CORRECT
        if checked_in_at is None and checked_out_at is None:
            raise RecordKeepingError("nothing_to_correct")
    else:
        kind = CorrectionKind.ADD
        if checked_in_at is None or checked_out_at is None:
            raise RecordKeepingError("nothing_to_correct")
        if ServiceRecord.objects.filter(event=event, volunteer=volunteer).exists():
            raise RecordKeepingError("record_exists")
    if CorrectionRequest.objects.filter(volunteer=volunteer, event=event, status=CorrectionStatus.PENDING).exists():
        raise RecordKeepingError("request_pending")
    return kind


def _locked_request(request: CorrectionRequest) -> CorrectionRequest:
    request = (
        CorrectionRequest.objects.select_for_update(of=("self",))
        .select_related("event", "record", "volunteer")
        .get(pk=request.pk)
    )
    if request.status != CorrectionStatus.PENDING:
        raise RecordKeepingError("not_pending")
    return request


@transaction.atomic
def approve_correction(
    request: CorrectionRequest, *, by: User, now: datetime.datetime | None = None
) -> CorrectionRequest:
    """The organising unit verified the request and applies it (办法 art. 13).

    Through ``correct_record_times`` or ``create_manual_record``, so the usual checks
    hold (no future times, no overlap) and the record waits, pending, for a person
    other than the approver (four eyes: the approver corrected or entered it).
    Raises RecordKeepingError or RecordError.
    """
    request = _locked_request(request)
    reason = _("At the volunteer's request: %(reason)s") % {"reason": request.reason}
    if request.kind == CorrectionKind.CORRECT:
        # The database holds a record for every request to correct (correction_names_its_record).
        if request.record is None:
            raise RecordError("invalid_state")
        record = correct_record_times(
            request.record,
            by=by,
            reason=str(reason)[:200],
            checked_in_at=request.checked_in_at,
            checked_out_at=request.checked_out_at,
            now=now,
        )
    else:
        # ask_correction takes a request to add a record only with both times.
        if request.checked_in_at is None or request.checked_out_at is None:
            raise RecordError("invalid_state")
        record = create_manual_record(
            request.event,
            request.volunteer,
            checked_in_at=request.checked_in_at,
            checked_out_at=request.checked_out_at,
            reason=str(reason)[:200],
            by=by,
            now=now,
        )
    request.record = record
    request.status, request.decided_by, request.decided_at = CorrectionStatus.APPROVED, by, now or timezone.now()
    request.save(update_fields=["record", "status", "decided_by", "decided_at"])
    return request


@transaction.atomic
def decline_correction(
    request: CorrectionRequest, *, by: User, reason: str, now: datetime.datetime | None = None
) -> CorrectionRequest:
    """The organising unit declines the request with a reason the volunteer reads. Raises RecordKeepingError."""
    if not reason.strip():
        raise RecordKeepingError("reason_required")
    request = _locked_request(request)
    request.status, request.decided_by, request.decided_at = CorrectionStatus.DECLINED, by, now or timezone.now()
    request.decline_reason = reason.strip()
    request.save(update_fields=["status", "decided_by", "decided_at", "decline_reason"])
    return request
