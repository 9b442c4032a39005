from django.urls import path
from rest_framework.routers import SimpleRouter

from orders.views import (
    MenuCategoryViewSet,
    MenuItemViewSet,
    OrderViewSet,
    RatingViewSet,
    ResidentRegistrationView,
)

router = SimpleRouter()
router.register("menu-categories", MenuCategoryViewSet, basename="menu-category")
router.register("menu-items", MenuItemViewSet, basename="menu-item")
router.register("orders", OrderViewSet, basename="order")
router.register("order-ratings", RatingViewSet, basename="order-rating")

urlpatterns = [
    path("residents/register/", ResidentRegistrationView.as_view(), name="resident-register"),
    *router.urls,
]
