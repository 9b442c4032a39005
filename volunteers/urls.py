from django.urls import path
from rest_framework.routers import SimpleRouter

from volunteers.views import MeView, SkillViewSet, TeamViewSet, VolunteerViewSet

router = SimpleRouter()
router.register("volunteers", VolunteerViewSet, basename="volunteer")
router.register("teams", TeamViewSet, basename="team")
router.register("skills", SkillViewSet, basename="skill")

urlpatterns = [path("me/", MeView.as_view(), name="me"), *router.urls]
