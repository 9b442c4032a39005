"""Pages of the offline scans' review queue and scanner devices."""

from django.urls import URLPattern, URLResolver, path

from events import offline_review_pages as pages

urlpatterns: list[URLPattern | URLResolver] = [
    path("scanner/review/", pages.review_queue, name="offline-review-page"),
    path("scanner/review/<int:pk>/accept/", pages.resolve, {"accept": True}, name="offline-scan-accept-page"),
    path("scanner/review/<int:pk>/dismiss/", pages.resolve, {"accept": False}, name="offline-scan-dismiss-page"),
    path("scanner/devices/", pages.device_list, name="scanner-devices-page"),
    path("scanner/devices/<int:pk>/revoke/", pages.revoke, name="scanner-device-revoke-page"),
]
