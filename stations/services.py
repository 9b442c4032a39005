from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from accounts.models import AnyUser, User
from stations.models import PracticeUnit, UnitManager
from stations.scoping import manages


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


@transaction.atomic
def add_unit_manager(unit: PracticeUnit, phone: str, *, by: User) -> UnitManager:
    """Make the user with ``phone`` a manager of ``unit``. Raises UnitError."""
    if not can_appoint_managers(by, unit):
        raise UnitError("not_allowed")
    user = appointable_users(unit, by).filter(phone=phone).first()
    if user is None:
        # Unknown and out-of-area numbers answer alike: the form is no directory of who is registered.
        raise UnitError("user_not_found")
    try:
        with transaction.atomic():
            return UnitManager.objects.create(unit=unit, user=user)
    except IntegrityError:
        raise UnitError("already_manager") from None


@transaction.atomic
def remove_unit_manager(unit: PracticeUnit, user_id: int, *, by: User) -> None:
    """Withdraw a user's management of ``unit``. Raises UnitError."""
    if not can_appoint_managers(by, unit):
        raise UnitError("not_allowed")
    deleted, _count = UnitManager.objects.filter(unit=unit, user_id=user_id).delete()
    if not deleted:
        raise UnitError("not_a_manager")
