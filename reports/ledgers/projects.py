"""The county's list of brand projects (品牌项目): one row per project led in a unit's subtree,
as JSON pages or as a CSV or XLSX download.

A row's figures are ``events.projects.project_summary`` of the project, over its whole
life or over the days asked for (then only the projects whose period meets those days
are listed), the same figures the project's page and the ledger's 品牌项目 chapter show.
Rows are made as they are written, so a county's list streams.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import cast

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers

from accounts.bounded_fields import BoundedDateField
from accounts.pagination import PageNumberPagination
from events.models import Project
from events.projects import ProjectSummary, active_in, project_summary
from reports.files import FILE_FORMATS, XLSX_TYPE, FileExportView, csv_download, workbook_response
from reports.ledgers.contents import project_period_label
from stations.models import PracticeUnit
from stations.scoping import under

MAX_UNIT_ID = 2**31 - 1


@dataclass(frozen=True)
class ProjectListRow:
    project: Project
    summary: ProjectSummary

    @property
    def teams(self) -> list[str]:
        return sorted(team.name for team in self.project.teams.all())


def project_list(user, root: PracticeUnit | None, date_from: datetime.date | None, date_to: datetime.date | None):
    """The projects led in ``root``'s subtree (None: everything the user reaches), in tree order;
    with days given, those whose period meets them."""
    projects = Project.objects.managed_by(user)
    if root is not None:
        projects = projects.filter(under(root, "lead_unit__path"))
    if date_from is not None or date_to is not None:
        projects = active_in(projects, date_from, date_to)
    return (
        projects.select_related("lead_unit")
        .prefetch_related("teams")
        .order_by("lead_unit__path", "starts_on", "name", "id")
    )


def project_rows(
    projects: Iterable[Project], date_from: datetime.date | None, date_to: datetime.date | None
) -> Iterator[ProjectListRow]:
    for project in projects:
        yield ProjectListRow(project, project_summary(project, start=date_from, end=date_to))


def file_header() -> list[str]:
    return [
        _("Project"),
        _("Lead unit"),
        _("Project period"),
        _("Teams"),
        _("Events"),
        _("Approved hours"),
        _("Volunteers"),
        _("People served"),
        _("Mean rating"),
    ]


def file_cells(row: ProjectListRow) -> list:
    project, summary = row.project, row.summary
    return [
        project.name,
        project.lead_unit.name,
        project_period_label(project.starts_on, project.ends_on),
        "、".join(row.teams),
        summary.events_held,
        summary.service_hours,
        summary.volunteers_served,
        summary.people_served,
        "" if summary.mean_rating is None else summary.mean_rating,
    ]


def row_dict(row: ProjectListRow) -> dict:
    project, summary = row.project, row.summary
    return {
        "id": project.pk,
        "name": project.name,
        "lead_unit": {"id": project.lead_unit_id, "name": project.lead_unit.name},
        "starts_on": project.starts_on,
        "ends_on": project.ends_on,
        "teams": row.teams,
        "events": summary.events_held,
        "hours": summary.service_hours,
        "volunteers": summary.volunteers_served,
        "people_served": summary.people_served,
        "mean_rating": summary.mean_rating,
        "ratings": summary.ratings_count,
    }


class ProjectListQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_UNIT_ID,
        help_text=gettext_lazy("A unit in your scope; default all of it."),
    )
    date_from = BoundedDateField(
        required=False, help_text=gettext_lazy("First day counted; with it only projects running then are listed.")
    )
    date_to = BoundedDateField(required=False, help_text=gettext_lazy("Last day counted, included."))
    format = serializers.ChoiceField(choices=["json", *FILE_FORMATS], default="json")

    def validate(self, attrs: dict) -> dict:
        date_from, date_to = attrs.get("date_from"), attrs.get("date_to")
        if date_from and date_to and date_to < date_from:
            raise serializers.ValidationError({"date_to": _("The end date must not be before the start date.")})
        return attrs


class LeadUnitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ProjectListRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    lead_unit = LeadUnitSerializer()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)
    teams = serializers.ListField(child=serializers.CharField())
    events = serializers.IntegerField(help_text=gettext_lazy("Events held."))
    hours = serializers.DecimalField(max_digits=14, decimal_places=2, help_text=gettext_lazy("Approved hours."))
    volunteers = serializers.IntegerField(help_text=gettext_lazy("Volunteers with approved hours."))
    people_served = serializers.IntegerField()
    mean_rating = serializers.DecimalField(
        max_digits=4, decimal_places=2, allow_null=True, help_text=gettext_lazy("Mean stars, 1-5.")
    )
    ratings = serializers.IntegerField(help_text=gettext_lazy("Grades and ratings the mean is made of."))


class PaginatedProjectListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ProjectListRowSerializer(many=True)


def list_file(rows: Iterable[ProjectListRow], scope: str, file_format: str) -> StreamingHttpResponse | HttpResponseBase:
    name = "_".join(part.replace("/", "-").replace("\\", "-") for part in (_("Brand projects"), scope))
    cells = (file_cells(row) for row in rows)
    if file_format == "xlsx":
        return workbook_response([(_("Brand projects"), file_header(), cells)], f"{name}.xlsx")
    return csv_download(file_header(), cells, f"{name}.csv")


class ProjectListView(FileExportView):
    """The brand projects led in a unit's subtree (or the caller's whole scope), with what each did."""

    @extend_schema(
        operation_id="reports_projects",
        parameters=[ProjectListQuerySerializer],
        responses={
            (200, "application/json"): PaginatedProjectListSerializer,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="UTF-8 with BOM, not paginated"),
            (200, XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="Not paginated"),
        },
    )
    def get(self, request) -> HttpResponseBase:
        query = ProjectListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        root = None
        if data.get("unit") is not None:
            root = get_object_or_404(PracticeUnit.objects.managed_by(request.user), pk=data["unit"])
        date_from, date_to = data.get("date_from"), data.get("date_to")
        projects = project_list(request.user, root, date_from, date_to)
        if data["format"] in FILE_FORMATS:
            scope = root.name if root else _("All units")
            return list_file(project_rows(projects.iterator(chunk_size=100), date_from, date_to), scope, data["format"])
        paginator = PageNumberPagination()
        page = cast(list[Project], paginator.paginate_queryset(cast(QuerySet, projects), request, view=self))
        rows = [row_dict(row) for row in project_rows(page, date_from, date_to)]
        return paginator.get_paginated_response(ProjectListRowSerializer(rows, many=True).data)


__all__ = ["ProjectListView", "project_list", "project_rows"]
