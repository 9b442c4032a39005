from django.urls import path
from rest_framework.routers import SimpleRouter

from volunteers.views import AwardViewSet, CloseAccountView, MeView, SkillViewSet, TeamViewSet, VolunteerViewSet

router = SimpleRouter()
router.register("volunteers", VolunteerViewSet, basename="volunteer")
router.register("teams", TeamViewSet, basename="team")
router.register("skills", SkillViewSet, basename="skill")
router.register("awards", AwardViewSet, basename="award")

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("me/close-account/", CloseAccountView.as_view(), name="me-close-account"),
    *router.urls,
]
