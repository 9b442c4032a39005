from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.phones import mask_phone, normalize_phone, validate_mobile
from stations.models import Level, PracticeUnit
from stations.serializers import ManagedUnitField
from volunteers.id_numbers import mask_id_number, normalize_id_number, parse_id_number
from volunteers.models import PoliticalStatus, Team, Volunteer
from volunteers.names import normalize_name, validate_real_name
from volunteers.services import set_skills


class SkillsField(serializers.ListField):
    """Skills as a list of names; new names become new skill tags."""

    child = serializers.CharField(max_length=30)

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("skills"))
        super().__init__(**kwargs)

    def to_representation(self, skills) -> list[str]:
        return [skill.name for skill in skills.all()]


class SkillsWriteMixin:
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


def sees_personal_data(user, volunteer: Volunteer) -> bool:
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
            "id_number",
            "phone",
            "gender",
            "birth_date",
            "home_station",
            "home_station_name",
            "skills",
            "political_status",
            "status",
            "approved_hours",
            "star_level",
            "consented_at",
            "created_at",
        ]
        read_only_fields = ["real_name", "consented_at", "created_at"]


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


class RegistrationSerializer(serializers.Serializer):
    real_name = serializers.CharField(label=_("real name"), max_length=60)
    id_number = serializers.CharField(label=_("ID number"), max_length=30)
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

    def validate_real_name(self, value: str) -> str:
        value = normalize_name(value)
        django_errors(validate_real_name, value)
        return value

    def validate_id_number(self, value: str) -> str:
        value = normalize_id_number(value)
        django_errors(parse_id_number, value)
        if Volunteer.objects.filter(id_number=value).exists():
            raise serializers.ValidationError(_("This ID number is already registered."))
        return value

    def validate_phone(self, value: str) -> str:
        value = normalize_phone(value)
        django_errors(validate_mobile, value)
        if get_user_model().objects.filter(phone=value).exists():
            raise serializers.ValidationError(_("This mobile number is already registered."))
        return value

    def validate_consent(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(
                _("Registration needs your consent to the processing of personal information.")
            )
        return value

    def validate(self, attrs: dict) -> dict:
        user = get_user_model()(phone=attrs["phone"], name=attrs["real_name"])
        try:
            validate_password(attrs["password"], user)
        except DjangoValidationError as error:
            raise serializers.ValidationError({"password": error.messages}) from None
        return attrs


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
