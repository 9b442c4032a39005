from django.urls import URLPattern, path

from notifications.calendar_views import (
    MyCalendarFeedResetView,
    MyCalendarFeedView,
    UnitCalendarFeedResetView,
    UnitCalendarFeedView,
)

urlpatterns: list[URLPattern] = [
    path("me/calendar-feed/", MyCalendarFeedView.as_view(), name="my-calendar-feed"),
    path("me/calendar-feed/reset/", MyCalendarFeedResetView.as_view(), name="my-calendar-feed-reset"),
    path("units/<int:pk>/calendar-feed/", UnitCalendarFeedView.as_view(), name="unit-calendar-feed"),
    path("units/<int:pk>/calendar-feed/reset/", UnitCalendarFeedResetView.as_view(), name="unit-calendar-feed-reset"),
]
