from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.phones import mask_phone, normalize_phone
from stations.models import PracticeUnit, UnitManager


@extend_schema_field(OpenApiTypes.INT)
class ManagedUnitField(serializers.PrimaryKeyRelatedField):
    """A unit chosen from those the requesting user manages; others are 'not found'.

    The unit the edited object already points at stays valid, so a manager can
    save their own unit, whose parent lies above their reach, unchanged.
    """

    def get_queryset(self):
        units = PracticeUnit.objects.managed_by(self.context["request"].user)
        instance = getattr(self.parent, "instance", None)
        current = getattr(instance, f"{self.source}_id", None) if instance is not None else None
        if current is not None:
            units = units | PracticeUnit.objects.filter(pk=current)
        return units


class PracticeUnitSerializer(serializers.ModelSerializer):
    # DRF's metaclass takes declared fields off the class; the stubs see Field.parent.
    parent = ManagedUnitField(allow_null=True, required=False)  # type: ignore[assignment]
    parent_name = serializers.CharField(source="parent.name", read_only=True, default=None, allow_null=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    children_count = serializers.IntegerField(read_only=True)
    volunteers_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = PracticeUnit
        fields = [
            "id",
            "level",
            "level_display",
            "parent",
            "parent_name",
            "code",
            "name",
            "address",
            "latitude",
            "longitude",
            "contact_name",
            "contact_phone",
            "person_in_charge",
            "handler_name",
            "population",
            "is_active",
            "seal",
            "children_count",
            "volunteers_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["seal", "created_at", "updated_at"]

    def validate_level(self, value: str) -> str:
        if self.instance is not None and value != self.instance.level:
            raise serializers.ValidationError(_("The level of an existing unit cannot change."))
        return value

    def validate(self, attrs: dict) -> dict:
        unit = self.instance or PracticeUnit(level=attrs.get("level", ""))
        parent = attrs.get("parent", unit.parent)
        try:
            unit.check_parent(parent)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None
        return attrs


class UnitManagerSerializer(serializers.ModelSerializer):
    user_id = serializers.IntegerField(source="user.id", read_only=True)
    name = serializers.CharField(source="user.name", read_only=True)
    phone = serializers.CharField(
        write_only=True,
        help_text=_("Mobile number of someone registered in the unit's area (a volunteer or a manager there)."),
    )
    masked_phone = serializers.SerializerMethodField()

    class Meta:
        model = UnitManager
        fields = ["user_id", "name", "phone", "masked_phone", "created_at"]
        read_only_fields = ["created_at"]

    def get_masked_phone(self, role: UnitManager) -> str:
        return mask_phone(role.user.phone)

    def validate_phone(self, value: str) -> str:
        return normalize_phone(value)
