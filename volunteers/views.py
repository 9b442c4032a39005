from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from stations.permissions import IsManagerOrReadOnly, in_reach
from volunteers import services
from volunteers.filters import TeamFilter, VolunteerFilter
from volunteers.models import Award, Skill, Team, Volunteer
from volunteers.serializers import (
    AwardSerializer,
    CloseAccountSerializer,
    ProfileSerializer,
    RegistrationSerializer,
    SkillSerializer,
    TeamSerializer,
    VolunteerSerializer,
    VolunteerUpdateSerializer,
)


def with_related(volunteers):
    return volunteers.select_related("user", "home_station").prefetch_related("skills").with_hours()


class VolunteerViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet
):
    """Volunteers: managers see and change those of their subtree; a volunteer sees only themself."""

    permission_classes = [permissions.IsAuthenticated, IsManagerOrReadOnly]
    filterset_class = VolunteerFilter
    ordering_fields = ["created_at", "real_name", "number", "approved_hours"]
    throttle_scope: str | None = None  # named by the throttled action

    def get_queryset(self):
        return with_related(in_reach(Volunteer.objects, self.request)).order_by("-created_at", "-id")

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return VolunteerUpdateSerializer
        return VolunteerSerializer

    @extend_schema(request=RegistrationSerializer, responses={201: VolunteerSerializer})
    @action(
        detail=False,
        methods=["post"],
        permission_classes=[permissions.AllowAny],
        throttle_scope="register",
    )
    @sensitive_variables()
    def register(self, request) -> Response:
        """Self-registration of a new volunteer; public and throttled."""
        serializer = RegistrationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        volunteer = services.register_volunteer(
            real_name=data["real_name"],
            id_number=data["id_number"],
            phone=data["phone"],
            password=data["password"],
            home_station=data["home_station"],
            skills=data.get("skills", []),
            political_status=data["political_status"],
            guardian=data["guardian"],
            id_type=data["id_type"],
            holder=data["holder"],
        )
        # The new volunteer is the viewer here: they see their own data in full.
        request.user = volunteer.user
        volunteer = with_related(Volunteer.objects.filter(pk=volunteer.pk)).get()
        body = VolunteerSerializer(volunteer, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class MeView(generics.RetrieveUpdateAPIView):
    """The logged-in volunteer's own profile."""

    serializer_class = ProfileSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self) -> Volunteer:
        volunteer = with_related(Volunteer.objects.of_user(self.request.user)).first()
        if volunteer is None:
            raise NotFound(_("This account has no volunteer profile."))
        return volunteer


class CloseAccountView(APIView):
    """Close the logged-in volunteer's or resident's account (PIPL art. 47); service records stay for certificates."""

    @extend_schema(request=CloseAccountSerializer, responses={200: OpenApiTypes.OBJECT})
    @sensitive_variables()
    def post(self, request) -> Response:
        if not services.holds_own_account(request.user):
            raise NotFound(_("A manager's or admin's account is closed by an admin."))
        body = CloseAccountSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        closed_at = services.close_account(request.user, password=body.validated_data["password"])
        return Response({"closed_at": timezone.localtime(closed_at).isoformat()})


class SkillViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """The skill list: anyone reads it (the registration form offers it), only managers add to it."""

    serializer_class = SkillSerializer
    permission_classes = [IsManagerOrReadOnly]
    queryset = Skill.objects.order_by("name")
    ordering_fields = ["name"]


class TeamViewSet(viewsets.ModelViewSet):
    """Volunteer teams: managers run those of their subtree; members see their teams."""

    serializer_class = TeamSerializer
    permission_classes = [permissions.IsAuthenticated, IsManagerOrReadOnly]
    filterset_class = TeamFilter
    ordering_fields = ["name", "created_at"]

    def get_queryset(self):
        return (
            in_reach(Team.objects, self.request)
            .select_related("unit", "leader")
            .prefetch_related(Prefetch("members", queryset=Volunteer.objects.only("id")))
        )


class AwardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Awards (志愿服务记录与证明出具办法 art. 9): managers enter them for their volunteers; a volunteer sees theirs."""

    serializer_class = AwardSerializer
    permission_classes = [permissions.IsAuthenticated, IsManagerOrReadOnly]

    def get_queryset(self):
        return Award.objects.visible_to(self.request.user).select_related("volunteer").order_by("-awarded_on", "-id")
