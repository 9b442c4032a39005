from django.urls import URLPattern

# Mounted by points/urls.py (API, under /api/v1/) and points/page_urls.py (pages).
api_urlpatterns: list[URLPattern] = []
page_urlpatterns: list[URLPattern] = []
