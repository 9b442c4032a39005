"""The shop's API: items (a volunteer's shops, or the shops one keeps), redemptions, exchange codes."""

from __future__ import annotations

from typing import cast

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.bounded_fields import BoundedDateFilter
from accounts.models import AnyUser, User
from points import shop
from points.errors import PointsError
from points.models import ItemKind, Redemption, RedemptionStatus, ShopItem
from points.shop_serializers import ExchangeCodeSerializer, RedeemSerializer, RedemptionSerializer, ShopItemSerializer
from stations.admin import SafeModelChoiceField
from stations.filters import SubtreeFilter
from volunteers.models import Volunteer


def own_volunteer(user: AnyUser) -> Volunteer | None:
    return Volunteer.objects.of_user(user).select_related("home_station").first()


def items_for(user: AnyUser, volunteer: Volunteer | None) -> QuerySet[ShopItem]:
    """The items a user reaches: those of the shops they keep, and (a volunteer) those offered at their shops."""
    reach = shop.kept_q(user)
    if volunteer is not None:
        reach |= Q(unit__path__in=shop.shop_paths(volunteer), is_active=True)
    return ShopItem.objects.filter(reach)


class ItemChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = SafeModelChoiceField


class ShopItemFilter(django_filters.FilterSet):
    unit = SubtreeFilter(field_name="unit__path", label=_("Shop of (unit and the units below it)"))
    kind = django_filters.ChoiceFilter(choices=ItemKind.choices)
    is_active = django_filters.BooleanFilter()
    q = django_filters.CharFilter(method="filter_q", max_length=50, label=_("Search name, description or donor"))

    class Meta:
        model = ShopItem
        fields = ["unit", "kind", "is_active", "q"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value) | Q(donor__icontains=value))


def _reachable_items(request: Request | None) -> QuerySet[ShopItem]:
    if request is None:
        return ShopItem.objects.none()
    return items_for(request.user, own_volunteer(request.user))


class RedemptionFilter(django_filters.FilterSet):
    unit = SubtreeFilter(field_name="item__unit__path", label=_("Shop of (unit and the units below it)"))
    item = ItemChoiceFilter(queryset=_reachable_items, label=_("item"))
    status = django_filters.ChoiceFilter(choices=RedemptionStatus.choices)
    date_from = BoundedDateFilter(field_name="created_at", lookup_expr="date__gte", label=_("From date"))
    date_to = BoundedDateFilter(field_name="created_at", lookup_expr="date__lte", label=_("To date"))

    class Meta:
        model = Redemption
        fields = ["unit", "item", "status", "date_from", "date_to"]


@extend_schema_view(list=extend_schema(summary="爱心超市物品列表"), retrieve=extend_schema(summary="查看爱心超市物品"))
class ShopItemViewSet(viewsets.ReadOnlyModelViewSet):
    """爱心超市 items: a volunteer sees those offered at their station's shop and the shops above it
    (``affordable`` marks what their points buy now); keepers and managers see their shops' items."""

    serializer_class = ShopItemSerializer
    filterset_class = ShopItemFilter
    ordering_fields = ["price", "name", "stock", "created_at"]
    throttle_scope: str | None = None  # named by the throttled action

    def get_queryset(self):
        return items_for(self.request.user, self.volunteer).select_related("unit").order_by("unit__path", "price", "id")

    @property
    def volunteer(self) -> Volunteer | None:
        if not hasattr(self, "_volunteer"):
            self._volunteer = own_volunteer(self.request.user)
        return self._volunteer

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        if self.volunteer is not None:
            context["balance"] = shop.points_of(self.volunteer)
            context["frozen"] = shop.points_frozen(self.volunteer)
        return context

    @extend_schema(
        request=RedeemSerializer,
        responses={201: RedemptionSerializer},
        summary="兑换：扫志愿者个人码或输入兑换码，交付物品",
    )
    @action(detail=True, methods=["post"], throttle_scope="scan")
    def redeem(self, request: Request, pk: str | None = None) -> Response:
        """Hand the item over for points: the volunteer's scanned personal code (``token``) or
        their one-time exchange code (``code``). Keepers and managers of the item's shop only."""
        item, user = self.get_object(), cast(User, request.user)
        if not shop.can_keep_shop(user, item.unit):
            raise PointsError("not_shop_keeper")
        serializer = RedeemSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data, now = serializer.validated_data, timezone.now()
        if data.get("token"):
            redemption = shop.redeem_by_personal_code(item, data["token"], by=user, quantity=data["quantity"], at=now)
        else:
            redemption = shop.redeem_by_exchange_code(item, data["code"], by=user, quantity=data["quantity"], at=now)
        body = RedemptionSerializer(redemption, context={"stock_after": redemption.item.stock}).data
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(summary="兑换记录列表"), retrieve=extend_schema(summary="查看兑换记录"))
class RedemptionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Redemptions: keepers and managers see their shops'; a volunteer sees their own."""

    serializer_class = RedemptionSerializer
    filterset_class = RedemptionFilter
    ordering_fields = ["created_at", "points"]

    def get_queryset(self):
        user = self.request.user
        if not user.is_authenticated:
            return Redemption.objects.none()
        return (
            Redemption.objects.filter(shop.kept_q(user, "item__unit") | Q(volunteer__user=user))
            .select_related("item__unit", "volunteer", "by")
            .order_by("-created_at", "-id")
        )


class MyExchangeCodeView(APIView):
    """A new one-time exchange code for the volunteer to show at the shop (valid ten minutes)."""

    throttle_scope = "checkin"

    @extend_schema(request=None, responses={201: ExchangeCodeSerializer}, summary="生成我的一次性兑换码")
    def post(self, request: Request) -> Response:
        volunteer = own_volunteer(request.user)
        if volunteer is None:
            raise PointsError("not_volunteer")
        code = shop.issue_exchange_code(volunteer, now=timezone.now())
        return Response(ExchangeCodeSerializer(code).data, status=status.HTTP_201_CREATED)
