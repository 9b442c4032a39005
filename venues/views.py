from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.throttles import ScopedThrottle
from stations.permissions import IsManagerOrReadOnly
from stations.scoping import is_manager
from venues import services
from venues.filters import BookingFilter, VenueFilter
from venues.models import Booking, Venue
from venues.serializers import (
    AvailabilityQuerySerializer,
    AvailabilitySerializer,
    BookingSerializer,
    RefuseSerializer,
    VenueSerializer,
)


class BookingThrottle(ScopedThrottle):
    """The ``venue_booking`` bucket (``DEFAULT_THROTTLE_RATES``), shared by the API and the pages."""

    def __init__(self) -> None:
        super().__init__("venue_booking")


def booking_allowed(request) -> bool:
    """Whether this person may make another booking request now (the API's bucket, shared with the pages)."""
    return BookingThrottle().allow_request(request, None)


def public_venues(user) -> QuerySet[Venue]:
    """Venues taking bookings, for everyone; managers also their subtree's closed ones."""
    venues = Venue.objects.bookable()
    if is_manager(user):
        venues = venues | Venue.objects.managed_by(user)
    return venues.distinct()


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """Local midnight to the next (Asia/Shanghai)."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
    return start, timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time()))


def availability(venue: Venue, day: datetime.date) -> dict:
    """The venue's hours on ``day`` and the slots held then: times and status only, never who."""
    start, end = day_bounds(day)
    taken = (
        Booking.objects.filter(venue=venue)
        .holding()
        .overlapping(start, end)
        .order_by("starts_at")
        .values("starts_at", "ends_at", "status")
    )
    return {
        "date": day,
        "open": venue.is_active and venue.unit.is_active and str(day.isoweekday()) in venue.open_weekdays,
        "opens_at": venue.opens_at,
        "closes_at": venue.closes_at,
        "taken": list(taken),
    }


class VenueViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """A unit's venues (阵地). Anyone may read those taking bookings; managers add and change their subtree's."""

    serializer_class = VenueSerializer
    permission_classes = [IsManagerOrReadOnly]
    filterset_class = VenueFilter
    ordering_fields = ["name", "capacity"]

    def get_queryset(self):
        user = self.request.user
        reading = self.request.method in permissions.SAFE_METHODS
        venues = public_venues(user) if reading else Venue.objects.managed_by(user)
        return venues.select_related("unit").prefetch_related("photos").order_by("unit__path", "name", "pk")

    @extend_schema(
        parameters=[OpenApiParameter("date", str, description="YYYY-MM-DD, default today")],
        responses=AvailabilitySerializer,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def availability(self, request: Request, pk: str | None = None) -> Response:
        venue = self.get_object()
        query = AvailabilityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        day = query.validated_data.get("date") or timezone.localdate()
        return Response(AvailabilitySerializer(availability(venue, day)).data)


class BookingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Venue bookings: everyone their own, managers their subtree's. Booking, deciding and
    cancelling go through ``venues.services``."""

    serializer_class = BookingSerializer
    filterset_class = BookingFilter
    ordering_fields = ["starts_at", "created_at"]

    def get_queryset(self):
        return (
            Booking.objects.visible_to(self.request.user)
            .select_related("venue__unit", "booker", "team")
            .order_by("starts_at", "pk")
        )

    def create(self, request: Request, *args, **kwargs) -> Response:
        throttle = BookingThrottle()
        if not throttle.allow_request(request, self):
            raise Throttled(wait=throttle.wait())
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        booking = services.book(
            data["venue"],
            request.user,
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            purpose=data["purpose"],
            attendees=data.get("attendees", 1),
            team=data.get("team"),
            is_public=data.get("is_public", False),
            at=timezone.now(),
        )
        return Response(self.get_serializer(booking).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        booking = services.decide(self.get_object(), by=request.user, approve=True, at=timezone.now())
        return Response(self.get_serializer(booking).data)

    @extend_schema(request=RefuseSerializer, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def refuse(self, request: Request, pk: str | None = None) -> Response:
        booking = self.get_object()
        body = RefuseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        booking = services.decide(
            booking, by=request.user, approve=False, reason=body.validated_data["reason"], at=timezone.now()
        )
        return Response(self.get_serializer(booking).data)

    @extend_schema(request=None, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        booking = services.cancel(self.get_object(), by=request.user, at=timezone.now())
        return Response(self.get_serializer(booking).data)
