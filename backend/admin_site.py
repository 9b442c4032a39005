"""The platform's admin site: Django's, with what an admin must act on shown on its index page."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from events.working_days import missing_schedule_year

INBOX_LATEST = 5


class PlatformAdminSite(admin.AdminSite):
    """The admin site every ``admin.site`` refers to (``PlatformAdminConfig.default_site``)."""

    def index(self, request: HttpRequest, extra_context: dict | None = None) -> TemplateResponse:
        # Imported here: this module is loaded with the app registry, before any model.
        from notifications.inbox import inbox_of
        from stations.scoping import is_manager
        from stations.services import appoints_anywhere

        context = dict(extra_context or {})
        if request.user.is_superuser:
            # Deadlines in working days count Monday to Friday where the holiday schedule is missing.
            context["calendar_missing_year"] = missing_schedule_year(timezone.localdate())
        if is_manager(request.user):
            # What waits for the manager, at the top: the few latest unread, the rest in the inbox.
            unread = inbox_of(request.user).unread()
            context["inbox_unread"] = unread.count()
            context["inbox_latest"] = list(unread[:INBOX_LATEST]) if context["inbox_unread"] else []
        if appoints_anywhere(request.user):
            context["appoint_managers_url"] = reverse("admin:stations_practiceunit_managers", current_app=self.name)
        return super().index(request, context)


class PlatformAdminConfig(AdminConfig):
    default_site = "backend.admin_site.PlatformAdminSite"
