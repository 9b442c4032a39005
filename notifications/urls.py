from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from notifications.views import MyAddressView, MyChoicesView, MyNotificationViewSet, MyWechatConsentsView

router = SimpleRouter()
router.register("me/notifications", MyNotificationViewSet, basename="my-notification")

urlpatterns: list[URLPattern | URLResolver] = [
    path("me/notification-choices/", MyChoicesView.as_view(), name="my-notification-choices"),
    path("me/notification-address/", MyAddressView.as_view(), name="my-notification-address"),
    path("me/wechat-consents/", MyWechatConsentsView.as_view(), name="my-wechat-consents"),
    *router.urls,
]
