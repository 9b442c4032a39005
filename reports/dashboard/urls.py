from django.urls import path

from reports.dashboard.views import DashboardDrilldownView, DashboardView, OrderReportView

urlpatterns = [
    path("reports/dashboard/", DashboardView.as_view(), name="report-dashboard"),
    path("reports/dashboard/<str:indicator>/", DashboardDrilldownView.as_view(), name="report-dashboard-drilldown"),
    path("reports/orders/", OrderReportView.as_view(), name="report-orders"),
]
