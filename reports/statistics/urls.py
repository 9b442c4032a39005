from django.urls import path

from reports.statistics.views import HoursStatsView, PointsStatsView, SummaryStatsView

urlpatterns = [
    path("stats/hours/", HoursStatsView.as_view(), name="stats-hours"),
    path("stats/summary/", SummaryStatsView.as_view(), name="stats-summary"),
    path("stats/points/", PointsStatsView.as_view(), name="stats-points"),
]
