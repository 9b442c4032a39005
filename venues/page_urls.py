from django.urls import URLPattern, URLResolver, path

from venues import pages

urlpatterns: list[URLPattern | URLResolver] = [
    path("venues/", pages.venue_list, name="venue-list-page"),
    path("venues/<int:pk>/", pages.venue_page, name="venue-page"),
    path("venues/my-bookings/", pages.my_bookings, name="venue-my-bookings-page"),
    path("venues/bookings/", pages.manage_bookings, name="venue-manage-bookings-page"),
    path("venues/bookings/<int:pk>/cancel/", pages.cancel_booking, name="venue-booking-cancel-page"),
    path(
        "venues/bookings/<int:pk>/approve/", pages.decide_booking, {"approve": True}, name="venue-booking-approve-page"
    ),
    path(
        "venues/bookings/<int:pk>/refuse/", pages.decide_booking, {"approve": False}, name="venue-booking-refuse-page"
    ),
]
