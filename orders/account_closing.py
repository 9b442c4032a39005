"""What orders keep of a resident whose account closes (volunteers.signals.account_closing).

An order stays, for the unit's statistics and the team's record of service: its item,
station, states, times and the rating's scores. What names or locates the resident goes
(PIPL art. 47): the address, the phone, the description and the photo; the contact name
shrinks to the surname and form of address the public board shows (张女士).
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext

from accounts.models import User
from orders.models import Order, OrderState, Rating, masked_resident
from orders.services import cancel_order
from volunteers.services import AccountError

# Before a team accepted, the closing withdraws the order; once a team serves it, the
# resident must wait for the service to end (the team would come to an erased address).
WITHDRAWN = (OrderState.SUBMITTED, OrderState.REVIEWED, OrderState.DISPATCHED, OrderState.OPEN)
IN_SERVICE = (OrderState.ACCEPTED, OrderState.IN_SERVICE)


def erase_resident(sender: type, *, user: User, at: datetime.datetime, **kwargs: object) -> None:
    """Withdraw the closing resident's waiting orders and erase their contact data from all of them.

    Raises AccountError ``orders_in_service`` while a team serves one of their orders.
    """
    orders = Order.objects.select_for_update().filter(resident=user)
    if orders.filter(state__in=IN_SERVICE).exists():
        raise AccountError("orders_in_service")
    for order in orders.filter(state__in=WITHDRAWN):
        cancel_order(order, by=user, reason=gettext("The resident closed their account."), at=at)
    erased = list(orders)
    photos = [(order.photo.storage, order.photo.name) for order in erased if order.photo]
    for order in erased:
        order.contact_name = masked_resident(order.contact_name, order.honorific)
        order.contact_phone = order.address = order.description = ""
        order.photo = ""
    Order.objects.bulk_update(erased, ["contact_name", "contact_phone", "address", "description", "photo"])
    Rating.objects.filter(order__resident=user).exclude(comment="").update(comment="")

    def delete_photos() -> None:
        for storage, name in photos:
            storage.delete(name)

    # Files are not transactional: they go once the closing is committed.
    transaction.on_commit(delete_photos)
