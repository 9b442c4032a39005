"""Brand projects (品牌项目): public ones for everyone to read, managed by their lead unit's managers."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from events.models import Project
from events.project_serializers import PeriodSerializer, ProjectFilter, ProjectSerializer, ProjectSummarySerializer
from events.projects import project_summary
from stations.scoping import is_manager


class ProjectPermission(permissions.BasePermission):
    """Anyone, signed in or not, reads; admins and unit managers write (their subtree: the queryset decides)."""

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or is_manager(request.user)


def readable_projects(user) -> Q:
    """Public projects, and the projects a manager's subtree leads."""
    return Q(is_public=True) | Q(pk__in=Project.objects.managed_by(user).values("pk"))


class ProjectViewSet(viewsets.ModelViewSet):
    """Brand projects: everybody sees the public ones; managers run those their subtree leads."""

    # For the schema generator only; requests go through get_queryset.
    queryset = Project.objects.none()
    serializer_class = ProjectSerializer
    permission_classes = [ProjectPermission]
    filterset_class = ProjectFilter
    ordering_fields = ["starts_on", "name", "created_at"]

    def get_queryset(self):
        user = self.request.user
        if self.request.method in permissions.SAFE_METHODS:
            projects = Project.objects.filter(readable_projects(user))
        else:
            projects = Project.objects.managed_by(user)
        return projects.select_related("lead_unit").prefetch_related("teams").order_by("-starts_on", "-id")

    def perform_create(self, serializer: BaseSerializer) -> None:
        self._save(serializer, created_by=self.request.user)

    def perform_update(self, serializer: BaseSerializer) -> None:
        self._save(serializer)

    def _save(self, serializer: BaseSerializer, **extra) -> None:
        # Two managers naming two projects alike at once: the second hears it like any duplicate.
        try:
            with transaction.atomic():
                serializer.save(**extra)
        except IntegrityError as error:
            if "project_name_unique_per_unit" not in str(error) and "UNIQUE" not in str(error):
                raise
            raise ValidationError({"name": _("The lead unit already has a project of this name.")}) from error

    @extend_schema(
        parameters=[
            OpenApiParameter("start", str, description="YYYY-MM-DD"),
            OpenApiParameter("end", str, description="YYYY-MM-DD"),
        ],
        responses=ProjectSummarySerializer,
    )
    @action(detail=True, methods=["get"], filterset_class=None, ordering_fields=None)
    def summary(self, request: Request, pk=None) -> Response:
        """What the project did: events held, approved hours, volunteers, people served, rating, photos."""
        project = self.get_object()
        period = PeriodSerializer(data=request.query_params)
        period.is_valid(raise_exception=True)
        dates = period.validated_data
        figures = project_summary(project, start=dates.get("start"), end=dates.get("end"))
        return Response(ProjectSummarySerializer(figures).data)
