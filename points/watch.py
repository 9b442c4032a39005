"""Fraud watch: points frozen while a record is disputed or a manager froze them, and alerts.

Frozen points still grow (earning is a credit) but cannot be spent, given or donated:
``points.ledger.post`` refuses a guarded debit of a frozen volunteer account. A
disputed record freezes by a marker in ``Account.frozen_reason`` (``DISPUTED``), so
the end of the dispute clears only its own freeze, never one a manager gave a reason for.

``scan_for_alerts`` runs from cron (``manage.py watch_points``): many points in a
short time, many redemptions at one shop in an hour, gifts that circle back to their
giver. One alert per kind, subject and day, however often the scan runs.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from events.models import CorrectionRequest, CorrectionStatus
from points.errors import PointsError
from points.ledger import volunteer_account
from points.models import Account, AccountKind, Alert, AlertKind, Redemption, Transfer, TransferKind
from stations.models import PracticeUnit
from stations.scoping import manages
from volunteers.models import Volunteer

# Stored in ``frozen_reason`` while a correction request of the volunteer is pending; shown in words.
DISPUTED = "record_disputed"
DISPUTED_TEXT = gettext_lazy("A service record is disputed (a correction request is pending).")

EARNED = (TransferKind.EARN, TransferKind.AWARD, TransferKind.REFERRAL)
CIRCLE_DAYS = 30
# A longer chain of gifts is no longer a way to hide a transfer back; it bounds the search too.
CIRCLE_MAX_LENGTH = 6


def frozen_reason_text(account: Account) -> str:
    """Why the account is frozen, in words ("" when it is not)."""
    return str(DISPUTED_TEXT) if account.frozen_reason == DISPUTED else account.frozen_reason


# Freezing ---------------------------------------------------------------------------------------


def _has_dispute(volunteer_id: int) -> bool:
    return CorrectionRequest.objects.filter(volunteer_id=volunteer_id, status=CorrectionStatus.PENDING).exists()


@transaction.atomic
def sync_dispute_freeze(volunteer: Volunteer) -> None:
    """Freeze the volunteer's points while a correction request of theirs is pending; thaw them after."""
    disputed = _has_dispute(volunteer.pk)
    account = Account.objects.select_for_update().filter(volunteer=volunteer).first()
    if account is None:
        if not disputed:
            return
        account = Account.objects.select_for_update().get(pk=volunteer_account(volunteer).pk)
    if disputed and not account.frozen_reason:
        account.frozen_reason = DISPUTED
    elif not disputed and account.frozen_reason == DISPUTED:
        account.frozen_reason = ""
    else:
        return
    account.save(update_fields=["frozen_reason"])


def on_correction_saved(sender, instance: CorrectionRequest, **kwargs) -> None:
    """post_save / post_delete of a CorrectionRequest: asked, approved or declined.

    After the commit, in a transaction of its own: the correction services hold the
    volunteer's row, which a redemption holding the account's row waits for (its foreign
    key), so taking the account's row here would be the opposite order: a deadlock.
    """
    volunteer = instance.volunteer
    transaction.on_commit(lambda: sync_dispute_freeze(volunteer), robust=True)


def resync_freezes() -> int:
    """Freeze every disputed volunteer's points and thaw the rest, for cron: a freeze that
    follows a commit is lost if the process dies between the two. Returns the accounts changed."""
    pending = CorrectionRequest.objects.filter(status=CorrectionStatus.PENDING).values("volunteer_id")
    with transaction.atomic():
        thawed = (
            Account.objects.filter(frozen_reason=DISPUTED).exclude(volunteer_id__in=pending).update(frozen_reason="")
        )
        frozen = Account.objects.filter(frozen_reason="", volunteer_id__in=pending).update(frozen_reason=DISPUTED)
    return thawed + frozen


def _frozen_by_hand_allowed(account: Account, by: User) -> Account:
    rows = Account.objects.select_for_update(of=("self",)).select_related("volunteer__home_station")
    account = rows.get(pk=account.pk)
    if account.kind != AccountKind.VOLUNTEER or account.volunteer is None:
        raise PointsError("not_volunteer")
    if not manages(by, account.volunteer.home_station):
        raise PointsError("not_manager")
    return account


@transaction.atomic
def freeze_account(account: Account, *, reason: str, by: User) -> Account:
    """A manager of the volunteer's home station freezes their points with a reason. Raises PointsError."""
    reason = reason.strip()
    if not reason:
        raise PointsError("reason_required")
    account = _frozen_by_hand_allowed(account, by)
    account.frozen_reason = reason[:200]
    account.save(update_fields=["frozen_reason"])
    return account


@transaction.atomic
def unfreeze_account(account: Account, *, by: User) -> Account:
    """A manager lifts a freeze; a pending dispute keeps the points frozen. Raises PointsError."""
    account = _frozen_by_hand_allowed(account, by)
    account.frozen_reason = DISPUTED if _has_dispute(account.volunteer_id or 0) else ""
    account.save(update_fields=["frozen_reason"])
    return account


# Alerts ------------------------------------------------------------------------------------------


