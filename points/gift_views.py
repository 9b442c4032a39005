"""The volunteer's gifts to relatives and donations: ``me/gifts/`` and ``me/donations/``."""

from __future__ import annotations

from typing import cast

from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import AnyUser, User
from points import gifts
from points.errors import PointsError
from points.gift_serializers import DonationResultSerializer, DonationSerializer, GiftOfferSerializer, GiftSerializer
from points.models import Gift
from volunteers.models import Volunteer


def own_volunteer(user: AnyUser) -> Volunteer:
    volunteer = Volunteer.objects.of_user(user).select_related("user", "home_station").first()
    if volunteer is None:
        raise PointsError("not_volunteer")
    return volunteer


def gifts_of(volunteer: Volunteer) -> QuerySet[Gift]:
    """The gifts a volunteer offered or was offered, newest first."""
    return (
        Gift.objects.filter(Q(giver=volunteer) | Q(receiver=volunteer))
        .select_related("giver__user", "receiver__user")
        .order_by("-created_at", "-id")
    )


@extend_schema_view(list=extend_schema(summary="我的积分转赠（转出的和转给我的）"))
class MyGiftViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Points given to relatives (转赠): offered by the giver, moved only when the receiver accepts."""

    serializer_class = GiftSerializer
    permission_classes = [permissions.IsAuthenticated]
    queryset = Gift.objects.none()
    filterset_fields = ["status"]
    # Offering looks volunteers up by mobile number: a bound on how many numbers one account can try
    # (listing and answering gifts count too; a person does either a few times an hour).
    throttle_scope = "points_gift"

    def get_queryset(self) -> QuerySet[Gift]:
        volunteer = Volunteer.objects.of_user(self.request.user).first()
        return gifts_of(volunteer) if volunteer is not None else Gift.objects.none()

    @extend_schema(
        summary="转赠积分给亲属（对方确认后转出）", request=GiftOfferSerializer, responses={201: GiftSerializer}
    )
    def create(self, request: Request) -> Response:
        giver = own_volunteer(request.user)
        serializer = GiftOfferSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # The giver's side first: whether the number is known must not show in which refusal comes back.
        gifts.giver_may_offer(giver, data["amount"], relation=data["relation"])
        receiver = gifts.find_receiver(data["phone"])
        gift = gifts.offer_gift(giver, receiver, data["amount"], relation=data["relation"])
        return Response(self.get_serializer(gift).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="接受转赠（积分此时转入）", request=None, responses=GiftSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        gift = self.get_object()
        gifts.accept_gift(gift, by=cast(User, request.user))
        gift.refresh_from_db()
        return Response(self.get_serializer(gift).data)

    @extend_schema(summary="拒绝转赠", request=None, responses=GiftSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str | None = None) -> Response:
        gift = gifts.decline_gift(self.get_object(), by=cast(User, request.user))
        return Response(self.get_serializer(gift).data)

    @extend_schema(summary="撤回转赠", request=None, responses=GiftSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        gift = gifts.cancel_gift(self.get_object(), by=cast(User, request.user))
        return Response(self.get_serializer(gift).data)


class MyDonationView(APIView):
    """Points donated to a donations pool (公益池) of the home station or a unit above it."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="捐赠积分到公益池", request=DonationSerializer, responses={201: DonationResultSerializer})
    def post(self, request: Request) -> Response:
        volunteer = own_volunteer(request.user)
        serializer = DonationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        transfer = gifts.donate(volunteer, serializer.validated_data["unit"], serializer.validated_data["amount"])
        return Response(DonationResultSerializer(transfer).data, status=status.HTTP_201_CREATED)
