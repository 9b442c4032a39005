"""API of volunteer cards: issue, revoke, print (offline-verifiable personal codes)."""

urlpatterns: list = []
