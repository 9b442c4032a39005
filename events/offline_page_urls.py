"""Pages of offline scanning: the installable scanner, its service worker, cards, the review queue."""

urlpatterns: list = []
