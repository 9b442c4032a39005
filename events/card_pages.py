"""Pages of printed volunteer cards, and the kiosk's material for showing codes offline."""

import base64

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from events import checkin_codes, offline_codes
from events.card_views import cards_visible_to
from events.choices import ScanAction
from events.models import Event, EventStatus, VolunteerCard
from events.qr_codes import qr_svg
from volunteers.models import Volunteer
from volunteers.names import mask_name


def _card_context(card: VolunteerCard) -> dict:
    return {
        "card": card,
        "name": mask_name(card.volunteer.real_name),
        "qr_svg": qr_svg(offline_codes.card_code(card)),
    }


@login_required
@require_GET
def card_print(request: HttpRequest, pk: int) -> HttpResponse:
    """A card in use, at credit-card size for printing: QR, masked name, volunteer number (never ID or phone)."""
    cards = cards_visible_to(request.user).filter(revoked_at__isnull=True)
    card = get_object_or_404(cards.select_related("volunteer__home_station"), pk=pk)
    return render(request, "events/cards/print.html", _card_context(card))


@login_required
@require_GET
def my_card(request: HttpRequest) -> HttpResponse:
    """The volunteer's own card in use, if their station issued one."""
    volunteer = Volunteer.objects.of_user(request.user).first()
    card = None
    if volunteer is not None:
        card = (
            VolunteerCard.objects.filter(volunteer=volunteer, revoked_at__isnull=True)
            .select_related("volunteer__home_station")
            .first()
        )
    context = _card_context(card) if card else {}
    return render(request, "events/cards/mine.html", {"volunteer": volunteer, **context})


@never_cache
@login_required
@require_GET
def kiosk_key(request: HttpRequest, pk: int) -> JsonResponse:
    """What the kiosk needs to keep making this event's codes when its network fails.

    For the people who may show the kiosk (the event's managers and leaders): the key signs
    only this event's codes, and the server accepts them only while the event is open for the
    action, as it does the codes it makes itself.
    """
    event = get_object_or_404(Event.objects.run_by(request.user), pk=pk)
    key = checkin_codes.kiosk_key(event.pk)
    return JsonResponse(
        {
            "event": event.pk,
            "key": base64.urlsafe_b64encode(key).rstrip(b"=").decode(),
            "checkin_url": f"{settings.SITE_URL}/c/",
            "window_seconds": settings.CHECKIN_CODE_WINDOW_SECONDS,
            # Lets the kiosk correct its clock: a code of the wrong window is refused.
            "server_time_ms": int(timezone.now().timestamp() * 1000),
            # When each action is open (Event.is_open_for): offline, the kiosk shows codes only then.
            "open": {
                ScanAction.IN: [event.checkin_opens_at.isoformat(), event.ends_at.isoformat()],
                ScanAction.OUT: [event.checkin_opens_at.isoformat(), event.checkout_closes_at.isoformat()],
            }
            if event.status == EventStatus.PUBLISHED
            else {},
        }
    )
