from pathlib import Path

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from backend import my_record, pages
from backend.login import (
    LoginView,
    LogoutEverywhereView,
    LogoutView,
    PasswordChangeView,
    TokenLoginView,
    WhoAmIView,
)
from backend.workbench import workbench
from certificates.views import VerifyPageView
from reports.dashboard.views import dashboard_page
from reports.legal.admin_pages import annual_report_page, national_export_page
from reports.statistics.views import statistics_page
from volunteers import pages as volunteer_pages

admin.site.site_header = _("Civilization practice volunteer platform")
admin.site.site_title = _("Volunteer platform admin")
admin.site.index_title = _("Administration")

api_v1: list[URLPattern | URLResolver] = [
    path("auth/token/", TokenLoginView.as_view(), name="auth-token"),
    path("auth/whoami/", WhoAmIView.as_view(), name="auth-whoami"),
    path("auth/password/", PasswordChangeView.as_view(), name="auth-password"),
    path("auth/logout/", LogoutView.as_view(), name="auth-logout"),
    path("auth/logout-everywhere/", LogoutEverywhereView.as_view(), name="auth-logout-everywhere"),
    path("", include("stations.urls")),
    path("", include("volunteers.urls")),
    path("", include("events.urls")),
    path("", include("certificates.urls")),
    path("", include("orders.urls")),
    path("", include("points.urls")),
    path("", include("events.series_urls")),
    path("", include("events.attendance_urls")),
    path("", include("events.absence_urls")),
    path("", include("notifications.urls")),
    path("", include("notifications.calendar_api_urls")),
    path("", include("notifications.activity_calendar_api_urls")),
    path("", include("venues.urls")),
    path("", include("events.project_urls")),
    path("", include("events.offline_urls")),
    path("", include("events.card_urls")),
    path("", include("reports.urls")),
]

urlpatterns = [
    path("", pages.home, name="home"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("me/", pages.me, name="me-page"),
    path("me/password/", pages.change_password, name="password-change-page"),
    path("me/certificate-requests/", pages.request_certificate, name="me-certificate-request"),
    path("me/close-account/", volunteer_pages.close_account, name="me-close-account-page"),
    path("me/correction-requests/", my_record.ask_correction, name="me-correction-request"),
    path("workbench/", workbench, name="workbench"),
    path("register/", pages.register, name="register-page"),
    path("verify/", pages.verify_form, name="certificate-verify-form"),
    path("favicon.ico", pages.favicon),
    path("", include("events.page_urls")),
    path("", include("reports.page_urls")),
    path("", include("orders.page_urls")),
    path("", include("points.page_urls")),
    path("", include("events.attendance_page_urls")),
    path("", include("notifications.page_urls")),
    path("", include("notifications.calendar_urls")),
    path("", include("venues.page_urls")),
    path("", include("events.project_page_urls")),
    path("", include("events.offline_page_urls")),
    path("", include("notifications.activity_calendar_urls")),
    path("verify/<str:number>", VerifyPageView.as_view(), name="certificate-verify-page"),
    path("admin/statistics/", admin.site.admin_view(statistics_page), name="admin-statistics"),
    path("admin/national-export/", admin.site.admin_view(national_export_page), name="admin-national-export"),
    path("admin/annual-report/", admin.site.admin_view(annual_report_page), name="admin-annual-report"),
    path("admin/dashboard/", admin.site.admin_view(dashboard_page), name="admin-dashboard"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file, so the CSP needs no inline scripts.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    # In development only units' seals are served as files (as nginx does in production):
    # certificate PDFs and bulk files are personal and go only through the checked downloads.
    *static(f"{settings.MEDIA_URL}seals/", document_root=Path(settings.MEDIA_ROOT) / "seals"),
]
