from rest_framework.routers import SimpleRouter

from stations.views import PracticeUnitViewSet

router = SimpleRouter()
router.register("units", PracticeUnitViewSet, basename="unit")

urlpatterns = router.urls
