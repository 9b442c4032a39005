"""Pages of volunteer cards and the kiosk's offline codes."""

urlpatterns: list = []
