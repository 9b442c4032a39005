from django.urls import path

from events import pages

urlpatterns = [
    path("c/<str:token>", pages.checkin, name="checkin-page"),
    path("events/", pages.event_list, name="events-page"),
    path("events/<int:pk>/", pages.event_detail, name="event-page"),
    path("events/<int:pk>/signup/", pages.event_signup, name="event-signup-page"),
    path("events/<int:pk>/kiosk/", pages.kiosk, name="event-kiosk"),
    path("events/<int:pk>/kiosk/state/", pages.kiosk_state, name="event-kiosk-state"),
    path("events/<int:pk>/scan/", pages.scan_page, name="event-scan-page"),
    path("events/<int:pk>/scan/answer/", pages.scan_answer, name="event-scan-answer"),
    path("events/<int:pk>/signups/", pages.signup_list, name="event-signups-page"),
    path("events/<int:pk>/record/", pages.activity_record_page, name="event-record-page"),
    path("events/<int:pk>/record/photos/", pages.activity_photo_upload, name="event-record-photo-upload"),
    path(
        "events/<int:pk>/record/photos/<int:photo_pk>/delete/",
        pages.activity_photo_delete,
        name="event-record-photo-delete",
    ),
]
