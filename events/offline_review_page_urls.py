"""Pages of the offline scans' review queue and scanner devices."""

urlpatterns: list = []
