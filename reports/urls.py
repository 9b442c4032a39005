"""The reports' API: each sub-package has its own URLs."""

from django.urls import include, path

urlpatterns = [
    path("", include("reports.legal.urls")),
    path("", include("reports.dashboard.urls")),
    path("", include("reports.statistics.urls")),
    path("", include("reports.ledgers.urls")),
    path("", include("reports.assessment.urls")),
]
