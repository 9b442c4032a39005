"""Run by setup.sh with pretix's Python and settings: an organizer, an event that has begun,
one admission product, ORDERS paid orders of one ticket each, a check-in list for all
products and a scanner device with an API token (pretix's own check-in path)."""

import datetime
import json
import os
import secrets

import django

django.setup()

from django.utils.timezone import now  # noqa: E402 - pretix needs django.setup() first
from django_scopes import scopes_disabled  # noqa: E402
from pretix.base.models import CheckinList, Device, Event, Item, Order, OrderPosition, Organizer  # noqa: E402

with scopes_disabled():
    started = now()
    organizer = Organizer.objects.create(name="Benchmark", slug="bench")
    organizer.create_default_sales_channels()
    web = organizer.sales_channels.get(identifier="web")
    event = Event.objects.create(
        organizer=organizer,
        name="Check-in benchmark",
        slug="checkin",
        date_from=started - datetime.timedelta(minutes=10),
        date_to=started + datetime.timedelta(hours=2),
        currency="CNY",
        live=True,
    )
    item = Item.objects.create(event=event, name="Ticket", default_price=0, admission=True)
    tickets = []
    for n in range(int(os.environ["ORDERS"])):
        order = Order.objects.create(
            event=event,
            status=Order.STATUS_PAID,
            email=f"volunteer{n}@example.com",
            datetime=started,
            expires=started + datetime.timedelta(days=1),
            total=0,
            locale="en",
            sales_channel=web,
        )
        position = OrderPosition.objects.create(order=order, item=item, price=0, positionid=1)
        tickets.append(position.secret)
    checkin_list = CheckinList.objects.create(event=event, name="Entrance", all_products=True)
    device = Device.objects.create(
        organizer=organizer, name="bench scanner", all_events=True, initialized=started, api_token=secrets.token_hex(32)
    )
    with open(os.environ["OUT"], "w") as out:
        json.dump(
            {
                "organizer": organizer.slug,
                "event": event.slug,
                "list": checkin_list.pk,
                "authorization": f"Device {device.api_token}",
                "secrets": tickets,
            },
            out,
        )
