from django.urls import URLPattern, path

from notifications import pages

urlpatterns: list[URLPattern] = [
    path("me/inbox/", pages.inbox_page, name="inbox-page"),
    path("me/inbox/read-all/", pages.read_all, name="inbox-read-all"),
    path("me/inbox/<int:pk>/", pages.message_page, name="inbox-message-page"),
    path("me/notifications/", pages.choices_page, name="notification-choices-page"),
]
