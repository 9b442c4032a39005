from django.urls import URLPattern, path

from events.absence_views import EventAbsenceRatesView, MyAbsencesView, VolunteerAbsenceRatesView

urlpatterns: list[URLPattern] = [
    path("absences/volunteers/", VolunteerAbsenceRatesView.as_view(), name="absence-volunteers"),
    path("absences/events/", EventAbsenceRatesView.as_view(), name="absence-events"),
    path("me/absences/", MyAbsencesView.as_view(), name="my-absences"),
]
