"""Pages of volunteer cards and the kiosk's offline codes."""

from django.urls import path

from events import card_pages

urlpatterns = [
    path("cards/<int:pk>/print/", card_pages.card_print, name="volunteer-card-print"),
    path("me/card/", card_pages.my_card, name="my-card-page"),
    path("events/<int:pk>/kiosk/key/", card_pages.kiosk_key, name="event-kiosk-key"),
]
