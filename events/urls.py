from django.urls import path
from rest_framework.routers import SimpleRouter

from events.views import (
    ActivityPhotoViewSet,
    CheckInView,
    CorrectionRequestViewSet,
    EvaluationViewSet,
    EventViewSet,
    MyCheckinCodeView,
    RecordDeadlineViewSet,
    RefusedScanViewSet,
    ServiceRecordViewSet,
    TrainingViewSet,
)

router = SimpleRouter()
router.register("events", EventViewSet, basename="event")
router.register("records", ServiceRecordViewSet, basename="record")
router.register("refused-scans", RefusedScanViewSet, basename="refused-scan")
router.register("trainings", TrainingViewSet, basename="training")
router.register("evaluations", EvaluationViewSet, basename="evaluation")
router.register("correction-requests", CorrectionRequestViewSet, basename="correction-request")
router.register("record-deadlines", RecordDeadlineViewSet, basename="record-deadline")
router.register("activity-photos", ActivityPhotoViewSet, basename="activity-photo")

urlpatterns = [
    path("checkins/", CheckInView.as_view(), name="checkin"),
    path("me/checkin-code/", MyCheckinCodeView.as_view(), name="my-checkin-code"),
    *router.urls,
]
