"""Gifts to relatives and donations, as the API and the gift page take and show them."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.phones import mask_phone, normalize_phone, validate_mobile
from points.ledger import CENT
from points.models import MAX_POINTS, Gift, Transfer
from stations.models import PracticeUnit
from volunteers.models import Volunteer


class PointsAmountField(serializers.DecimalField):
    """Points a person sends: more than zero, at most MAX_POINTS, two decimals; NaN and Infinity refused."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("points"))
        super().__init__(max_digits=12, decimal_places=2, min_value=CENT, max_value=MAX_POINTS, **kwargs)


def masked(volunteer: Volunteer) -> str:
    """张三 138****5678: enough to tell a relative from a stranger, not to learn a name from a number."""
    return f"{volunteer.real_name[:1]}* {mask_phone(volunteer.user.phone)}"


class GiftOfferSerializer(serializers.Serializer):
    phone = serializers.CharField(label=_("receiver's mobile number"), max_length=30)
    amount = PointsAmountField()
    relation = serializers.CharField(label=_("relation"), max_length=20)

    def validate_phone(self, value: str) -> str:
        phone = normalize_phone(value)
        try:
            validate_mobile(phone)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return phone


class GiftSerializer(serializers.ModelSerializer):
    giver = serializers.SerializerMethodField(label=_("from"))
    receiver = serializers.SerializerMethodField(label=_("to"))
    direction = serializers.SerializerMethodField(help_text=_("'out' for gifts you offered, 'in' for offers to you."))
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Gift
        fields = [
            "id",
            "direction",
            "giver",
            "receiver",
            "relation",
            "amount",
            "status",
            "status_display",
            "created_at",
            "decided_at",
        ]
        read_only_fields = fields

    def get_giver(self, gift: Gift) -> str:
        return masked(gift.giver)

    def get_receiver(self, gift: Gift) -> str:
        return masked(gift.receiver)

    def get_direction(self, gift: Gift) -> str:
        request = self.context.get("request")
        return "out" if request is not None and gift.giver.user_id == request.user.pk else "in"


class DonationSerializer(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(label=_("unit"), queryset=PracticeUnit.objects.all())
    amount = PointsAmountField()


class DonationResultSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    balance = serializers.SerializerMethodField(help_text=_("Your balance after the donation."))

    class Meta:
        model = Transfer
        fields = ["id", "unit", "unit_name", "amount", "created_at", "balance"]
        read_only_fields = fields

    def get_balance(self, transfer: Transfer) -> Decimal:
        return transfer.source.balance
