from rest_framework.routers import SimpleRouter

from events.attendance_views import SignupAttendanceViewSet

router = SimpleRouter()
router.register("signups", SignupAttendanceViewSet, basename="signup-attendance")

urlpatterns = router.urls
