from django.urls import path

from events import attendance_pages

urlpatterns = [
    path("signups/<int:pk>/confirm/", attendance_pages.confirm_page, name="signup-confirm-page"),
]
