import unicodedata

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.bounded_fields import BoundedDateField
from accounts.models import AnyUser
from accounts.phones import mask_phone, normalize_phone, validate_mobile
from stations.models import Level, PracticeUnit
from stations.serializers import ManagedUnitField
from volunteers.id_numbers import (
    SELF_DESCRIBING,
    IdentityFacts,
    IdType,
    mask_id_number,
    normalize_document_number,
    validate_document_number,
)
from volunteers.models import (
    ADULT_AGE,
    Award,
    Gender,
    GuardianRelation,
    PoliticalStatus,
    Skill,
    Team,
    Volunteer,
    age_on,
)
from volunteers.names import normalize_name, validate_real_name
from volunteers.services import Guardian, RegistrationError, check_registration_age, set_skills


class SkillsField(serializers.ListField):
    """Skills as a list of names, each chosen from the skill list (only managers add to it)."""

    child = serializers.CharField(max_length=30)

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("skills"))
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> list[Skill]:
        names = list(dict.fromkeys(super().to_internal_value(data)))
        found = {skill.name: skill for skill in Skill.objects.filter(name__in=names)}
        unknown = [name for name in names if name not in found]
        if unknown:
            raise serializers.ValidationError(
                _("Choose skills from the skill list; not in it: %(names)s.") % {"names": "、".join(unknown)}
            )
        return [found[name] for name in names]

    def to_representation(self, skills) -> list[str]:
        return [skill.name for skill in skills.all()]


class SkillsWriteMixin(serializers.ModelSerializer):
    # One transaction: a changed home station moves the volunteer's statistics with the row.
    @transaction.atomic
    def update(self, instance: Volunteer, validated_data: dict) -> Volunteer:
        skills = validated_data.pop("skills", None)
        volunteer = super().update(instance, validated_data)
        if skills is not None:
            set_skills(volunteer, skills)
        return volunteer


def django_errors(validator, value):
    """Run a Django validator and re-raise its messages as a DRF field error."""
    try:
        return validator(value)
    except DjangoValidationError as error:
        raise serializers.ValidationError(error.messages) from None


def sees_personal_data(user: AnyUser, volunteer: Volunteer) -> bool:
    return user.is_superuser or volunteer.user_id == user.pk


@extend_schema_field(OpenApiTypes.STR)
class PersonalDataField(serializers.Field):
    """An ID or phone number, in full for the volunteer and admins, masked for everyone else."""

    def __init__(self, attribute: str, mask, **kwargs):
        self.attribute, self.mask = attribute, mask
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, volunteer: Volunteer) -> str:
        value = getattr(volunteer, self.attribute)
        return value if sees_personal_data(self.context["request"].user, volunteer) else self.mask(value)


@extend_schema_field({"type": "string", "format": "date", "nullable": True})
class BirthDateField(serializers.Field):
    """The full birth date for the volunteer and admins only.

    The eight digits a masked ID number hides are the birth date, so everyone else
    gets ``null`` here and reads ``age`` instead.
    """

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, volunteer: Volunteer) -> str | None:
        if volunteer.birth_date is not None and sees_personal_data(self.context["request"].user, volunteer):
            return volunteer.birth_date.isoformat()
        return None


@extend_schema_field(OpenApiTypes.INT)
class StationField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return PracticeUnit.objects.filter(is_active=True)

    def to_internal_value(self, data):
        unit = super().to_internal_value(data)
        if unit.level != Level.STATION:
            raise serializers.ValidationError(_("Choose a station (village or community), not a center or institute."))
        return unit


