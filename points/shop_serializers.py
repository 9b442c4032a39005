from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from points.models import ExchangeCode, Redemption, ShopItem
from points.shop import EXCHANGE_CODE, MAX_QUANTITY, METHOD_LABELS


class ShopItemSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    photo = serializers.SerializerMethodField()
    affordable = serializers.SerializerMethodField(
        help_text=_("For a volunteer: in stock and within their balance, which is not frozen. Empty for others.")
    )

    class Meta:
        model = ShopItem
        fields = [
            "id",
            "unit",
            "unit_name",
            "name",
            "description",
            "kind",
            "kind_display",
            "price",
            "stock",
            "donor",
            "photo",
            "limit_per_person",
            "limit_days",
            "is_active",
            "affordable",
        ]
        read_only_fields = fields

    def get_photo(self, item: ShopItem) -> str | None:
        return item.photo.url if item.photo else None

    def get_affordable(self, item: ShopItem) -> bool | None:
        balance = self.context.get("balance")
        if balance is None:
            return None
        return not self.context.get("frozen") and item.is_active and item.stock > 0 and item.price <= balance


class RedeemSerializer(serializers.Serializer):
    token = serializers.CharField(
        required=False, max_length=500, trim_whitespace=True, help_text=_("The volunteer's personal code, scanned.")
    )
    code = serializers.CharField(
        required=False, max_length=20, trim_whitespace=True, help_text=_("The one-time exchange code (8 digits).")
    )
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY, default=1, label=_("quantity"))

    def validate_code(self, value: str) -> str:
        value = "".join(value.split())
        if not EXCHANGE_CODE.fullmatch(value):
            raise serializers.ValidationError(_("An exchange code is 8 digits."))
        return value

    def validate(self, data: dict) -> dict:
        if bool(data.get("token")) == bool(data.get("code")):
            raise serializers.ValidationError(
                {"token": _("Scan the volunteer's personal code or type their exchange code (one of the two).")}
            )
        return data


class RedemptionSerializer(serializers.ModelSerializer):
    item_name = serializers.CharField(source="item.name", read_only=True)
    unit = serializers.IntegerField(source="item.unit_id", read_only=True)
    unit_name = serializers.CharField(source="item.unit.name", read_only=True)
    volunteer_name = serializers.SerializerMethodField()
    by_name = serializers.CharField(source="by.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    method_display = serializers.SerializerMethodField()
    stock_after = serializers.SerializerMethodField(help_text=_("The item's stock after this redemption (201 only)."))

    class Meta:
        model = Redemption
        fields = [
            "id",
            "item",
            "item_name",
            "unit",
            "unit_name",
            "volunteer",
            "volunteer_name",
            "recipient",
            "quantity",
            "points",
            "status",
            "status_display",
            "method",
            "method_display",
            "by_name",
            "created_at",
            "returned_at",
            "return_reason",
            "stock_after",
        ]
        read_only_fields = fields

    def get_volunteer_name(self, redemption: Redemption) -> str:
        return redemption.volunteer.real_name if redemption.volunteer else ""

    def get_method_display(self, redemption: Redemption) -> str:
        return str(METHOD_LABELS.get(redemption.method, ""))

    def get_stock_after(self, redemption: Redemption) -> int | None:
        return self.context.get("stock_after")


class ExchangeCodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExchangeCode
        fields = ["code", "expires_at"]
        read_only_fields = fields
