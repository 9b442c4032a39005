"""Brand projects (品牌项目) in the API: the project, its filter and its summary."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from accounts.bounded_fields import BoundedDateField, BoundedDateFilter
from events.models import Project
from events.projects import active_in
from stations.models import PracticeUnit
from stations.scoping import is_under, under
from stations.serializers import ManagedUnitField
from volunteers.models import Team

MAX_GOALS_CHARS = 5000


@extend_schema_serializer(component_name="BrandProject")
class ProjectSerializer(serializers.ModelSerializer):
    lead_unit = ManagedUnitField()
    lead_unit_name = serializers.CharField(source="lead_unit.name", read_only=True)
    team_names = serializers.SerializerMethodField()
    starts_on = BoundedDateField()
    ends_on = BoundedDateField(required=False, allow_null=True)
    goals = serializers.CharField(max_length=MAX_GOALS_CHARS, required=False, allow_blank=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "lead_unit",
            "lead_unit_name",
            "name",
            "summary",
            "goals",
            "starts_on",
            "ends_on",
            "teams",
            "team_names",
            "is_public",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        # The unique name per lead unit is checked in validate(), with the name field's message.
        validators: list = []

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        # Teams of the manager's subtrees; the project's own teams stay valid when it is saved again.
        teams = Team.objects.managed_by(user) if user is not None else Team.objects.none()
        if isinstance(self.instance, Project):
            teams = teams | Team.objects.filter(projects=self.instance)
        fields["teams"].child_relation.queryset = teams.distinct()
        return fields

    def get_team_names(self, project: Project) -> list[str]:
        return [team.name for team in project.teams.all()]

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError(_("Give the project a name."))
        return value

    def validate(self, attrs: dict) -> dict:
        def current(name):
            return attrs.get(name, getattr(self.instance, name, None))

        starts_on, ends_on = current("starts_on"), current("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            raise serializers.ValidationError({"ends_on": _("A project cannot end before it starts.")})
        lead_unit = current("lead_unit")
        teams = attrs.get("teams")
        if teams is None and isinstance(self.instance, Project) and "lead_unit" in attrs:
            # A new lead unit keeps the project's teams only if they lie under it.
            teams = list(self.instance.teams.select_related("unit"))
        if lead_unit is not None and teams is not None:
            outside = [team.name for team in teams if not is_under(team.unit, lead_unit)]
            if outside:
                raise serializers.ValidationError(
                    {
                        "teams": _("Only teams of the lead unit or of units below it: %(names)s")
                        % {"names": "、".join(outside)}
                    }
                )
        name = current("name")
        if lead_unit is not None and name:
            same = Project.objects.filter(lead_unit=lead_unit, name=name)
            if self.instance is not None:
                same = same.exclude(pk=self.instance.pk)
            if same.exists():
                raise serializers.ValidationError({"name": _("The lead unit already has a project of this name.")})
        return attrs


@extend_schema_serializer(component_name="BrandProjectSummary")
class ProjectSummarySerializer(serializers.Serializer):
    events_held = serializers.IntegerField()
    service_hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    volunteers_served = serializers.IntegerField()
    orders_done = serializers.IntegerField()
    event_recipients = serializers.IntegerField()
    people_served = serializers.IntegerField()
    mean_rating = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    ratings_count = serializers.IntegerField()
    photos = serializers.IntegerField()
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)


@extend_schema_serializer(component_name="BrandProjectPeriod")
class PeriodSerializer(serializers.Serializer):
    """An optional period, both days included."""

    start = BoundedDateField(required=False, allow_null=True)
    end = BoundedDateField(required=False, allow_null=True)

    def validate(self, attrs: dict) -> dict:
        start, end = attrs.get("start"), attrs.get("end")
        if start and end and end < start:
            raise serializers.ValidationError({"end": _("The period cannot end before it starts.")})
        return attrs


class ProjectFilter(django_filters.FilterSet):
    unit = django_filters.NumberFilter(method="filter_unit", label=_("Lead unit (subtree)"))
    active_from = BoundedDateFilter(method="filter_active_from", label=_("Running on or after"))
    active_to = BoundedDateFilter(method="filter_active_to", label=_("Running on or before"))
    q = django_filters.CharFilter(method="filter_q", label=_("Search name, summary or goals"))

    class Meta:
        model = Project
        fields = ["unit", "active_from", "active_to", "q"]

    def filter_unit(self, queryset, name, value):
        unit = PracticeUnit.objects.filter(pk=value).first()
        return queryset.filter(under(unit, "lead_unit__path")) if unit is not None else queryset.none()

    def filter_active_from(self, queryset, name, value):
        return active_in(queryset, value, None)

    def filter_active_to(self, queryset, name, value):
        return active_in(queryset, None, value)

    def filter_q(self, queryset, name, value):
        value = value.strip()[:100]
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(summary__icontains=value) | Q(goals__icontains=value))
