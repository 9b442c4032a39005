from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from points import shop_pages
from points.shop_views import MyExchangeCodeView, RedemptionViewSet, ShopItemViewSet

router = SimpleRouter()
router.register("shop-items", ShopItemViewSet, basename="shop-item")
router.register("redemptions", RedemptionViewSet, basename="redemption")

# Mounted by points/urls.py (API, under /api/v1/) and points/page_urls.py (pages).
api_urlpatterns: list[URLPattern | URLResolver] = [
    path("me/exchange-code/", MyExchangeCodeView.as_view(), name="my-exchange-code"),
    *router.urls,
]
page_urlpatterns: list[URLPattern | URLResolver] = [
    path("shop/", shop_pages.shop_page, name="shop-page"),
    path("shop/exchange-code/", shop_pages.shop_exchange_code, name="shop-exchange-code-page"),
    path("shop/<int:unit_pk>/redeem/", shop_pages.shop_redeem_page, name="shop-redeem-page"),
    path("shop/<int:unit_pk>/redeem/answer/", shop_pages.shop_redeem_answer, name="shop-redeem-answer"),
]
