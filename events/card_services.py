"""Printed volunteer cards and the keys that sign personal codes: issue, revoke, rotate, retire.

A card is for a volunteer without a smartphone: its code (``events.offline_codes``) names the
volunteer and the card's serial and never expires, so losing it is answered by revoking it;
a new card revokes the previous one. Keys rotate by generation: new codes are signed with the
newest, older ones verify until their generation is retired.
"""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from accounts.models import User
from events import offline_codes
from events.models import CardKey, VolunteerCard
from volunteers.models import Volunteer

REASON_MAX_LENGTH = 100


class CardError(DomainError):
    messages = {
        "already_revoked": _("This card has already been revoked."),
        "reason_required": _("Say why the card is revoked (lost, damaged…)."),
        "account_closed": _("This volunteer's account is closed."),
        "unknown_generation": _("There is no key of this generation."),
        "already_retired": _("This key generation is already retired."),
        "last_key": _("Make a new key generation before retiring the last one in use."),
    }
    status_codes = {"already_revoked": 409, "account_closed": 409, "already_retired": 409, "last_key": 409}


@transaction.atomic
def issue_card(volunteer: Volunteer, by: User) -> VolunteerCard:
    """Issue the volunteer a new printed card (the next serial), revoking the card in use if any."""
    # The volunteer's row is the lock: two managers issuing at once get serials n+1 and n+2, in turn.
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if volunteer.is_closed:
        raise CardError("account_closed")
    now = timezone.now()
    last = VolunteerCard.objects.filter(volunteer=volunteer).aggregate(last=Max("serial"))["last"] or 0
    VolunteerCard.objects.filter(volunteer=volunteer, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=by, revoke_reason=gettext("Replaced by card %(serial)d") % {"serial": last + 1}
    )
    return VolunteerCard.objects.create(
        volunteer=volunteer, serial=last + 1, issued_by=by, generation=offline_codes.current_generation()
    )


@transaction.atomic
def revoke_card(card: VolunteerCard, by: User, reason: str) -> VolunteerCard:
    """Revoke a card (lost, damaged): the server refuses it at once, scanners from their next download."""
    reason = reason.strip()
    if not reason:
        raise CardError("reason_required")
    card = VolunteerCard.objects.select_for_update().get(pk=card.pk)
    if card.revoked_at is not None:
        raise CardError("already_revoked")
    card.revoked_at, card.revoked_by, card.revoke_reason = timezone.now(), by, reason[:REASON_MAX_LENGTH]
    card.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    return card


def _forget_keys() -> None:
    # Now for this process, and again once committed: another process may have cached the old
    # keys between the two.
    offline_codes.forget_keys()
    transaction.on_commit(offline_codes.forget_keys)


@transaction.atomic
def rotate_key() -> CardKey:
    """Make the next key generation: new codes are signed with it, codes of older ones still verify."""
    # Generation 1 first if nothing was ever signed, so the first rotation really makes a second key.
    offline_codes.current_key()
    last = CardKey.objects.select_for_update().aggregate(last=Max("generation"))["last"] or 0
    key = CardKey.objects.create(generation=last + 1, public_key=offline_codes.public_key_text(last + 1))
    _forget_keys()
    return key


def cards_signed_with(generation: int) -> int:
    """Cards in use whose codes a generation signed: those to print again when it is retired."""
    return VolunteerCard.objects.filter(generation=generation, revoked_at__isnull=True).count()


@transaction.atomic
def retire_key(generation: int) -> int:
    """Retire a key generation: codes it signed are refused from now on (cards: "card_revoked").

    Returns how many cards in use it signed; they must be issued again. The last generation in
    use cannot be retired: rotate first.
    """
    key = CardKey.objects.select_for_update().filter(generation=generation).first()
    if key is None:
        raise CardError("unknown_generation")
    if key.retired_at is not None:
        raise CardError("already_retired")
    if not CardKey.objects.filter(retired_at__isnull=True).exclude(pk=key.pk).exists():
        raise CardError("last_key")
    key.retired_at = timezone.now()
    key.save(update_fields=["retired_at"])
    _forget_keys()
    return cards_signed_with(generation)
