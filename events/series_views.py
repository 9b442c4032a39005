from typing import cast

from django.db.models import Q
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from events import series as series_service
from events.models import EventSeries, SeriesStatus
from events.series_serializers import EventSeriesSerializer, SeriesSignupSerializer, SeriesSplitSerializer
from events.views import own_volunteer
from stations.permissions import IsManagerOrReadOnly
from volunteers.models import Team


class EventSeriesViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Recurring events: managers run those of their units; volunteers see the open ones and sign up for them."""

    # For the schema generator only; requests go through get_queryset.
    queryset = EventSeries.objects.none()
    serializer_class = EventSeriesSerializer
    permission_classes = [permissions.IsAuthenticated, IsManagerOrReadOnly]

    def get_queryset(self):
        user = self.request.user
        managed = EventSeries.objects.managed_by(user)
        if self.request.method in permissions.SAFE_METHODS or self.action == "signup":
            # A team's own series, like its events, is open to the team's members and leader only.
            member_of = Team.members.through.objects.filter(volunteer__user_id=user.pk).values("team")
            led = Team.objects.filter(leader__user_id=user.pk).values("pk")
            open_to_them = Q(status=SeriesStatus.ACTIVE) & (
                Q(team__isnull=True) | Q(team__in=member_of) | Q(team__in=led)
            )
            managed = EventSeries.objects.filter(Q(pk__in=managed.values("pk")) | open_to_them)
        return managed.select_related("unit").order_by("-created_at", "-id")

    def perform_create(self, serializer: BaseSerializer) -> None:
        data = serializer.validated_data
        serializer.instance, _made = series_service.create_series(
            now=timezone.now(), created_by=self.request.user, **data
        )

    def perform_update(self, serializer: BaseSerializer) -> None:
        # The serializer refused any change to the schedule; a PUT repeats it unchanged.
        changes = {
            name: value
            for name, value in serializer.validated_data.items()
            if name not in series_service.SCHEDULE_FIELDS
        }
        series = cast(EventSeries, serializer.instance)  # an update has its instance
        serializer.instance = series_service.update_series(series, changes, now=timezone.now())

    @extend_schema(request=SeriesSplitSerializer, responses={201: EventSeriesSerializer})
    @action(detail=True, methods=["post"])
    def split(self, request, pk=None) -> Response:
        """This and following: end the series before an occurrence and go on with the changes."""
        series = self.get_object()
        body = SeriesSplitSerializer(data=request.data, context={"request": request, "series": series})
        body.is_valid(raise_exception=True)
        changes = dict(body.validated_data)
        from_event = changes.pop("from_event")
        successor, _made = series_service.split_series(series, from_event, changes, now=timezone.now())
        return Response(self.get_serializer(successor).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={201: SeriesSignupSerializer, 204: None})
    @action(detail=True, methods=["post", "delete"], permission_classes=[permissions.IsAuthenticated])
    def signup(self, request, pk=None) -> Response:
        """Sign up for every occurrence to come (with DELETE, give them all back).

        Signing up for the series acknowledges its risk notice for each occurrence.
        """
        series = self.get_object()
        volunteer = own_volunteer(request.user)
        now = timezone.now()
        if request.method == "DELETE":
            series_service.cancel_series_signup(series, volunteer, now=now)
            return Response(status=status.HTTP_204_NO_CONTENT)
        result = series_service.sign_up_for_series(series, volunteer, now=now)
        body = SeriesSignupSerializer(result.subscription, context={"result": result})
        return Response(body.data, status=status.HTTP_201_CREATED)
