"""Points follow approved hours (events.signals.hours_changed).

An approval, rejection or correction pays one INSERT (a ``PointsDue`` row) inside its
own transaction; right after it commits, ``settle`` brings the record's points in line
with what its rule gives now, in a transaction of its own, and deletes the row. A crash
between the two leaves the row for ``manage.py settle_points`` (cron). Settling compares
what the rule gives with what stands in the ledger, so running it twice, or twice at
once, moves points once.
"""

from __future__ import annotations

import datetime
import logging
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext

from events.models import Event, RecordStatus, ServiceRecord
from points import ledger
from points.models import (
    MAX_POINTS,
    ZERO,
    Account,
    AccountKind,
    CapKind,
    CategoryRate,
    EventCoefficient,
    PointsDue,
    PointsRule,
    Transfer,
    TransferKind,
)
from stations.models import PracticeUnit
from volunteers.models import Volunteer

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
# Kinds that count as points a volunteer earned, for a lifetime cap.
EARNING_KINDS = (TransferKind.EARN, TransferKind.AWARD, TransferKind.REFERRAL)


# Rules -----------------------------------------------------------------------------------


def rule_for(unit: PracticeUnit) -> PointsRule | None:
    """The rule that applies at ``unit``: its center's, or, where the center lets units
    override, the nearest rule from the unit up to the center. None: no points there."""
    center = ledger.center_of(unit)
    center_rule = PointsRule.objects.filter(unit=center).first()
    if center_rule is None or not center_rule.units_may_override or unit.pk == center.pk:
        return center_rule
    # A unit's path holds its ancestors' paths as prefixes: the longest is the nearest.
    ancestors = [unit.path[:end] for end in range(len(center.path), len(unit.path) + 1) if unit.path[end - 1] == "/"]
    nearest = PointsRule.objects.filter(unit__path__in=ancestors).order_by("-unit__path").first()
    return nearest or center_rule


def standing_earns(record: ServiceRecord):
    """The record's EARN transfers that no reversal has taken back."""
    reversed_ = Transfer.objects.filter(reverses=OuterRef("pk"), kind=TransferKind.REVERSAL)
    return Transfer.objects.filter(record=record, kind=TransferKind.EARN).exclude(Exists(reversed_))


def _standing_points(record: ServiceRecord) -> Decimal:
    return standing_earns(record).aggregate(points=Coalesce(Sum("amount"), ZERO))["points"]


def _same_day(record: ServiceRecord):
    """The volunteer's other records checked in on the record's Shanghai day."""
    day = timezone.localdate(record.checked_in_at)
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_current_timezone())
    return ServiceRecord.objects.filter(
        volunteer_id=record.volunteer_id,
        checked_in_at__gte=start,
        checked_in_at__lt=start + datetime.timedelta(days=1),
    ).exclude(pk=record.pk)


def _hours_counted_that_day(record: ServiceRecord) -> Decimal:
    """Hours the volunteer's other records of the same Shanghai day stand credited with."""
    day = timezone.localdate(record.checked_in_at)
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_current_timezone())
    reversed_ = Transfer.objects.filter(reverses=OuterRef("pk"), kind=TransferKind.REVERSAL)
    earns = (
        Transfer.objects.filter(
            kind=TransferKind.EARN,
            record__volunteer_id=record.volunteer_id,
            record__checked_in_at__gte=start,
            record__checked_in_at__lt=start + datetime.timedelta(days=1),
        )
        .exclude(record_id=record.pk)
        .exclude(Exists(reversed_))
    )
    return earns.aggregate(hours=Coalesce(Sum("hours"), Decimal("0.00")))["hours"]


def lifetime_earned(account: Account) -> Decimal:
    """Points the account ever earned (service, awards, referrals), net of their reversals."""
    totals = Transfer.objects.filter(Q(target=account) | Q(source=account)).aggregate(
        earned=Coalesce(Sum("amount", filter=Q(target=account, kind__in=EARNING_KINDS)), ZERO),
        reversed=Coalesce(
            Sum("amount", filter=Q(source=account, kind=TransferKind.REVERSAL, reverses__kind__in=EARNING_KINDS)),
            ZERO,
        ),
    )
    return totals["earned"] - totals["reversed"]


def cap_room(rule: PointsRule, account: Account, *, already: Decimal = ZERO) -> Decimal | None:
    """How many more points the rule's cap lets the account receive (None: no cap).

    ``already`` is what the account holds from the very cause being recomputed: it is
    about to be replaced, so it does not count against itself.
    """
    if rule.cap is None:
        return None
    held = account.balance if rule.cap_kind == CapKind.BALANCE else lifetime_earned(account)
    return max(ZERO, rule.cap - (held - already))


def cap_memo(rule: PointsRule, cut: Decimal) -> str:
    """Why ``cut`` points were not credited, in words."""
    values = {"cap": rule.cap, "cut": cut}
    if rule.cap_kind == CapKind.LIFETIME:
        return gettext("Lifetime cap of %(cap)s points: %(cut)s points not credited") % values
    return gettext("Balance cap of %(cap)s points: %(cut)s points not credited") % values