def _day_of(now: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + datetime.timedelta(days=1)


def _new_alert(
    kind: AlertKind, *, unit: PracticeUnit, volunteer: Volunteer | None, detail: str, now: datetime.datetime
) -> Alert | None:
    """An alert not yet raised today for this kind and subject (the volunteer, else the unit)."""
    start, end = _day_of(now)
    subject: dict[str, object] = (
        {"volunteer": volunteer} if volunteer is not None else {"unit": unit, "volunteer": None}
    )
    if Alert.objects.filter(kind=kind, created_at__gte=start, created_at__lt=end, **subject).exists():
        return None
    return Alert(kind=kind, unit=unit, volunteer=volunteer, detail=detail[:300], created_at=now)


def _fast_earning(now: datetime.datetime) -> Iterable[Alert | None]:
    limit = Decimal(settings.POINTS_ALERT_POINTS_PER_DAY)
    totals = (
        Transfer.objects.filter(
            kind__in=EARNED,
            target__kind=AccountKind.VOLUNTEER,
            created_at__gt=now - datetime.timedelta(days=1),
            created_at__lte=now,
        )
        .values("target__volunteer")
        .annotate(total=Sum("amount"))
        .filter(total__gt=limit)
    )
    by_volunteer = {row["target__volunteer"]: row["total"] for row in totals}
    for volunteer in Volunteer.objects.filter(pk__in=by_volunteer).select_related("home_station"):
        detail = _("%(points)s points earned within 24 hours (alert above %(limit)s).") % {
            "points": by_volunteer[volunteer.pk],
            "limit": limit,
        }
        yield _new_alert(
            AlertKind.FAST_EARNING, unit=volunteer.home_station, volunteer=volunteer, detail=detail, now=now
        )


def _shop_rush(now: datetime.datetime) -> Iterable[Alert | None]:
    limit = settings.POINTS_ALERT_REDEMPTIONS_PER_HOUR
    counts = (
        Redemption.objects.filter(created_at__gt=now - datetime.timedelta(hours=1), created_at__lte=now)
        .values("item__unit")
        .annotate(n=Count("id"))
        .filter(n__gt=limit)
    )
    by_unit = {row["item__unit"]: row["n"] for row in counts}
    for unit in PracticeUnit.objects.filter(pk__in=by_unit):
        detail = _("%(count)d redemptions within an hour (alert above %(limit)d).") % {
            "count": by_unit[unit.pk],
            "limit": limit,
        }
        yield _new_alert(AlertKind.SHOP_RUSH, unit=unit, volunteer=None, detail=detail, now=now)


def circles(edges: Iterable[tuple[int, int]], *, max_length: int = CIRCLE_MAX_LENGTH) -> list[list[int]]:
    """The simple cycles of a directed graph, each once, starting at its smallest node."""
    graph: dict[int, set[int]] = defaultdict(set)
    for source, target in edges:
        if source != target:
            graph[source].add(target)
    found: list[list[int]] = []
    for start in sorted(graph):
        # Paths through larger nodes only: each cycle is found from its smallest node, once.
        stack: list[tuple[int, list[int]]] = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in sorted(graph[node]):
                if nxt == start:
                    found.append(path)
                elif nxt > start and nxt not in path and len(path) < max_length:
                    stack.append((nxt, [*path, nxt]))
    return found


def _gift_circles(now: datetime.datetime) -> Iterable[Alert | None]:
    edges = set(
        Transfer.objects.filter(
            kind=TransferKind.GIFT,
            created_at__gt=now - datetime.timedelta(days=CIRCLE_DAYS),
            created_at__lte=now,
        ).values_list("source__volunteer", "target__volunteer")
    )
    cycles = circles(edges)
    people = Volunteer.objects.filter(pk__in={pk for cycle in cycles for pk in cycle}).select_related("home_station")
    by_pk = {volunteer.pk: volunteer for volunteer in people}
    for cycle in cycles:
        names = " → ".join(by_pk[pk].real_name for pk in [*cycle, cycle[0]])
        detail = _("Points given within %(days)d days came back to the giver: %(names)s.") % {
            "days": CIRCLE_DAYS,
            "names": names,
        }
        first = by_pk[cycle[0]]
        yield _new_alert(AlertKind.CIRCLE, unit=first.home_station, volunteer=first, detail=detail, now=now)


def scan_for_alerts(*, now: datetime.datetime, dry_run: bool = False) -> list[Alert]:
    """Raise the alerts the ledger calls for at ``now``; return the new ones (unsaved with ``dry_run``)."""
    alerts: list[Alert] = []
    with translation.override(settings.LANGUAGE_CODE):
        for scan in (_fast_earning, _shop_rush, _gift_circles):
            alerts.extend(alert for alert in scan(now) if alert is not None)
    # One per kind and subject even when a subject turns up twice in one scan (two circles).
    unique = {(a.kind, a.volunteer_id, a.unit_id if a.volunteer_id is None else None): a for a in alerts}
    alerts = list(unique.values())
    if not dry_run:
        Alert.objects.bulk_create(alerts)
    return alerts


@transaction.atomic
def resolve_alert(alert: Alert, *, by: User, resolution: str) -> Alert:
    """A manager of the alert's unit says what they found and did. Raises PointsError."""
    resolution = resolution.strip()
    if not resolution:
        raise PointsError("reason_required")
    alert = Alert.objects.select_for_update(of=("self",)).select_related("unit").get(pk=alert.pk)
    if not manages(by, alert.unit):
        raise PointsError("not_manager")
    if alert.resolved_at is not None:
        raise PointsError("invalid_state")
    alert.resolved_by, alert.resolved_at, alert.resolution = by, timezone.now(), resolution[:200]
    alert.save(update_fields=["resolved_by", "resolved_at", "resolution"])
    return alert
