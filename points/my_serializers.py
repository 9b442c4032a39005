"""The volunteer's own points as the API shows them."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class StatementRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    words = serializers.CharField(help_text=_("The entry in words, e.g. 参加 社区环境清洁 获得 12 积分."))
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text=_("Positive: points in; negative: points out.")
    )
    balance_after = serializers.DecimalField(max_digits=12, decimal_places=2)
    memo = serializers.CharField()


class PaginatedStatementSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = StatementRowSerializer(many=True)


class MyPointsSerializer(serializers.Serializer):
    balance = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        help_text=_("Below zero only when points already spent were taken back after a record was rejected."),
    )
    expiring = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text=_("Points that expire within the next 30 days.")
    )
    expiring_on = serializers.DateField(
        allow_null=True, help_text=_("The day the first of the expiring points go; null when none expire soon.")
    )
    frozen_reason = serializers.CharField(help_text=_("Why spending is frozen; empty when it is not."))
    entries = PaginatedStatementSerializer()