def points_for(record: ServiceRecord) -> tuple[Decimal, Decimal, str]:
    """What the record earns under its event's rule now: (points, hours counted, memo).

    Whatever the record's status: settling credits this only for an approved record.
    The memo says which cap cut what.
    """
    event = record.event
    rule = rule_for(event.unit)
    if rule is None:
        return ZERO, Decimal("0.00"), ""
    notes = []
    hours = record.credited_hours
    if rule.activity_hours_cap is not None and hours > rule.activity_hours_cap:
        hours = rule.activity_hours_cap
        notes.append(gettext("At most %(cap)s hours counted per activity") % {"cap": rule.activity_hours_cap})
    if rule.day_hours_cap is not None:
        day_left = max(Decimal("0.00"), rule.day_hours_cap - _hours_counted_that_day(record))
        if hours > day_left:
            hours = day_left
            notes.append(
                gettext("At most %(cap)s hours counted per day: %(hours)s counted")
                % {"cap": rule.day_hours_cap, "hours": hours}
            )
    rate = (
        CategoryRate.objects.filter(rule=rule, category=event.category)
        .values_list("points_per_hour", flat=True)
        .first()
    )
    if rate is None:
        rate = rule.points_per_hour
    # DB3205/T 1001-2020 (Suzhou's volunteer service points standard) scores service as
    # hours × the category's points per hour × a coefficient for difficulty, skill and risk.
    set_for_event = EventCoefficient.objects.filter(event=event).values_list("coefficient", flat=True).first()
    coefficient = set_for_event or Decimal(1)
    if event.leaders.filter(pk=record.volunteer.user_id).exists():
        coefficient *= rule.leader_coefficient
    # One transfer holds at most MAX_POINTS: a rule saved with absurd figures before the
    # form bounded them must not overflow the ledger's columns and leave the record unsettled.
    points = min((hours * rate * coefficient).quantize(CENT, rounding=ROUND_HALF_UP), MAX_POINTS)
    left = cap_room(rule, ledger.volunteer_account(record.volunteer), already=_standing_points(record))
    if left is not None and points > left:
        notes.append(cap_memo(rule, points - left))
        points = left
    return points, hours, "；".join(notes)


# Following the hours ----------------------------------------------------------------------------


def on_hours_changed(sender, records: list[ServiceRecord], before: list, **kwargs) -> None:
    """``hours_changed``: mark the records' points due (one INSERT), settle them once the change commits."""
    ids = [record.pk for record in records]
    if not ids:
        return
    PointsDue.objects.bulk_create([PointsDue(record_id=pk) for pk in ids], ignore_conflicts=True)
    transaction.on_commit(lambda: settle_after_commit(ids))


def event_points_due(event_id: int) -> None:
    """An event's points coefficient changed: its records' points follow once the change commits."""
    ids = list(
        ServiceRecord.objects.filter(event_id=event_id)
        .filter(Q(status=RecordStatus.APPROVED) | Q(points_transfers__isnull=False))
        .distinct()
        .values_list("pk", flat=True)
    )
    if ids:
        PointsDue.objects.bulk_create([PointsDue(record_id=pk) for pk in ids], ignore_conflicts=True)
        transaction.on_commit(lambda: settle_after_commit(ids))


def before_event_saved(sender, instance: Event, raw: bool = False, update_fields=None, **kwargs) -> None:
    """pre_save of an Event: remember its unit and category, which decide its records' rule and rate."""
    if raw or instance._state.adding:
        return
    if update_fields is not None and not {"unit", "category"} & set(update_fields):
        return
    grouping = Event.objects.filter(pk=instance.pk).values_list("unit_id", "category").first()
    instance.__dict__["_points_grouping"] = grouping


def event_saved(sender, instance: Event, created: bool, raw: bool = False, **kwargs) -> None:
    """post_save of an Event: moved to another unit or category, its approved records' points follow."""
    old = instance.__dict__.pop("_points_grouping", None)
    if raw or created or old is None or old == (instance.unit_id, instance.category):
        return
    event_points_due(instance.pk)


