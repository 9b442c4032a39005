from django.urls import URLPattern, path

from points.my_pages import my_points
from points.my_views import MyPointsView

# Mounted by points/urls.py (API, under /api/v1/) and points/page_urls.py (pages).
api_urlpatterns: list[URLPattern] = [path("me/points/", MyPointsView.as_view(), name="my-points")]
page_urlpatterns: list[URLPattern] = [path("me/points/", my_points, name="my-points-page")]