class VolunteerSerializer(serializers.ModelSerializer):
    id_number = PersonalDataField("id_number", mask_id_number, label=_("ID number"))
    phone = PersonalDataField("phone", mask_phone, label=_("mobile number"))
    birth_date = BirthDateField(label=_("birth date"))
    age = serializers.IntegerField(read_only=True, label=_("age"))
    is_minor = serializers.BooleanField(read_only=True, label=_("minor (under 18)"))
    guardian_phone = PersonalDataField("guardian_phone", mask_phone, label=_("guardian's mobile number"))
    # Declared so the schema admits "" (no guardian), which a read-only model field's enum would not.
    guardian_relation = serializers.ChoiceField(
        choices=GuardianRelation.choices, allow_blank=True, read_only=True, label=_("guardian's relation")
    )
    # "" once the account is closed (PIPL art. 47: the gender goes with the birth date).
    gender = serializers.ChoiceField(choices=Gender.choices, allow_blank=True, read_only=True, label=_("gender"))
    home_station_name = serializers.CharField(source="home_station.name", read_only=True)
    skills = SkillsField(read_only=True)
    approved_hours = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True)
    star_level = serializers.IntegerField(read_only=True)

    class Meta:
        model = Volunteer
        fields = [
            "id",
            "number",
            "real_name",
            "id_type",
            "id_number",
            "national_number",
            "phone",
            "gender",
            "birth_date",
            "age",
            "is_minor",
            "home_station",
            "home_station_name",
            "skills",
            "political_status",
            "status",
            "approved_hours",
            "star_level",
            "consented_at",
            "guardian_name",
            "guardian_phone",
            "guardian_relation",
            "guardian_consented_at",
            "created_at",
        ]
        read_only_fields = [
            "real_name",
            "id_type",
            "consented_at",
            "guardian_name",
            "guardian_relation",
            "guardian_consented_at",
            "created_at",
        ]


class VolunteerUpdateSerializer(SkillsWriteMixin, VolunteerSerializer):
    """What a manager may change about a volunteer of their subtree."""

    home_station = ManagedUnitField()
    skills = SkillsField()

    def validate_home_station(self, unit: PracticeUnit) -> PracticeUnit:
        if unit.level != Level.STATION:
            raise serializers.ValidationError(_("Choose a station (village or community), not a center or institute."))
        return unit


class ProfileSerializer(SkillsWriteMixin, VolunteerSerializer):
    """What volunteers may change about themselves."""

    skills = SkillsField()

    class Meta(VolunteerSerializer.Meta):
        read_only_fields = [*VolunteerSerializer.Meta.read_only_fields, "home_station", "status"]


# The oldest age a typed birth date may give. It is checked against no document (passports
# and permits do not carry it in their number), and no one over 100 registering online by
# themselves to serve is plausible (the 2020 census counted about 119,000 centenarians among
# 1.41 billion): such a date is a slip (1900-01-01, the earliest any date field takes) or is
# made up, a child passing as an adult among others.
MAX_TYPED_AGE = 100


