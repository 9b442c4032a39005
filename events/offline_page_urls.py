"""Pages of offline scanning: the installable scanner, volunteer cards and the kiosk, the review queue."""

from django.urls import include, path

urlpatterns = [
    path("", include("events.scanner_page_urls")),
    path("", include("events.card_page_urls")),
    path("", include("events.offline_review_page_urls")),
]
