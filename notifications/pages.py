"""The person's pages: the inbox (``/me/inbox/``) and their choices (``/me/notifications/``).

The choices and the email go through the API's serializers and the same functions, so the page
and the mini program accept and refuse exactly the same.
"""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from notifications import choices, inbox
from notifications.kinds import Audience, Channel
from notifications.serializers import AddressSerializer

PER_PAGE = 20


@login_required
@require_http_methods(["GET", "HEAD"])
def inbox_page(request: HttpRequest) -> HttpResponse:
    page = Paginator(inbox.inbox_of(request.user), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@require_http_methods(["GET", "HEAD"])
def message_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One message in full; opening it marks it read, as in any mailbox."""
    message = inbox.mark_read(get_object_or_404(inbox.inbox_of(request.user), pk=pk))
    return render(request, "notifications/message.html", {"message": message, "link": inbox.safe_link(message.link)})


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    marked = inbox.mark_all_read(request.user)
    if marked:
        messages.success(request, _("All messages are marked as read."))
    return redirect("inbox-page")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def choices_page(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # login_required
    rows = choices.choice_matrix(user, only_mine=True)
    if request.method == "POST" and request.POST.get("do") == "email":
        serializer = AddressSerializer(data={"email": request.POST.get("email", "").strip()})
        if serializer.is_valid():
            choices.set_email(user, serializer.validated_data["email"])
            messages.success(request, _("Your email address is saved."))
            return redirect("notification-choices-page")
        for error in serializer.errors.get("email", []):
            messages.error(request, f"{_('Email')}：{error}")
    elif request.method == "POST":
        # Unticked boxes are not posted: every box of every kind shown is decided by what came back.
        wanted = {
            row.code: {channel: f"{row.code}:{channel}" in request.POST for channel in Channel.values} for row in rows
        }
        choices.save_choices(user, wanted)
        messages.success(request, _("Your choices are saved."))
        return redirect("notification-choices-page")
    # Per kind shown: its checkboxes as (name, channel's label, ticked).
    groups = [
        (
            label,
            [
                (row, [(f"{row.code}:{channel}", name, row.channels[channel]) for channel, name in Channel.choices])
                for row in rows
                if row.kind.audience == audience
            ],
        )
        for audience, label in Audience.choices
        if any(row.kind.audience == audience for row in rows)
    ]
    address = choices.address_of(user)
    context = {
        "groups": groups,
        # A channel chosen without an address to reach the person on: say so where it is set.
        "email_missing": not address.email and any(row.channels[Channel.EMAIL] for row in rows),
        "wechat_missing": not address.wechat_openid and any(row.channels[Channel.WECHAT] for row in rows),
        "address": address,
        "quiet_start": settings.NOTIFY_QUIET_START_HOUR,
        "quiet_end": settings.NOTIFY_QUIET_END_HOUR,
        "daily_cap": settings.NOTIFY_DAILY_CAP,
    }
    return render(request, "notifications/choices.html", context)
