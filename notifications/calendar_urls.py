from django.urls import URLPattern, path

from notifications import calendar_views

urlpatterns: list[URLPattern] = [
    # Also a unit's public activity calendar, /calendar/<unit code>.ics (see calendar_views.feed).
    path("calendar/<str:token>.ics", calendar_views.feed, name="calendar-feed"),
    path("events/<int:pk>/calendar.ics", calendar_views.event_ics, name="event-ics"),
    path("me/calendar-feed/reset/", calendar_views.reset_my_feed, name="my-calendar-feed-reset-page"),
]
