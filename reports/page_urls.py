"""The reports' pages outside the admin: each sub-package has its own."""

from django.urls import include, path

urlpatterns = [
    path("", include("reports.ledgers.page_urls")),
    path("", include("reports.assessment.page_urls")),
]
