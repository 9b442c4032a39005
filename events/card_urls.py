"""API of volunteer cards: issue, revoke, print (offline-verifiable personal codes)."""

from rest_framework.routers import SimpleRouter

from events.card_views import VolunteerCardViewSet

router = SimpleRouter()
router.register("volunteer-cards", VolunteerCardViewSet, basename="volunteer-card")

urlpatterns = router.urls
