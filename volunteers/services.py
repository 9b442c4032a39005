import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from accounts.errors import DomainError
from accounts.models import AnyUser, User
from accounts.services import deactivate_user
from stations.models import PracticeUnit, UnitManager
from volunteers import consent_texts
from volunteers.id_numbers import IdentityFacts, IdType, mask_document_number, validate_document_number
from volunteers.models import (
    ADULT_AGE,
    GUARDIAN_CONSENT_BELOW_AGE,
    MIN_REGISTRATION_AGE,
    ConsentKind,
    ConsentRecord,
    Skill,
    Volunteer,
    age_on,
)
from volunteers.signals import account_closing


class RegistrationError(DomainError):
    messages = {
        "duplicate": _("This mobile number or ID number is already registered."),
        "too_young": format_lazy(
            _("Volunteers register from the age of {age}; a younger child serves beside a registered adult."),
            age=MIN_REGISTRATION_AGE,
        ),
        "guardian_required": format_lazy(
            _("Under the age of {age}, registration needs a guardian's name, mobile number, relation and consent."),
            age=GUARDIAN_CONSENT_BELOW_AGE,
        ),
    }
    status_codes = {"duplicate": 409}


@dataclass(frozen=True)
class Guardian:
    """A minor's guardian who consents, at registration, to the minor's registration."""

    name: str
    phone: str
    relation: str


def check_registration_age(birth_date: datetime.date, *, guardian: Guardian | None, on: datetime.date) -> None:
    """Refuse a person too young to register, or under 14 without a guardian's consent.

    Raises RegistrationError ``too_young`` or ``guardian_required``.
    """
    age = age_on(birth_date, on)
    if age < MIN_REGISTRATION_AGE:
        raise RegistrationError("too_young")
    if age < GUARDIAN_CONSENT_BELOW_AGE and guardian is None:
        raise RegistrationError("guardian_required")


# The API and the roster import call this too: their error reports show no password. All
# variables, as transaction.atomic's frame holds the arguments under another name.
@sensitive_variables()
@transaction.atomic
def register_volunteer(
    *,
    real_name: str,
    id_number: str,
    phone: str,
    password: str | None,
    home_station: PracticeUnit,
    skills: Iterable[Skill] = (),
    political_status: str = "",
    guardian: Guardian | None = None,
    id_type: str = IdType.RESIDENT,
    holder: IdentityFacts | None = None,
) -> Volunteer:
    """Create the login and the volunteer record of a person who consents now.

    Inputs are validated and normalised by the caller (serializer or command); skills
    are existing rows. A minor's ``guardian`` consents now as well; it is required
    under 14 and not kept for adults (who need none). Raises RegistrationError when
    the person is too young, lacks a guardian, or the phone or ID number was taken
    meanwhile.

    ``id_type`` is the document (the resident ID card by default); a document whose
    number does not state birth date and gender needs them as ``holder``. The
    version of the consent text agreed to is stored with its time (PIPL art. 14).
    """
    facts = validate_document_number(id_type, id_number) or holder
    if facts is None:
        raise ValueError("holder facts are required for this document type")
    now = timezone.now()
    check_registration_age(facts.birth_date, guardian=guardian, on=timezone.localdate(now))
    if age_on(facts.birth_date, timezone.localdate(now)) >= ADULT_AGE:
        guardian = None
    try:
        with transaction.atomic():
            user = get_user_model().objects.create_user(phone=phone, password=password, name=real_name)
            volunteer = Volunteer.objects.create(
                user=user,
                real_name=real_name,
                id_type=id_type,
                id_number=id_number,
                gender=facts.gender,
                birth_date=facts.birth_date,
                home_station=home_station,
                political_status=political_status,
                consented_at=now,
                guardian_name=guardian.name if guardian else "",
                guardian_phone=guardian.phone if guardian else "",
                guardian_relation=guardian.relation if guardian else "",
                guardian_consented_at=now if guardian else None,
            )
    except IntegrityError:
        # Two registrations racing for the same phone or ID: the database decides.
        raise RegistrationError("duplicate") from None
    volunteer.assign_number()
    set_skills(volunteer, skills)
    ConsentRecord.objects.bulk_create(
        ConsentRecord(volunteer=volunteer, kind=kind, version=consent_texts.CURRENT_VERSION, consented_at=now)
        for kind in ([ConsentKind.REGISTRATION] + ([ConsentKind.GUARDIAN] if guardian else []))
    )
    return volunteer


