"""The self-assessment's API (under /api/v1/)."""

from django.urls import path

from reports.assessment import views

urlpatterns = [
    path("reports/assessment/", views.AssessmentView.as_view(), name="report-assessment"),
]
