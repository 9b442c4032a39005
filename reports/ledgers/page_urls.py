from django.urls import path

from reports.ledgers import pages

urlpatterns = [
    path("reports/ledgers/", pages.ledger_page, name="ledger-page"),
    path("reports/ledgers/<int:pk>/", pages.ledger_job_page, name="ledger-job-page"),
    path("reports/ledgers/<int:pk>/download/", pages.ledger_download_page, name="ledger-download-page"),
]
