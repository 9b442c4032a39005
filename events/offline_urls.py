"""API of offline scanning: scanner devices, the offline pack, uploads, the review queue."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from events.offline_views import (
    OfflineScanViewSet,
    ScannerDeviceViewSet,
    ScannerPackView,
    ScannerPingView,
    ScannerUploadView,
)

router = SimpleRouter()
router.register("scanner-devices", ScannerDeviceViewSet, basename="scanner-device")
router.register("offline-scans", OfflineScanViewSet, basename="offline-scan")

urlpatterns: list[URLPattern | URLResolver] = [
    path("scanner/ping/", ScannerPingView.as_view(), name="scanner-ping"),
    path("scanner/events/<int:pk>/pack/", ScannerPackView.as_view(), name="scanner-pack"),
    path("scanner/upload/", ScannerUploadView.as_view(), name="scanner-upload"),
    *router.urls,
]
