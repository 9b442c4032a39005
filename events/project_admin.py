"""Brand projects in the admin: managers keep the projects their subtree leads."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from events.models import Project
from events.project_serializers import ProjectSerializer
from events.projects import project_summary
from stations.admin import ScopedAdmin, serializer_errors_to_form
from volunteers.models import Team


class ProjectAdminForm(forms.ModelForm):
    """Validated by the API's serializer, so both refuse the same input with the same words."""

    request: Any = None

    class Meta:
        model = Project
        exclude = ["created_by"]  # noqa: DJ006 - the admin's fieldsets choose the fields

    def clean(self) -> dict:
        cleaned = cast(dict[str, Any], super().clean())
        data = {}
        for name in ("lead_unit", "name", "summary", "goals", "starts_on", "ends_on", "is_public"):
            if name in cleaned:
                value = cleaned[name]
                data[name] = value.pk if hasattr(value, "pk") else value
        if "teams" in cleaned:
            data["teams"] = [team.pk for team in cleaned["teams"]]
        serializer = ProjectSerializer(
            instance=self.instance if self.instance.pk else None,
            data=data,
            partial=True,
            context={"request": self.request},
        )
        if not serializer.is_valid():
            serializer_errors_to_form(self, serializer.errors)
        return cleaned


class ProjectAdmin(ScopedAdmin):
    form = ProjectAdminForm
    list_display = ["name", "lead_unit", "starts_on", "ends_on", "is_public"]
    list_filter = ["is_public"]
    search_fields = ["name", "summary"]
    list_select_related = ["lead_unit"]
    date_hierarchy = "starts_on"
    filter_horizontal = ["teams"]
    readonly_fields = ["figures", "events_list", "created_by", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["lead_unit", "name", "summary", "goals", "starts_on", "ends_on", "teams", "is_public"]}),
        (_("What it did"), {"fields": ["figures", "events_list"]}),
        (_("Record"), {"fields": ["created_by", "created_at", "updated_at"]}),
    ]

    def scoped_queryset(self, request):
        return Project.objects.managed_by(request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "teams":
            kwargs["queryset"] = Team.objects.managed_by(request.user).select_related("unit")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("figures"))
    def figures(self, project: Project) -> str:
        if project.pk is None:
            return ""
        summary = project_summary(project)
        rows = [
            (gettext("Events held"), summary.events_held),
            (gettext("Approved service hours"), summary.service_hours),
            (gettext("Volunteers who served"), summary.volunteers_served),
            (gettext("People served"), summary.people_served),
            (gettext("Mean rating"), summary.mean_rating if summary.mean_rating is not None else "—"),
            (gettext("Activity photos"), summary.photos),
        ]
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}：{}</li>", rows))

    @admin.display(description=_("events"))
    def events_list(self, project: Project) -> str:
        if project.pk is None:
            return ""
        url = reverse("admin:events_event_changelist") + f"?project__id__exact={project.pk}"
        return format_html('<a href="{}">{}</a>', url, gettext("The project's events"))


admin.site.register(Project, ProjectAdmin)
