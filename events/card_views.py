"""API of printed volunteer cards: list, issue, revoke.

Managers reach the cards of the volunteers whose home station lies in their subtree and issue
or revoke them; a volunteer sees their own cards. A card's code is the credential printed on
it, so it is shown only while the card is in use.
"""

from typing import cast

import django_filters
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from events import card_services, offline_codes
from events.models import VolunteerCard
from stations.filters import ScopedChoiceFilter
from stations.permissions import IsManagerOrReadOnly
from stations.scoping import scoped
from volunteers.models import Volunteer
from volunteers.names import mask_name


class VolunteerCardSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField(help_text=_("Masked name, as printed on the card"))
    number = serializers.CharField(source="volunteer.number", read_only=True, allow_null=True)
    in_use = serializers.SerializerMethodField()
    code = serializers.SerializerMethodField(help_text=_("The code printed on the card (only while in use)"))
    print_url = serializers.SerializerMethodField()

    class Meta:
        model = VolunteerCard
        fields = [
            "id",
            "volunteer",
            "name",
            "number",
            "serial",
            "generation",
            "issued_at",
            "in_use",
            "revoked_at",
            "revoke_reason",
            "code",
            "print_url",
        ]
        read_only_fields = fields

    def get_name(self, card: VolunteerCard) -> str:
        return mask_name(card.volunteer.real_name)

    def get_in_use(self, card: VolunteerCard) -> bool:
        return card.revoked_at is None

    def get_code(self, card: VolunteerCard) -> str | None:
        return offline_codes.card_code(card) if card.revoked_at is None else None

    def get_print_url(self, card: VolunteerCard) -> str | None:
        return reverse("volunteer-card-print", args=[card.pk]) if card.revoked_at is None else None


class IssueCardSerializer(serializers.Serializer):
    volunteer = serializers.PrimaryKeyRelatedField(queryset=Volunteer.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Only volunteers the manager may change; any other id fails like an unknown one.
            self.fields["volunteer"].queryset = Volunteer.objects.managed_by(request.user)


class RevokeCardSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=card_services.REASON_MAX_LENGTH)


class VolunteerCardFilter(django_filters.FilterSet):
    volunteer = ScopedChoiceFilter(model=Volunteer)
    in_use = django_filters.BooleanFilter(field_name="revoked_at", lookup_expr="isnull", label=_("In use"))

    class Meta:
        model = VolunteerCard
        fields = ["volunteer", "in_use"]


def cards_visible_to(user) -> QuerySet[VolunteerCard]:
    """Admins all cards, managers their subtree volunteers' cards, a volunteer their own."""
    return scoped(VolunteerCard.objects.all(), user, "volunteer__home_station__path", own=Q(volunteer__user=user))


class VolunteerCardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Volunteers' printed cards: issue one (revoking the card in use), revoke one, list them."""

    serializer_class = VolunteerCardSerializer
    permission_classes = [permissions.IsAuthenticated, IsManagerOrReadOnly]
    filterset_class = VolunteerCardFilter

    def get_queryset(self) -> QuerySet[VolunteerCard]:
        cards = cards_visible_to(self.request.user)
        if self.action == "revoke":
            # Seeing one's own card is not managing it: a manager never revokes their own.
            cards = cards.filter(volunteer__in=Volunteer.objects.managed_by(self.request.user))
        return cards.select_related("volunteer").order_by("volunteer_id", "-serial")

    @extend_schema(request=IssueCardSerializer, responses={201: VolunteerCardSerializer})
    def create(self, request: Request) -> Response:
        """Issue the volunteer a new card; the card they had stops being accepted."""
        serializer = IssueCardSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        card = card_services.issue_card(serializer.validated_data["volunteer"], cast(User, request.user))
        return Response(self.get_serializer(card).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RevokeCardSerializer, responses=VolunteerCardSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        """Revoke a lost or damaged card: refused by the server at once, by scanners from their next download."""
        card = self.get_object()
        serializer = RevokeCardSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        card = card_services.revoke_card(card, cast(User, request.user), serializer.validated_data["reason"])
        return Response(self.get_serializer(card).data)
