from rest_framework.routers import SimpleRouter

from events.series_views import EventSeriesViewSet

router = SimpleRouter()
router.register("series", EventSeriesViewSet, basename="event-series")

urlpatterns = router.urls