class AccountError(DomainError):
    messages = {
        "wrong_password": _("The password is wrong."),
        "already_closed": _("This account is already closed."),
        "managed_account": _("A manager's or admin's account is closed by an admin, once its units are handed over."),
        "orders_in_service": _("A team is serving one of your orders: close your account once the service is done."),
    }
    status_codes = {"wrong_password": 400, "already_closed": 409, "managed_account": 409, "orders_in_service": 409}


def closed_phone(user_id: int) -> str:
    """A login name no mobile number can equal (it starts with a letter), unique per user, 11 characters."""
    return f"x{user_id:010d}"


def holds_own_account(user: AnyUser) -> bool:
    """Whether the user exercises their personal-data rights themself (PIPL art. 45, 47):
    volunteers and residents do; managers and admins without a volunteer profile are
    handled by an admin (their units must change hands first)."""
    if not user.is_authenticated:
        return False
    if Volunteer.objects.of_user(user).exists():
        return True
    return not (user.is_staff or user.is_superuser or UnitManager.objects.filter(user=user).exists())


@transaction.atomic
def close_account(user: User, *, password: str, at: datetime.datetime | None = None) -> datetime.datetime:
    """Close a volunteer's or a resident's account at their request (PIPL art. 47); return when.

    They can no longer log in (the user is deactivated, every token and session ends,
    the mobile number is replaced). A volunteer's contact data, guardian, skills,
    political status, gender and birth date are erased and the ID number is kept
    masked; the birth year stays, for statistics by age: beside the masked number it
    leaves dozens of possible numbers, where the birth date and gender would give back
    the one. The volunteer row, name and every service record stay: certificates
    already issued rest on them, and the unit's statistics of volunteers and hours stay
    unchanged. The apps above are told with ``account_closing`` in the same transaction
    (orders erase the resident's addresses, phones and photos); a receiver may refuse
    with an AccountError, which undoes everything.
    Raises AccountError (wrong_password, already_closed, managed_account, orders_in_service).
    """
    model = get_user_model()
    user = model.objects.select_for_update().get(pk=user.pk)
    volunteer = Volunteer.objects.select_for_update().filter(user=user).first()
    if (volunteer is not None and volunteer.closed_at is not None) or not user.is_active:
        raise AccountError("already_closed")
    if not holds_own_account(user):
        raise AccountError("managed_account")
    if not user.check_password(password):
        raise AccountError("wrong_password")
    at = at or timezone.now()
    account_closing.send(sender=model, user=user, volunteer=volunteer, at=at)
    if volunteer is not None:
        erase_volunteer(volunteer, at=at)
    user.phone = closed_phone(user.pk)
    user.set_unusable_password()
    user.save(update_fields=["phone", "password"])
    deactivate_user(user)
    return at


def erase_volunteer(volunteer: Volunteer, *, at: datetime.datetime) -> None:
    """Keep of a closing volunteer only what certificates and statistics need."""
    volunteer.closed_at = at
    volunteer.id_number = mask_document_number(volunteer.id_number)
    if volunteer.birth_date is not None:
        volunteer.birth_year = volunteer.birth_date.year
    volunteer.birth_date = None
    volunteer.gender = ""
    volunteer.political_status = ""
    volunteer.guardian_name = volunteer.guardian_phone = volunteer.guardian_relation = ""
    volunteer.guardian_consented_at = None
    volunteer.save(
        update_fields=[
            "closed_at",
            "id_number",
            "birth_date",
            "birth_year",
            "gender",
            "political_status",
            "guardian_name",
            "guardian_phone",
            "guardian_relation",
            "guardian_consented_at",
            "updated_at",
        ]
    )
    volunteer.skills.clear()


def set_skills(volunteer: Volunteer, skills: Iterable[Skill]) -> None:
    """Replace a volunteer's skills with existing skill rows (only managers add new ones)."""
    volunteer.skills.set(list(dict.fromkeys(skills)))
