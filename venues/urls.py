from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from venues.views import BookingViewSet, VenueViewSet

router = SimpleRouter()
router.register("venues", VenueViewSet, basename="venue")
router.register("venue-bookings", BookingViewSet, basename="venue-booking")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
