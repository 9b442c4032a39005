from django.db.models import Case, Count, IntegerField, OuterRef, Subquery, When
from django.db.models.functions import Coalesce
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from stations import services
from stations.filters import PracticeUnitFilter
from stations.models import Level, PracticeUnit
from stations.permissions import IsManagerOrReadOnly, in_reach
from stations.serializers import PracticeUnitSerializer, UnitManagerSerializer


def child_count() -> Coalesce:
    """Units directly under the outer unit, as one subquery. Not a grouped Count: grouping would
    count every unit's subtree before the page is cut (over 20 s for a province's 21,000 units)."""
    counts = PracticeUnit.objects.filter(parent=OuterRef("pk")).order_by().values("parent").annotate(n=Count("id"))
    return Coalesce(Subquery(counts.values("n"), output_field=IntegerField()), 0)


def subtree_volunteer_count() -> Case:
    """Volunteers whose home station lies in the outer unit's subtree, as one subquery.

    Through the parent links of the three fixed levels, not a path prefix: a prefix taken from
    the outer row cannot use the path index, so every row scanned all 20,000 stations of a
    province (a public page of 20 units took 0.3 s)."""

    def through(station_to_unit: str) -> Coalesce:
        stations = PracticeUnit.objects.filter(**{station_to_unit: OuterRef("pk")}).order_by()
        counts = stations.values(station_to_unit).annotate(n=Count("volunteers")).values("n")
        return Coalesce(Subquery(counts, output_field=IntegerField()), 0)

    return Case(
        When(level=Level.STATION, then=through("pk")),
        When(level=Level.INSTITUTE, then=through("parent")),
        default=through("parent__parent"),
    )


class PracticeUnitViewSet(viewsets.ModelViewSet):
    """Centers, institutes and stations. Anyone may read; managers change their subtree."""

    serializer_class = PracticeUnitSerializer
    permission_classes = [IsManagerOrReadOnly]
    filterset_class = PracticeUnitFilter
    ordering_fields = ["code", "name", "path", "created_at"]
    throttle_scope: str | None = None  # named by the throttled action

    def get_queryset(self):
        reading = self.request.method in permissions.SAFE_METHODS and self.action != "managers"
        units = in_reach(PracticeUnit.objects, self.request, reading=reading)
        return (
            units.select_related("parent")
            .annotate(children_count=child_count(), volunteers_count=subtree_volunteer_count())
            .order_by("path")
        )

    def perform_create(self, serializer: BaseSerializer) -> None:
        if serializer.validated_data["level"] == Level.CENTER and not self.request.user.is_superuser:
            raise services.UnitError("centers_admin_only")
        serializer.save()

    def perform_destroy(self, instance: PracticeUnit) -> None:
        # Managers may remove units below the ones they manage, never their own.
        if not services.can_appoint_managers(self.request.user, instance):
            raise PermissionDenied()
        services.delete_unit(instance)

    @extend_schema(methods=["GET"], responses=UnitManagerSerializer(many=True))
    @extend_schema(methods=["POST"], request=UnitManagerSerializer, responses={201: UnitManagerSerializer})
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=None,
        permission_classes=[permissions.IsAuthenticated],
        # Per user, appointments only (accounts.throttles): a bound on probing numbers.
        throttle_scope="appoint_manager",
    )
    def managers(self, request, pk=None) -> Response:
        """List the managers of a unit, or appoint one by mobile number."""
        unit = self.get_object()
        if request.method == "GET":
            roles = unit.manager_roles.select_related("user").order_by("created_at")
            return Response(UnitManagerSerializer(roles, many=True).data)
        serializer = UnitManagerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        role = services.add_unit_manager(unit, serializer.validated_data["phone"], by=request.user)
        return Response(UnitManagerSerializer(role).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: OpenApiResponse(description="Removed")})
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"managers/(?P<user_id>[0-9]{1,18})",
        permission_classes=[permissions.IsAuthenticated],
    )
    def remove_manager(self, request, pk=None, user_id: str = "") -> Response:
        unit = self.get_object()
        services.remove_unit_manager(unit, int(user_id), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
