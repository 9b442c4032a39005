from django.urls import include, path
from rest_framework.routers import SimpleRouter

from reports.dashboard_views import DashboardDrilldownView, DashboardView, OrderReportView
from reports.ledger_views import LedgerJobViewSet
from reports.views import AnnualReportView, MyDataPdfView, MyDataView, MyPhotoView, NationalExportView

ledgers = SimpleRouter()
ledgers.register("reports/ledgers", LedgerJobViewSet, basename="report-ledger")

urlpatterns = [
    path("reports/national-export/", NationalExportView.as_view(), name="report-national-export"),
    path("reports/annual/", AnnualReportView.as_view(), name="report-annual"),
    path("reports/dashboard/", DashboardView.as_view(), name="report-dashboard"),
    path("reports/dashboard/<str:indicator>/", DashboardDrilldownView.as_view(), name="report-dashboard-drilldown"),
    path("reports/orders/", OrderReportView.as_view(), name="report-orders"),
    path("", include("reports.stats_urls")),
    path("me/data/", MyDataView.as_view(), name="me-data"),
    path("me/data/pdf/", MyDataPdfView.as_view(), name="me-data-pdf"),
    path("me/data/photos/<str:kind>/<int:pk>/", MyPhotoView.as_view(), name="me-data-photo"),
    *ledgers.urls,
]
