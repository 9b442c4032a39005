"""API of offline scanning: scanner devices, the offline pack, uploads, the review queue."""

urlpatterns: list = []
