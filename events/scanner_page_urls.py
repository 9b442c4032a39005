"""The installable offline scanner: its page, manifest and service worker."""

urlpatterns: list = []
