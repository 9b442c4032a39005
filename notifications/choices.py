"""A person's choices: which kinds of message reach them on which channel, their email, their WeChat consents."""

from __future__ import annotations

import dataclasses
import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise

from accounts.models import AnyUser, User
from notifications.kinds import KINDS, Audience, Channel, Kind
from notifications.models import Address, Preference, WechatConsent
from notifications.services import channels_from
from orders.models import Order
from stations.scoping import is_manager
from volunteers.models import Volunteer

# One accepted wx.requestSubscribeMessage allows one message; a person rarely needs more than a few weeks'
# worth. The cap keeps a client that reports acceptances in a loop from piling up consents nobody gave.
MAX_UNUSED_CONSENTS = 20
# wx.requestSubscribeMessage asks for at most three templates at once.
MAX_TEMPLATES_PER_REQUEST = 3
# Each kind has at most one template: a person holds unused consents of no more templates than that. Where no
# template is configured any short id is taken, and a client reporting ever new ids would otherwise pile up rows.
MAX_TEMPLATES_PER_PERSON = len(KINDS)


def audiences_of(user: AnyUser) -> list[str]:
    """Who the person is for messages: a volunteer, a resident, a manager, or several."""
    if not user.is_authenticated:
        return []
    manager = is_manager(user)
    volunteer = Volunteer.objects.of_user(user).exists()
    # As on the header: a resident orders services; someone neither volunteering nor managing is one.
    resident = not (manager or volunteer) or Order.objects.filter(resident=user).exists()
    found: dict[str, bool] = {Audience.VOLUNTEER: volunteer, Audience.RESIDENT: resident, Audience.MANAGER: manager}
    return [audience for audience in Audience.values if found[audience]]


@dataclasses.dataclass(frozen=True)
class Row:
    """One kind with the channels the person receives it on (their choices, else the kind's defaults)."""

    kind: Kind
    channels: dict[str, bool]
    mine: bool

    @property
    def code(self) -> str:
        return self.kind.code

    @property
    def label(self) -> str | Promise:
        return self.kind.label


def choice_matrix(user: User, *, only_mine: bool = False) -> list[Row]:
    """Every kind × every channel with the value ``notify`` uses, in the order of ``KINDS``: one query."""
    chosen: dict[str, dict[str, bool]] = {}
    for kind_code, channel, enabled in Preference.objects.filter(user=user).values_list("kind", "channel", "enabled"):
        chosen.setdefault(kind_code, {})[channel] = enabled
    mine = set(audiences_of(user))
    rows = []
    for code, spec in KINDS.items():
        if only_mine and spec.audience not in mine:
            continue
        on = set(channels_from(code, chosen.get(code, {})))
        rows.append(Row(spec, {channel: channel in on for channel in Channel.values}, spec.audience in mine))
    return rows


def save_choices(user: User, choices: dict[str, dict[str, bool]]) -> None:
    """Write the person's choices ``{kind: {channel: enabled}}``: one row per kind and channel named."""
    rows = [
        Preference(user=user, kind=code, channel=channel, enabled=enabled)
        for code, channels in choices.items()
        for channel, enabled in channels.items()
    ]
    # Upsert: saving twice at once (two tabs, a double tap) cannot trip the one-choice constraint.
    Preference.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["user", "kind", "channel"], update_fields=["enabled", "updated_at"]
    )


def address_of(user: User) -> Address:
    """The person's addresses; an unsaved empty one if they never gave any."""
    return Address.objects.filter(user=user).first() or Address(user=user)


def set_email(user: User, email: str) -> Address:
    """Set (or clear, with "") the email address messages on the email channel go to."""
    address, _ = Address.objects.update_or_create(user=user, defaults={"email": email})
    return address


def configured_template_ids() -> set[str] | None:
    """The WeChat subscription template ids configured for some kind (NOTIFY_WECHAT_TEMPLATES,
    ``{kind: {"id": ..., "data": {...}}}``), or None where none is configured yet."""
    templates = getattr(settings, "NOTIFY_WECHAT_TEMPLATES", None) or {}
    ids = {str(spec.get("id", "")) if isinstance(spec, dict) else str(spec) for spec in templates.values()}
    return (ids - {""}) or None


def unused_consents(user: User, template_id: str) -> int:
    return WechatConsent.objects.filter(user=user, template_id=template_id, used_at__isnull=True).count()


def locked_unused_consents(user: User, template_id: str) -> int:
    """The unused consents, counted under a lock on the person: two reports at once cannot both pass the cap.

    FOR NO KEY UPDATE: rows of others that refer to the person (a notice queued meanwhile) need not wait on it.
    """
    User.objects.select_for_update(no_key=True).filter(pk=user.pk).first()
    return unused_consents(user, template_id)


def _templates_held(user: User) -> int:
    """How many templates the person holds unused consents of (counted under the lock on the person)."""
    return (
        WechatConsent.objects.filter(user=user, used_at__isnull=True)
        .order_by()
        .values("template_id")
        .distinct()
        .count()
    )


@transaction.atomic
def record_wechat_consents(
    user: User, template_ids: list[str], *, at: datetime.datetime | None = None
) -> dict[str, int]:
    """Store one consent per template the person accepted in wx.requestSubscribeMessage, up to the cap.

    Returns the unused consents per template afterwards. Reports beyond the cap are dropped, not refused:
    the person did accept, the platform just holds enough of their consents already.
    """
    now = at or timezone.now()
    unused: dict[str, int] = {}
    for template_id in dict.fromkeys(template_ids):
        held = locked_unused_consents(user, template_id)
        if held == 0 and _templates_held(user) >= MAX_TEMPLATES_PER_PERSON:
            unused[template_id] = 0
            continue
        if held < MAX_UNUSED_CONSENTS:
            WechatConsent.objects.create(user=user, template_id=template_id, granted_at=now)
            held += 1
        unused[template_id] = held
    return unused
