"""A personal-data leak scan over every response and log line of the test run.

The middleware looks at each response body (API and pages, also those the live
server renders for the browser tests) and each ``Location`` header for full
mainland ID numbers and mobile numbers of registered people (and of minors'
guardians). One that reaches anyone but the person and admins is a leak; so is any
in a log record, and so is a masked ID number beside its holder's full birth date
(the digits the mask hides).

A service order's contact phone and address (志愿服务条例 art. 21) may reach exactly
the users ``Order.objects.contact_visible_to`` allows: the resident, whoever entered
it, the dispatching unit's managers and the leader of the team it is dispatched to or
served by. A team leader's own number reaches the residents whose orders the team serves
(``Order.objects.leader_phone_visible_to``).
"""

import logging
import re
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models.signals import post_save

from backend.request_logging import JsonFormatter

ID_RE = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9X](?![0-9A-Za-z])")
PHONE_RE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")

MASKED_ID_RE = re.compile(r"(?<![0-9A-Za-z])([0-9]{6})\*{8}([0-9]{3}[0-9X])(?![0-9A-Za-z])")

JSON_LINES = JsonFormatter()
leaks: list[str] = []
active = False
# Addresses of the orders saved in this run: a response is searched for these only, then the
# database says which orders still hold them (a test's rows roll back, the strings stay here).
order_addresses: set[str] = set()


# Shorter strings (a test's "x") name no place and would match any page.
MIN_ADDRESS_CHARS = 4


def _remember_address(sender, instance, **kwargs) -> None:
    if len(instance.address) >= MIN_ADDRESS_CHARS:
        order_addresses.add(instance.address)


post_save.connect(_remember_address, sender="orders.Order", dispatch_uid="leak_scan_order_addresses")


def _owners(text: str) -> dict[str, int]:
    """Registered numbers found in ``text``, each with its owner's user id."""
    from volunteers.models import Volunteer

    found = {}
    ids = set(ID_RE.findall(text))
    phones = set(PHONE_RE.findall(text))
    # A random certificate number or code can hold a phone-shaped run of digits: the lookup
    # must not show in the query count of the test that made the request.
    with unlogged():
        if ids:
            found.update(Volunteer.objects.filter(id_number__in=ids).values_list("id_number", "user_id"))
        if phones:
            found.update(get_user_model().objects.filter(phone__in=phones).values_list("phone", "pk"))
            # A minor's guardian's number is the minor's to see (and admins'), like their own.
            guardians = Volunteer.objects.filter(guardian_phone__in=phones).values_list("guardian_phone", "user_id")
            for phone, owner in guardians:
                found.setdefault(phone, owner)
    return found


@contextmanager
def unlogged():
    """Queries of the scan itself, left out of the tests' query counts."""
    was_logged, connection.force_debug_cursor = connection.force_debug_cursor, False
    try:
        yield
    finally:
        connection.force_debug_cursor = was_logged


def _birth_dates_beside_masks(text: str) -> dict[str, int]:
    """Masked ID numbers shown beside their holder's full birth date (the hidden digits)."""
    from volunteers.models import Volunteer

    masks = set(MASKED_ID_RE.findall(text))
    if not masks:
        return {}
    found = {}
    with unlogged():  # test databases are small: one query
        holders = list(Volunteer.objects.values_list("id_number", "birth_date", "user_id"))
    for id_number, birth_date, owner in holders:
        if (id_number[:6], id_number[14:]) not in masks:
            continue
        spellings = [f"{birth_date:%Y-%m-%d}", f"{birth_date:%Y%m%d}", f"{birth_date:%Y/%m/%d}"]
        spellings.append(f"{birth_date.year}年{birth_date.month}月{birth_date.day}日")
        if any(spelling in text for spelling in spellings):
            found[f"{id_number[:6]}********{id_number[14:]} beside its birth date"] = owner
    return found


def _order_contacts(text: str) -> dict[str, set[int]]:
    """Orders' contact phones and addresses found in ``text``, each with the orders holding it."""
    from orders.models import Order

    phones = set(PHONE_RE.findall(text))
    addresses = {address for address in order_addresses if address in text}
    if not phones and not addresses:
        return {}
    found: dict[str, set[int]] = {}
    with unlogged():
        if phones:
            for pk, phone in Order.objects.filter(contact_phone__in=phones).values_list("pk", "contact_phone"):
                found.setdefault(phone, set()).add(pk)
        if addresses:
            for pk, address in Order.objects.filter(address__in=addresses).values_list("pk", "address"):
                found.setdefault(address, set()).add(pk)
    return found


def _may_read_contact(user, orders: set[int]) -> bool:
    from orders.models import Order

    if user is None or not user.is_authenticated:
        return False
    with unlogged():
        return Order.objects.contact_visible_to(user).filter(pk__in=orders).exists()


def _leads_team_serving(user, owner: int) -> bool:
    from orders.models import Order

    if user is None or not user.is_authenticated:
        return False
    with unlogged():
        return Order.objects.leader_phone_visible_to(user).filter(team__leader__user_id=owner).exists()


class LeakScanMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not active or getattr(response, "streaming", False):
            return response
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_superuser:
            return response
        viewer = user.pk if user is not None and user.is_authenticated else None
        text = response.content.decode("utf-8", "replace") + " " + response.get("Location", "")
        # A number the client itself sent (a form echoed back) reveals nothing new.
        sent = " ".join(value for query in (request.GET, request.POST) for value in query.values())
        contacts = _order_contacts(text)
        owners = {**_owners(text), **_birth_dates_beside_masks(text)}
        for number, owner in owners.items():
            if owner == viewer or number in sent:
                continue
            # A registered person's number given as an order's contact reaches whom the order's rule allows.
            if number in contacts and _may_read_contact(user, contacts[number]):
                continue
            if _leads_team_serving(user, owner):
                continue
            leaks.append(f"{request.method} {request.path} showed {number} (user {owner}) to user {viewer}")
        for contact, orders in contacts.items():
            if contact in owners or contact in sent or _may_read_contact(user, orders):
                continue
            leaks.append(f"{request.method} {request.path} showed order {sorted(orders)}'s {contact} to user {viewer}")
        return response


class LeakLogHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        if not active:
            return
        # The message, and the JSON line production writes with the record's extra fields,
        # before the formatter masks numbers: masking is the last defence, not the only one.
        message = record.getMessage() + " " + super(JsonFormatter, JSON_LINES).format(record)
        if ID_RE.search(message) or PHONE_RE.search(message):
            try:
                owners = _owners(message)
            except Exception:  # a log line from a thread that cannot reach the database
                owners = {}
            if owners:
                leaks.append(f"log record {record.name}: {sorted(owners)}")
