"""Calendar feeds: the secret .ics URLs calendar apps subscribe to, one event's download, and the API that hands
out and resets the secret URLs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from events.views import own_volunteer
from notifications import activity_calendar, calendars
from notifications.models import CalendarFeed
from stations.models import PracticeUnit

ICS_TYPE = "text/calendar; charset=utf-8"


def _ics(body: bytes, *, filename: str, private: bool) -> HttpResponse:
    response = HttpResponse(body, content_type=ICS_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    if private:
        patch_cache_control(response, private=True, max_age=calendars.FEED_MAX_AGE_SECONDS)
        # The URL is the key: search engines keep away, and no link out of it tells another site.
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "no-referrer"
    else:
        patch_cache_control(response, public=True, max_age=calendars.FEED_MAX_AGE_SECONDS)
    return response


@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """A volunteer's or a unit's feed; calendar apps cannot log in, the secret in the URL is the key.

    The same address with a unit's code instead of a secret is the unit's public activity calendar
    (``/calendar/<code>.ics``): a secret is looked up first, so no unit's code can shadow one.
    """
    # A deactivated or closed account's link ends with its logins; a deactivated unit's, like its public calendar.
    subscription = (
        CalendarFeed.objects.select_related("unit")
        .filter(token=token)
        .exclude(user__is_active=False)
        .exclude(unit__is_active=False)
        .first()
    )
    if subscription is None:
        return public_unit_feed(request, token)
    events, waitlisted = calendars.events_of_feed(subscription, now=timezone.now())
    body = calendars.calendar_of(events, name=calendars.feed_name(subscription), waitlisted=waitlisted)
    return _ics(body, filename="calendar.ics", private=True)


def public_unit_feed(request: HttpRequest, code: str) -> HttpResponse:
    """The public activity calendar of a unit's subtree as .ics: public events and public approved bookings from
    a month ago to three months ahead (``notifications.activity_calendar``)."""
    unit = activity_calendar.calendar_unit(code)
    if unit is None:
        raise Http404
    events, bookings = activity_calendar.feed_entries(unit, now=timezone.now())
    name = _("Activity calendar of %(unit)s") % {"unit": unit.name}
    body = calendars.calendar_of(events, name=name, bookings=bookings)
    return _ics(body, filename=f"{unit.code}.ics", private=False)


@require_safe
def event_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """One public event as a file to open in a calendar; drafts and team events are no such page."""
    event = calendars.public_event(pk)
    if event is None:
        raise Http404
    body = calendars.calendar_of([event], name=event.title)
    response = _ics(body, filename=f"event-{event.pk}.ics", private=False)
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}.ics"'
    return response


@login_required
@require_POST
def reset_my_feed(request: HttpRequest) -> HttpResponse:
    """The "reset link" button of the volunteer's page."""
    calendars.reset_feed(calendars.feed_of_user(request.user))
    messages.success(request, _("Your calendar link was reset; add the new link to your calendar app."))
    return redirect(reverse("me-page") + "#calendar")


class CalendarFeedSerializer(serializers.Serializer):
    url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    reset_at = serializers.DateTimeField(allow_null=True)

    def get_url(self, feed: CalendarFeed) -> str:
        return calendars.feed_url(feed)


def _answer(feed: CalendarFeed) -> Response:
    response = Response(CalendarFeedSerializer(feed).data)
    # The answer holds a secret.
    patch_cache_control(response, private=True, no_store=True)
    return response


class MyCalendarFeedView(APIView):
    """The volunteer's secret calendar URL, made on first use."""

    @extend_schema(responses=CalendarFeedSerializer)
    def get(self, request: Request) -> Response:
        own_volunteer(request.user)
        return _answer(calendars.feed_of_user(request.user))


class MyCalendarFeedResetView(APIView):
    """A new secret URL for the volunteer's calendar; the old one answers 404 from now on."""

    @extend_schema(request=None, responses=CalendarFeedSerializer)
    def post(self, request: Request) -> Response:
        own_volunteer(request.user)
        return _answer(calendars.reset_feed(calendars.feed_of_user(request.user)))


def _managed_unit(request: Request, pk: int) -> PracticeUnit:
    # A unit the user does not manage is no such resource for them.
    return get_object_or_404(PracticeUnit.objects.managed_by(request.user), pk=pk)


class UnitCalendarFeedView(APIView):
    """The secret calendar URL of a unit the manager manages (its subtree's public events)."""

    @extend_schema(responses=CalendarFeedSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return _answer(calendars.feed_of_unit(_managed_unit(request, pk)))


class UnitCalendarFeedResetView(APIView):
    """A new secret URL for the unit's calendar; the old one answers 404 from now on."""

    @extend_schema(request=None, responses=CalendarFeedSerializer)
    def post(self, request: Request, pk: int) -> Response:
        return _answer(calendars.reset_feed(calendars.feed_of_unit(_managed_unit(request, pk))))
