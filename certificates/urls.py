from rest_framework.routers import SimpleRouter

from certificates.views import BulkIssueJobViewSet, CertificateRequestViewSet, CertificateViewSet

router = SimpleRouter()
router.register("certificates", CertificateViewSet, basename="certificate")
router.register("certificate-requests", CertificateRequestViewSet, basename="certificate-request")
router.register("certificate-jobs", BulkIssueJobViewSet, basename="certificate-job")

urlpatterns = router.urls
