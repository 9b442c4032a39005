from django.urls import include, path
from rest_framework.routers import SimpleRouter

from events.views import CheckInView, EventViewSet, MyCheckinCodeView, RefusedScanViewSet, ServiceRecordViewSet

router = SimpleRouter()
router.register("events", EventViewSet, basename="event")
router.register("records", ServiceRecordViewSet, basename="record")
router.register("refused-scans", RefusedScanViewSet, basename="refused-scan")

urlpatterns = [
    path("checkins/", CheckInView.as_view(), name="checkin"),
    path("me/checkin-code/", MyCheckinCodeView.as_view(), name="my-checkin-code"),
    path("", include("events.stats_urls")),
    *router.urls,
]
