from django.urls import path

from reports import ledger_pages

urlpatterns = [
    path("reports/ledgers/", ledger_pages.ledger_page, name="ledger-page"),
    path("reports/ledgers/<int:pk>/", ledger_pages.ledger_job_page, name="ledger-job-page"),
    path("reports/ledgers/<int:pk>/download/", ledger_pages.ledger_download_page, name="ledger-download-page"),
]
