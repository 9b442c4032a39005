from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from stations.models import PracticeUnit
from volunteers.id_numbers import parse_id_number
from volunteers.models import Skill, Volunteer


class RegistrationError(DomainError):
    messages = {"duplicate": _("This mobile number or ID number is already registered.")}
    status_codes = {"duplicate": 409}


@transaction.atomic
def register_volunteer(
    *,
    real_name: str,
    id_number: str,
    phone: str,
    password: str | None,
    home_station: PracticeUnit,
    skills: list[str] = (),
    political_status: str = "",
) -> Volunteer:
    """Create the login and the volunteer record of a person who consents now.

    Inputs are validated and normalised by the caller (serializer or command).
    Raises RegistrationError when the phone or ID number was taken meanwhile.
    """
    facts = parse_id_number(id_number)
    try:
        with transaction.atomic():
            user = get_user_model().objects.create_user(phone=phone, password=password, name=real_name)
            volunteer = Volunteer.objects.create(
                user=user,
                real_name=real_name,
                id_number=id_number,
                gender=facts.gender,
                birth_date=facts.birth_date,
                home_station=home_station,
                political_status=political_status,
                consented_at=timezone.now(),
            )
    except IntegrityError:
        # Two registrations racing for the same phone or ID: the database decides.
        raise RegistrationError("duplicate") from None
    volunteer.assign_number()
    set_skills(volunteer, skills)
    return volunteer


def set_skills(volunteer: Volunteer, names: list[str]) -> None:
    """Replace a volunteer's skills with the named ones, creating new tags as needed."""
    skills = [Skill.objects.get_or_create(name=name)[0] for name in dict.fromkeys(names)]
    volunteer.skills.set(skills)
