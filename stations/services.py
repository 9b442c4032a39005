"""Who manages which unit: appointing and removing managers, and the admin access that goes with it.

An appointment is what lets a person work: appointing a manager gives them admin-site
access (``is_staff``), removing their last appointment takes it away again. Every path
(the API, the admin's appointment page, the admins-only list of unit managers, deleting
a unit) goes through these functions, and each appointment and removal is written to
Django's admin log (``LogEntry``): who appointed or removed whom, when.
"""

import json

from django.contrib.admin.models import ADDITION, DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from accounts.models import AnyUser, User
from stations.models import Level, PracticeUnit, UnitManager
from stations.scoping import manages, root_units, under


class UnitError(DomainError):
    messages = {
        "user_not_found": _("Nobody registered in this unit's area has this mobile number."),
        "already_manager": _("This user already manages the unit."),
        "not_a_manager": _("This user does not manage the unit."),
        "not_allowed": _("Only admins and managers of a parent unit may change who manages this unit."),
        "centers_admin_only": _("Only admins may create a center."),
    }
    status_codes = {"already_manager": 409, "not_a_manager": 404, "not_allowed": 403, "centers_admin_only": 403}


def can_appoint_managers(user: AnyUser, unit: PracticeUnit) -> bool:
    """Admins, and managers of a unit above this one (not of the unit itself)."""
    if user.is_superuser:
        return True
    return unit.parent is not None and manages(user, unit.parent)


def appoints_anywhere(user: AnyUser) -> bool:
    """Whether the user may appoint the managers of some unit: admins, and managers of a center or an institute."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or any(unit.level != Level.STATION for unit in root_units(user))


def appointing_scope(user: AnyUser) -> QuerySet[PracticeUnit]:
    """The units whose managers ``user`` may appoint and remove: every unit for admins,
    for others the units strictly below the units they manage (never their own, never a sibling)."""
    if not user.is_authenticated:
        return PracticeUnit.objects.none()
    if user.is_superuser:
        return PracticeUnit.objects.all()
    below = Q(pk__in=[])
    for root in root_units(user):
        below |= under(root) & ~Q(pk=root.pk)
    return PracticeUnit.objects.filter(below)


def appointable_users(unit: PracticeUnit, by: User) -> QuerySet:
    """Users ``by`` may make managers of ``unit``: anyone for admins; for others the people
    registered in the unit's subtree, as volunteers of its stations or as managers of its units.
    """
    users = get_user_model().objects.filter(is_active=True)
    if by.is_superuser:
        return users
    # Volunteers are above this app: they are reached through the user's reverse relation.
    subtree = PracticeUnit.objects.subtree_of(unit)
    volunteers = users.filter(volunteer__home_station__in=subtree).values("pk")
    managers = UnitManager.objects.filter(unit__in=subtree).values("user_id")
    return users.filter(Q(pk__in=volunteers) | Q(pk__in=managers))


def sync_admin_access(user_ids: list[int]) -> None:
    """Admin-site access follows appointments: a user who manages a unit may log into the
    admin, one who manages none may not. Admins (superusers) are never touched."""
    get_user_model().objects.filter(pk__in=user_ids, is_superuser=False).update(
        is_staff=Exists(UnitManager.objects.filter(user=OuterRef("pk")))
    )


def _lock_user(user_id: int) -> None:
    # Appointments of one person are serialised on their row, so an appointment racing with
    # the removal of their last one never leaves a manager without access or the reverse.
    list(get_user_model().objects.select_for_update().filter(pk=user_id).values_list("pk"))


def _log(role: UnitManager, flag: int, by: User) -> None:
    LogEntry.objects.create(
        user_id=by.pk,
        content_type=ContentType.objects.get_for_model(UnitManager),
        object_id=str(role.pk),
        object_repr=str(role)[:200],
        action_flag=flag,
        change_message=json.dumps([{"added": {}}] if flag == ADDITION else [{"deleted": {}}]),
    )


@transaction.atomic
def appoint_manager(unit: PracticeUnit, user: User, *, by: User) -> UnitManager:
    """Make ``user`` a manager of ``unit`` with admin access, and log who did. Raises UnitError."""
    if not can_appoint_managers(by, unit):
        raise UnitError("not_allowed")
    _lock_user(user.pk)
    try:
        with transaction.atomic():
            role = UnitManager.objects.create(unit=unit, user=user)
    except IntegrityError:
        raise UnitError("already_manager") from None
    sync_admin_access([user.pk])
    _log(role, ADDITION, by)
    return role


def add_unit_manager(unit: PracticeUnit, phone: str, *, by: User) -> UnitManager:
    """Make the user with ``phone`` a manager of ``unit``. Raises UnitError."""
    if not can_appoint_managers(by, unit):
        raise UnitError("not_allowed")
    user = appointable_users(unit, by).filter(phone=phone).first()
    if user is None:
        # Unknown and out-of-area numbers answer alike: the form is no directory of who is registered.
        raise UnitError("user_not_found")
    return appoint_manager(unit, user, by=by)


@transaction.atomic
def remove_unit_manager(unit: PracticeUnit, user_id: int, *, by: User) -> None:
    """Withdraw a user's management of ``unit``; with no other appointment left they lose admin access.

    Raises UnitError."""
    if not can_appoint_managers(by, unit):
        raise UnitError("not_allowed")
    _lock_user(user_id)
    role = UnitManager.objects.filter(unit=unit, user_id=user_id).select_related("unit", "user").first()
    if role is None:
        raise UnitError("not_a_manager")
    _log(role, DELETION, by)
    role.delete()
    sync_admin_access([user_id])


@transaction.atomic
def delete_unit(unit: PracticeUnit) -> None:
    """Delete a unit (its appointments go with it); its managers who manage nothing else lose admin access."""
    managers = list(unit.manager_roles.values_list("user_id", flat=True))
    unit.delete()
    sync_admin_access(managers)