def event_leaders_changed(sender, instance, action: str, reverse: bool, pk_set: set[int] | None, **kwargs) -> None:
    """m2m_changed of Event.leaders: a leader's records earn the rule's leader coefficient."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        event_points_due(instance.pk)
        return
    # A user's events changed from the user's side: those named, when Django names them.
    for event_id in sorted(pk_set or ()):
        event_points_due(event_id)


def settle_after_commit(record_ids: list[int]) -> None:
    # The approval has committed: a failure here must not reach its user. The due rows
    # stay, and settle_points (cron) settles them. A large batch (a bulk approval of up to
    # 500 records, some 20 ms each) goes to the task worker, so the reviewer's request
    # does not wait seconds for it.
    try:
        if len(record_ids) > settings.POINTS_SETTLE_INLINE:
            from points.tasks import settle_records

            settle_records.enqueue(record_ids)
        else:
            settle(record_ids)
    except Exception:
        logger.exception("Settling the points of records %s failed; settle_points will retry", record_ids)


def settle(record_ids: list[int]) -> None:
    """Bring each record's points in line with its hours, each in a transaction of its own.

    The target is ``points_for`` for an approved record, else nothing. What stands is
    reversed (naming the earn transfer it takes back) and the target credited anew,
    unless the two already agree. Idempotent: two settles of one record, in turn or at
    once, move its points once (the volunteer's row locks serialise them).
    """
    queue, seen = sorted(set(record_ids)), set(record_ids)
    while queue:
        record_id = queue.pop(0)
        with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
            freed = _settle_one(record_id)
        # Hours a record gave back under a day cap go to its siblings of that day, settled after it.
        queue += [pk for pk in freed if pk not in seen]
        seen.update(freed)


def _locked(record_id: int) -> tuple[ServiceRecord, Account, list[Transfer]] | None:
    """The record, the volunteer's account and the record's standing earnings, under row locks.

    Locks in the events workflows' order (volunteer, record), then the points account: a
    correction of the same record waits for this settle or this settle for it, and a second
    settle reads what stands only once the first has committed. FOR NO KEY UPDATE: it queues
    behind those workflows' locks as FOR UPDATE would, but lets other transactions insert rows
    that refer to the volunteer or the record (a statistics row, a change log), whose foreign-key
    checks would otherwise wait on this settle while it waits on them.
    """
    volunteer_id = ServiceRecord.objects.filter(pk=record_id).values_list("volunteer_id", flat=True).first()
    if volunteer_id is None:
        return None
    volunteer = Volunteer.objects.select_for_update(no_key=True).get(pk=volunteer_id)
    records = ServiceRecord.objects.select_for_update(of=("self",), no_key=True).select_related("event__unit")
    record = records.get(pk=record_id)
    record.volunteer = volunteer
    account = Account.objects.select_for_update().get(pk=ledger.volunteer_account(volunteer).pk)
    return record, account, list(standing_earns(record).select_related("unit").order_by("pk"))


def _settle_one(record_id: int) -> list[int]:
    """Settle one record; return the records of the same day that may now count hours it gave back."""
    state = _locked(record_id)
    if state is None:
        PointsDue.objects.filter(record_id=record_id).delete()
        return []
    record, account, standing = state
    stand_points = sum((earn.amount for earn in standing), ZERO)
    stand_hours = sum((earn.hours or ZERO for earn in standing), ZERO)
    if record.status == RecordStatus.APPROVED:
        points, hours, memo = points_for(record)
    else:
        points, hours, memo = ZERO, ZERO, ""
    if points <= 0:
        points, hours = ZERO, ZERO
    if (points, hours) != (stand_points, stand_hours):
        unit = record.event.unit
        why = _reversal_memo(record)
        for earn in standing:
            # Taken back where it was issued: the event may have moved to another unit or center since.
            ledger.post(
                TransferKind.REVERSAL,
                account,
                ledger.unit_account(earn.unit, AccountKind.REVERSAL),
                earn.amount,
                unit=earn.unit,
                guarded=False,
                memo=why,
                record=record,
                reverses=earn,
            )
        if points > 0:
            ledger.post(
                TransferKind.EARN,
                ledger.unit_account(unit, AccountKind.ISSUE),
                account,
                points,
                unit=unit,
                memo=memo,
                record=record,
                hours=hours,
            )
    PointsDue.objects.filter(record_id=record_id).delete()
    if hours >= stand_hours:
        return []
    rule = rule_for(record.event.unit)
    if rule is None or rule.day_hours_cap is None:
        return []
    return list(_same_day(record).filter(status=RecordStatus.APPROVED).values_list("pk", flat=True))


def _reversal_memo(record: ServiceRecord) -> str:
    if record.status == RecordStatus.REJECTED:
        return gettext("Record rejected: %(reason)s") % {"reason": record.reject_reason}
    if record.status == RecordStatus.APPROVED:
        return gettext("Points recalculated for the record's hours")
    return gettext("Record changed and waiting for approval again")


def settle_due(*, dry_run: bool = False) -> dict[str, int]:
    """Settle every record whose points are due (cron: what a crash after an approval left).

    One record failing does not keep the others waiting; it stays due and is counted.
    """
    due = list(PointsDue.objects.order_by("record_id").values_list("record_id", flat=True))
    if dry_run:
        return {"due": len(due), "settled": 0, "failed": 0}
    failed = 0
    for record_id in due:
        try:
            settle([record_id])
        except Exception:
            logger.exception("Settling the points of record %s failed", record_id)
            failed += 1
    return {"due": len(due), "settled": len(due) - failed, "failed": failed}
