"""The installable offline scanner: its page, manifest and service worker."""

from django.urls import path

from events import scanner_pages

urlpatterns = [
    path("scanner-sw.js", scanner_pages.service_worker, name="scanner-worker"),
    path("events/<int:pk>/scan/manifest.webmanifest", scanner_pages.manifest, name="event-scan-manifest"),
]
