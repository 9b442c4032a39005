"""Public pages of brand projects (品牌项目): what each project is and what it did.

Open to everyone for public projects (a manager also sees the private projects their
subtree leads). They name no volunteer and no resident: the figures are counts, the
events are the published ones anyone may see, and activity photos, which show residents,
appear only to the managers who may see them (``ActivityPhoto.objects.managed_by``).
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from events.models import ActivityPhoto, Event, EventStatus, Project
from events.project_views import readable_projects
from events.projects import project_summary

PROJECTS_PER_PAGE = 20
RECENT_EVENTS = 10
PHOTOS_SHOWN = 12


@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    projects = Project.objects.filter(readable_projects(request.user)).select_related("lead_unit")
    query = request.GET.get("q", "").strip()[:50]
    if query:
        projects = projects.filter(Q(name__icontains=query) | Q(summary__icontains=query))
    page = Paginator(projects.order_by("-starts_on", "id"), PROJECTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "events/projects/list.html", {"page": page, "projects": page.object_list, "q": query})


@require_GET
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    projects = Project.objects.filter(readable_projects(request.user)).select_related("lead_unit")
    project = get_object_or_404(projects, pk=pk)
    events = (
        Event.objects.visible_to(request.user)
        .filter(project=project, status__in=(EventStatus.PUBLISHED, EventStatus.FINISHED))
        .select_related("unit")
        .order_by("-starts_at", "-id")[:RECENT_EVENTS]
    )
    photos = (
        ActivityPhoto.objects.managed_by(request.user)
        .filter(record__event__project=project)
        .select_related("record__event")
        .order_by("-uploaded_at", "-id")[:PHOTOS_SHOWN]
    )
    return render(
        request,
        "events/projects/detail.html",
        {
            "project": project,
            "teams": project.teams.select_related("unit").order_by("name"),
            "events": events,
            "summary": project_summary(project),
            "photos": photos,
        },
    )
