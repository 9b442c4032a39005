"""Points given by hand (a referral, a special effort), four eyes: one manager proposes with a reason,
another approves; only then do the points move, under the rule's caps."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from points import ledger
from points.earning import cap_room, rule_for
from points.errors import PointsError
from points.models import MAX_POINTS, AccountKind, AwardRequest, RequestStatus, Transfer, TransferKind
from stations.models import PracticeUnit
from stations.scoping import is_under, manages
from volunteers.models import Volunteer


def clean_amount(value: object) -> Decimal:
    """An amount of points as a user may give it: finite, above zero, at most two decimals and MAX_POINTS."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise PointsError("invalid_amount") from None
    if not amount.is_finite() or amount <= 0 or amount > MAX_POINTS or amount != amount.quantize(Decimal("0.01")):
        raise PointsError("invalid_amount")
    return amount.quantize(Decimal("0.01"))


def propose_award(
    volunteer: Volunteer,
    amount: Decimal | None,
    reason: str,
    *,
    by: User,
    unit: PracticeUnit,
    is_referral: bool = False,
) -> AwardRequest:
    """Propose points for a volunteer; another manager of the unit approves them (``approve_award``).

    The proposer manages ``unit``, which is the volunteer's home station or above it, and
    is not the volunteer. A referral without an amount gets the rule's referral points.
    Raises PointsError.
    """
    if not manages(by, unit):
        raise PointsError("not_manager")
    if volunteer.user_id == by.pk:
        raise PointsError("self_review")
    if not is_under(volunteer.home_station, unit):
        raise PointsError("not_their_unit")
    if not reason.strip():
        raise PointsError("reason_required")
    rule = rule_for(unit)
    if rule is None:
        raise PointsError("not_allowed")
    if amount is None and is_referral:
        if not rule.referral_points:
            raise PointsError("not_allowed")
        amount = rule.referral_points
    return AwardRequest.objects.create(
        volunteer=volunteer,
        unit=unit,
        amount=clean_amount(amount),
        reason=reason.strip(),
        is_referral=is_referral,
        proposed_by=by,
    )


def _lock_pending(award: AwardRequest, by: User) -> AwardRequest:
    rows = AwardRequest.objects.select_for_update(of=("self",)).select_related("unit", "volunteer__home_station")
    award = rows.get(pk=award.pk)
    if award.status != RequestStatus.PENDING:
        raise PointsError("invalid_state")
    if not manages(by, award.unit):
        raise PointsError("not_manager")
    return award


@transaction.atomic
def approve_award(award: AwardRequest, *, by: User) -> Transfer:
    """Approve a proposed award: the points move from the center's issue account to the volunteer.

    Another person than the proposer and the volunteer, who manages the award's unit
    (``self_review`` otherwise). The rule's cap applies: an award above what the cap leaves
    is refused (``cap_reached``, saying what still fits). Raises PointsError.
    """
    award = _lock_pending(award, by)
    # Neither the proposer nor the volunteer approves: each would be awarding alone.
    if by.pk in (award.proposed_by_id, award.volunteer.user_id):
        raise PointsError("self_review")
    # The volunteer may have moved since the proposal: a unit no longer theirs does not pay them.
    if not is_under(award.volunteer.home_station, award.unit):
        raise PointsError("not_their_unit")
    rule = rule_for(award.unit)
    if rule is None:
        raise PointsError("not_allowed")
    account = ledger.volunteer_account(award.volunteer)
    account = type(account).objects.select_for_update().get(pk=account.pk)
    room = cap_room(rule, account)
    # The approver approves an exact amount: one the cap would cut is refused, saying what fits,
    # so the ledger always holds what was approved (points.checks compares them).
    if room is not None and award.amount > room:
        if room <= 0:
            raise PointsError("cap_reached")
        detail = gettext("Under the points cap the volunteer can receive only %(room)s more points.") % {"room": room}
        raise PointsError("cap_reached", detail)
    now = timezone.now()
    transfer = ledger.post(
        TransferKind.REFERRAL if award.is_referral else TransferKind.AWARD,
        ledger.unit_account(award.unit, AccountKind.ISSUE),
        account,
        award.amount,
        unit=award.unit,
        by=by,
        at=now,
        memo=award.reason,
        award=award,
    )
    award.status, award.decided_by, award.decided_at = RequestStatus.APPROVED, by, now
    award.save(update_fields=["status", "decided_by", "decided_at"])
    return transfer


@transaction.atomic
def decline_award(award: AwardRequest, *, by: User, reason: str) -> AwardRequest:
    """Decline a proposed award (by another manager of its unit), or withdraw it (by its proposer).

    A reason is required: the admin keeps it in the award's history. Raises PointsError.
    """
    if not reason.strip():
        raise PointsError("reason_required")
    award = _lock_pending(award, by)
    withdrawn = award.proposed_by_id == by.pk
    award.status = RequestStatus.CANCELLED if withdrawn else RequestStatus.DECLINED
    # The four-eyes constraint forbids the proposer as decider: a withdrawal names nobody.
    award.decided_by = None if withdrawn else by
    award.decided_at = timezone.now()
    award.save(update_fields=["status", "decided_by", "decided_at"])
    return award
