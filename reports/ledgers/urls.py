from rest_framework.routers import SimpleRouter

from reports.ledgers.views import LedgerJobViewSet

router = SimpleRouter()
router.register("reports/ledgers", LedgerJobViewSet, basename="report-ledger")

urlpatterns = router.urls
