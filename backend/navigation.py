"""What the header offers: only the pages the person may open."""

import dataclasses
from typing import TypedDict

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, IntegerField, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from accounts.models import AnyUser
from notifications.models import Message
from orders.models import Order
from stations.scoping import is_manager
from volunteers.models import Team, Volunteer


@dataclasses.dataclass(frozen=True)
class Link:
    url: str
    label: str
    current: bool


class Who(TypedDict):
    manager: bool
    volunteer: bool
    staff: bool
    leader: bool
    resident: bool
    ordered: bool
    unread: int


def roles(user: AnyUser | None) -> Who:
    """Who the person is and their unread messages, for the header: two queries at most (the units
    managed are cached on the user)."""
    if user is None or not user.is_authenticated:
        return Who(manager=False, volunteer=False, staff=False, leader=False, resident=False, ordered=False, unread=0)
    manager = is_manager(user)
    flags = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values_list(
            Exists(Volunteer.objects.of_user(user)),
            Exists(Team.objects.filter(leader__user=user)),
            Exists(Order.objects.filter(resident=user)),
            # The bell's count rides on the same query: no page pays an extra one for it.
            Coalesce(
                Subquery(
                    Message.objects.inbox_of(user)
                    .unread()
                    .order_by()
                    .values("recipient")
                    .annotate(n=Count("pk"))
                    .values("n"),
                    output_field=IntegerField(),
                ),
                Value(0),
            ),
        )
        .first()
    )
    volunteer, leader, ordered, unread = flags or (False, False, False, 0)
    return {
        "manager": manager,
        "volunteer": volunteer,
        "staff": user.is_staff,
        "leader": leader,
        # A resident orders services without volunteering or managing; a volunteer who
        # ordered something keeps the way to their orders too.
        "resident": ordered or not (manager or volunteer),
        "ordered": ordered,
        "unread": unread,
    }


def links(request: HttpRequest, who: Who) -> list[Link]:
    """The header's links in order, each marked current on the pages it stands for."""
    match = getattr(request, "resolver_match", None)
    here = match.url_name if match else None
    wanted: list[tuple[bool, str, str, tuple[str, ...]]] = [
        (who["manager"], "workbench", _("Workbench"), ()),
        (True, "events-page", _("Events"), ("event-page",)),
        (True, "orders-menu", _("Service menu"), ("orders-new", "orders-register")),
        (True, "venue-list-page", _("Venues"), ("venue-page", "venue-my-bookings-page")),
        (who["resident"], "orders-mine", _("My orders"), ()),
        (who["leader"], "orders-team", _("My team's orders"), ()),
        (who["manager"], "orders-manage", _("Orders to handle"), ("orders-manage-new", "orders-statistics")),
        (who["manager"], "ledger-page", _("Ledgers"), ("ledger-job-page",)),
        # The statistics and the dashboard live in the admin: only staff managers get in.
        (who["staff"] and who["manager"], "admin-statistics", _("Statistics"), ()),
        (who["staff"] and who["manager"], "admin-dashboard", _("Assessment"), ()),
        (who["volunteer"], "me-page", _("My page"), ()),
        (who["staff"], "admin:index", _("Admin"), ()),
    ]
    return [
        Link(reverse(name), label, here is not None and here in (name, *also))
        for shown, name, label, also in wanted
        if shown
    ]


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)

    def header() -> dict:
        who = roles(user)
        return {**who, "links": links(request, who) if user is not None else []}

    # Lazy: pages without the header (kiosk, API) never pay for the queries.
    return {"nav": SimpleLazyObject(header)}
