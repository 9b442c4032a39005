from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from events.project_views import ProjectViewSet

router = SimpleRouter()
router.register("projects", ProjectViewSet, basename="project")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
