from django.urls import path
from rest_framework.routers import SimpleRouter

from reports.ledgers.projects import ProjectListView
from reports.ledgers.views import LedgerJobViewSet

router = SimpleRouter()
router.register("reports/ledgers", LedgerJobViewSet, basename="report-ledger")

urlpatterns = [
    *router.urls,
    path("reports/projects/", ProjectListView.as_view(), name="report-projects"),
]