class RegistrationSerializer(serializers.Serializer):
    real_name = serializers.CharField(label=_("real name"), max_length=60)
    id_type = serializers.ChoiceField(
        label=_("ID type"), choices=IdType.choices, required=False, default=IdType.RESIDENT
    )
    id_number = serializers.CharField(label=_("ID number"), max_length=30)
    # Asked only for documents whose number does not state them (all but the resident ID card).
    birth_date = BoundedDateField(label=_("birth date"), required=False, allow_null=True, default=None)
    gender = serializers.ChoiceField(
        label=_("gender"), choices=Gender.choices, required=False, allow_blank=True, default=""
    )
    phone = serializers.CharField(label=_("mobile number"), max_length=20)
    password = serializers.CharField(label=_("password"), write_only=True, style={"input_type": "password"})
    home_station = StationField(label=_("home station"))
    skills = SkillsField()
    political_status = serializers.ChoiceField(
        label=_("political status"), choices=PoliticalStatus.choices, required=False, default=""
    )
    consent = serializers.BooleanField(
        label=_("consent to personal information processing"),
        write_only=True,
        help_text=_("Must be true: the volunteer agrees to the processing of their personal information."),
    )
    guardian_name = serializers.CharField(
        label=_("guardian's name"), max_length=60, required=False, allow_blank=True, default=""
    )
    guardian_phone = serializers.CharField(
        label=_("guardian's mobile number"), max_length=20, required=False, allow_blank=True, default=""
    )
    guardian_relation = serializers.ChoiceField(
        label=_("guardian's relation"),
        choices=GuardianRelation.choices,
        required=False,
        allow_blank=True,
        default="",
    )
    guardian_consent = serializers.BooleanField(
        label=_("guardian's consent"),
        write_only=True,
        required=False,
        default=False,
        help_text=_("Under 14: must be true, the guardian named here consents to this registration."),
    )

    def validate_real_name(self, value: str) -> str:
        value = normalize_name(value)
        django_errors(validate_real_name, value)
        return value

    def validate_id_number(self, value: str) -> str:
        value = normalize_document_number(value)
        # Checked here, beside the other fields' errors, against the type sent with it.
        # The roster import validates rows without initial data: resident ID cards only.
        id_type = (getattr(self, "initial_data", None) or {}).get("id_type") or IdType.RESIDENT
        if id_type in IdType.values:
            django_errors(lambda number: validate_document_number(id_type, number), value)
        return value

    def holder(self, attrs: dict) -> IdentityFacts:
        """Birth date and gender: from a resident ID number, else as typed (then required)."""
        try:
            facts = validate_document_number(attrs["id_type"], attrs["id_number"])
        except DjangoValidationError as error:
            raise serializers.ValidationError({"id_number": error.messages}) from None
        if facts is not None:
            return facts
        missing = {name: [_("Required for this ID type.")] for name in ("birth_date", "gender") if not attrs[name]}
        if missing:
            raise serializers.ValidationError(missing)
        if attrs["birth_date"] > timezone.localdate():
            raise serializers.ValidationError({"birth_date": [_("The birth date lies in the future.")]})
        if age_on(attrs["birth_date"], timezone.localdate()) > MAX_TYPED_AGE:
            raise serializers.ValidationError(
                {
                    "birth_date": [
                        _("Check the birth date: it would make you older than %(age)d.") % {"age": MAX_TYPED_AGE}
                    ]
                }
            )
        return IdentityFacts(birth_date=attrs["birth_date"], gender=attrs["gender"])

    def validate_phone(self, value: str) -> str:
        value = normalize_phone(value)
        django_errors(validate_mobile, value)
        return value

    def validate_guardian_name(self, value: str) -> str:
        if not value.strip():
            return ""
        value = normalize_name(value)
        django_errors(validate_real_name, value)
        return value

    def validate_guardian_phone(self, value: str) -> str:
        if not value.strip():
            return ""
        value = normalize_phone(value)
        django_errors(validate_mobile, value)
        return value

    def validate_consent(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(
                _("Registration needs your consent to the processing of personal information.")
            )
        return value

    def validate(self, attrs: dict) -> dict:
        attrs["holder"] = self.holder(attrs)
        for name in ["birth_date", "gender"]:
            attrs.pop(name)
        user = get_user_model()(phone=attrs["phone"], name=attrs["real_name"])
        try:
            validate_password(attrs["password"], user)
        except DjangoValidationError as error:
            raise serializers.ValidationError({"password": error.messages}) from None
        attrs["guardian"] = self.guardian(attrs)
        # validated_data holds the registration service's arguments (and ``consent``).
        for name in ["guardian_name", "guardian_phone", "guardian_relation", "guardian_consent"]:
            attrs.pop(name)
        # Only a form valid in every other respect learns whether its ID or phone is
        # taken, so half-filled forms cannot probe who is registered.
        taken = {}
        if Volunteer.objects.filter(id_number=attrs["id_number"]).exists():
            taken["id_number"] = [_("This ID number is already registered.")]
        if get_user_model().objects.filter(phone=attrs["phone"]).exists():
            taken["phone"] = [_("This mobile number is already registered.")]
        if taken:
            raise serializers.ValidationError(taken)
        return attrs

    def guardian(self, attrs: dict) -> Guardian | None:
        """A minor's consenting guardian, as the registration age rules require."""
        birth_date = (attrs.get("holder") or self.holder(attrs)).birth_date
        today = timezone.localdate()
        fields = ["guardian_name", "guardian_phone", "guardian_relation"]
        missing = {name: [_("A minor's guardian must be named.")] for name in fields if not attrs[name]}
        if not attrs["guardian_consent"]:
            missing["guardian_consent"] = [_("The guardian must consent to the registration of a minor.")]
        guardian = None if missing else Guardian(*(attrs[name] for name in fields))
        try:
            check_registration_age(birth_date, guardian=guardian, on=today)
        except RegistrationError as error:
            if error.code == "too_young":
                # At the field the birth date came from: the number's, or the one typed.
                field = "id_number" if attrs["id_type"] in SELF_DESCRIBING else "birth_date"
                raise serializers.ValidationError({field: [error.detail]}) from None
            raise serializers.ValidationError(missing) from None
        if age_on(birth_date, today) >= ADULT_AGE:
            return None  # adults name no guardian, and none is kept (PIPL art. 6: no more than needed)
        if missing and (any(attrs[name] for name in fields) or attrs["guardian_consent"]):
            raise serializers.ValidationError(missing)  # a 14-17-year-old may name one, but then in full
        return guardian


class SkillSerializer(serializers.ModelSerializer):
    class Meta:
        model = Skill
        fields = ["id", "name"]

    def validate_name(self, value: str) -> str:
        # One tag per skill however it is typed (full-width letters, stray spaces).
        value = unicodedata.normalize("NFKC", value).strip()
        if not value:
            raise serializers.ValidationError(_("Enter the skill's name."))
        if Skill.objects.filter(name__iexact=value).exists():
            raise serializers.ValidationError(_("This skill is already in the list."))
        return value


class TeamSerializer(serializers.ModelSerializer):
    unit = ManagedUnitField()
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    members = serializers.PrimaryKeyRelatedField(many=True, required=False, queryset=Volunteer.objects.none())
    leader = serializers.PrimaryKeyRelatedField(allow_null=True, required=False, queryset=Volunteer.objects.none())
    leader_name = serializers.CharField(source="leader.real_name", read_only=True, default=None, allow_null=True)
    members_count = serializers.SerializerMethodField()

    class Meta:
        model = Team
        fields = [
            "id",
            "name",
            "unit",
            "unit_name",
            "leader",
            "leader_name",
            "members",
            "members_count",
            "description",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            visible = Volunteer.objects.visible_to(request.user)
            self.fields["members"].child_relation.queryset = visible
            self.fields["leader"].queryset = visible

    def get_members_count(self, team: Team) -> int:
        return len(team.members.all())

    def validate(self, attrs: dict) -> dict:
        leader = attrs.get("leader", self.instance.leader if self.instance else None)
        if leader is not None:
            members = attrs.get("members")
            if members is None and self.instance is not None:
                members = list(self.instance.members.all())
            if leader not in (members or []):
                raise serializers.ValidationError({"leader": _("The leader must be a member of the team.")})
        return attrs


class AwardSerializer(serializers.ModelSerializer):
    """An honour a volunteer received (志愿服务记录与证明出具办法 art. 9), entered by a manager."""

    volunteer = serializers.PrimaryKeyRelatedField(queryset=Volunteer.objects.none())
    volunteer_name = serializers.CharField(source="volunteer.real_name", read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Award
        fields = [
            "id",
            "volunteer",
            "volunteer_name",
            "name",
            "awarded_on",
            "awarding_body",
            "level",
            "level_display",
            "on_certificates",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Managers record awards of their own subtree's volunteers, never their own.
            self.fields["volunteer"].queryset = Volunteer.objects.managed_by(request.user)

    def create(self, validated_data: dict) -> Award:
        return Award.objects.create(**validated_data, created_by=self.context["request"].user)


class CloseAccountSerializer(serializers.Serializer):
    password = serializers.CharField(
        label=_("password"), write_only=True, help_text=_("The account's password, to confirm it is the holder.")
    )
    confirm = serializers.BooleanField(label=_("confirm"), help_text=_("Must be true: the account cannot be reopened."))

    def validate_confirm(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(_("Confirm that the account is to be closed."))
        return value
