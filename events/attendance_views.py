"""API of a volunteer's answer to a reminder or a promotion: confirm the place, or give it back."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from events import attendance
from events.models import Signup
from volunteers.models import Volunteer


class AttendanceSerializer(serializers.ModelSerializer):
    event_title = serializers.CharField(source="event.title", read_only=True)
    event_starts_at = serializers.DateTimeField(source="event.starts_at", read_only=True)

    class Meta:
        model = Signup
        fields = ["id", "event", "event_title", "event_starts_at", "status", "confirm_by", "reconfirmed_at"]
        read_only_fields = fields


class SignupAttendanceViewSet(viewsets.GenericViewSet):
    """The volunteer's own sign-ups: "I am coming" (confirm) or give the place back; anyone else's is not found."""

    serializer_class = AttendanceSerializer
    permission_classes = [permissions.IsAuthenticated]
    queryset = Signup.objects.none()  # for the schema generator; requests go through get_queryset

    def get_queryset(self):
        return Signup.objects.filter(volunteer__user=self.request.user).select_related("event", "volunteer")

    @extend_schema(request=None, responses=AttendanceSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        signup = self.get_object()
        volunteer: Volunteer = signup.volunteer
        signup = attendance.reconfirm(signup, by_volunteer=volunteer, at=timezone.now())
        return Response(self.get_serializer(signup).data)

    @extend_schema(request=None, responses=AttendanceSerializer)
    @action(detail=True, methods=["post"], url_path="give-back")
    def give_back(self, request: Request, pk: str | None = None) -> Response:
        signup = attendance.give_back(self.get_object(), at=timezone.now())
        return Response(self.get_serializer(signup).data)
