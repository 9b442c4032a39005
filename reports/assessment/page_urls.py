"""The self-assessment's pages (admin look, outside /admin/)."""

from django.urls import path

from reports.assessment import pages

urlpatterns = [
    path("reports/assessment/", pages.assessment_page, name="assessment-page"),
    path("reports/assessment/download/", pages.assessment_download, name="assessment-download"),
    path("reports/assessment/eligibility/", pages.eligibility_page, name="assessment-eligibility"),
    path("reports/assessment/<str:key>/", pages.drilldown_page, name="assessment-drilldown"),
]
