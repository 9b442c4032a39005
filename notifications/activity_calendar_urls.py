from django.urls import URLPattern, URLResolver, path

from notifications import activity_calendar_views

# The unit's .ics feed, /calendar/<code>.ics, is answered by notifications/calendar_urls.py's "calendar-feed".
urlpatterns: list[URLPattern | URLResolver] = [
    path("calendar/<str:code>/", activity_calendar_views.calendar_page, name="activity-calendar"),
]
