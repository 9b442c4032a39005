from django.urls import URLPattern, path
from rest_framework.routers import SimpleRouter

from points import gift_pages
from points.gift_views import MyDonationView, MyGiftViewSet

router = SimpleRouter()
router.register("me/gifts", MyGiftViewSet, basename="my-gift")

# Mounted by points/urls.py (API, under /api/v1/) and points/page_urls.py (pages).
api_urlpatterns: list[URLPattern] = [
    path("me/donations/", MyDonationView.as_view(), name="my-donation"),
    *router.urls,  # type: ignore[list-item]
]
page_urlpatterns: list[URLPattern] = [
    path("me/points/gifts/", gift_pages.gift_page, name="gift-page"),
]
