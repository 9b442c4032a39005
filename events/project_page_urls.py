from django.urls import URLPattern, URLResolver, path

from events import project_pages

urlpatterns: list[URLPattern | URLResolver] = [
    path("projects/", project_pages.project_list, name="projects-page"),
    path("projects/<int:pk>/", project_pages.project_detail, name="project-page"),
]
