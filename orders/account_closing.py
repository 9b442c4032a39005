"""What orders keep of a resident whose account closes (volunteers.signals.account_closing).

An order stays, for the unit's statistics and the team's record of service: its item,
station, states, times and the rating's scores. What names or locates the resident goes
(PIPL art. 47): the address, the phone, the description and the photo; the contact name
shrinks to the surname and form of address the public board shows (张女士).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import User
from events.models import Event
from orders.addresses import looks_like_home
from orders.models import Order, OrderState, Rating, masked_resident
from orders.services import cancel_order
from volunteers.services import AccountError

# Before a team accepted, the closing withdraws the order; once a team serves it, the
# resident must wait for the service to end (the team would come to an erased address).
WITHDRAWN = (OrderState.SUBMITTED, OrderState.REVIEWED, OrderState.DISPATCHED, OrderState.OPEN)
IN_SERVICE = (OrderState.ACCEPTED, OrderState.IN_SERVICE)


def home_erased() -> str:
    """What stands where the resident's home stood, in the site's language (stored, read by all)."""
    with translation.override(settings.LANGUAGE_CODE):
        return gettext("(resident's address erased)")


def erase_resident(sender: type, *, user: User, at: datetime.datetime, **kwargs: object) -> None:
    """Withdraw the closing resident's waiting orders and erase their contact data from all of them.

    Raises AccountError ``orders_in_service`` while a team serves one of their orders.
    """
    orders = Order.objects.select_for_update().filter(resident=user)
    if orders.filter(state__in=IN_SERVICE).exists():
        raise AccountError("orders_in_service")
    for order in orders.filter(state__in=WITHDRAWN):
        cancel_order(order, by=user, reason=gettext("The resident closed their account."), at=at)
    # The events are read, not locked: FOR UPDATE cannot reach the nullable side of the join.
    erased = list(orders.select_related("event").select_for_update(of=("self",)))
    photos = [(order.photo.storage, order.photo.name) for order in erased if order.photo]
    visits = []
    for order in erased:
        # A meeting place the leader set to the home (warned, not refused) is the address
        # again, on the order and on its event, where the team and the ledgers read it.
        if order.place and looks_like_home(order.place, order.address):
            order.place = home_erased()
        if order.event is not None and looks_like_home(order.event.address, order.address):
            order.event.address = home_erased()
            visits.append(order.event)
        order.contact_name = masked_resident(order.contact_name, order.honorific)
        order.contact_phone = order.address = order.description = ""
        order.photo = ""
    Order.objects.bulk_update(erased, ["contact_name", "contact_phone", "address", "description", "photo", "place"])
    Event.objects.bulk_update(visits, ["address"])
    Rating.objects.filter(order__resident=user).exclude(comment="").update(comment="")

    def delete_photos() -> None:
        for storage, name in photos:
            storage.delete(name)

    # Files are not transactional: they go once the closing is committed.
    transaction.on_commit(delete_photos)
