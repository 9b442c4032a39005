from django.urls import URLPattern, path

from notifications.activity_calendar_views import UnitThemesView

urlpatterns: list[URLPattern] = [
    path("units/<int:pk>/themes/", UnitThemesView.as_view(), name="unit-themes"),
]
