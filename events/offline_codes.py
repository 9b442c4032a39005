"""Volunteers' personal codes and printed cards, signed with Ed25519.

A code reads ``P1.<generation>.<volunteer>.<serial>.<window>.<signature>``: ``serial`` 0 and a
``window`` (``events.code_windows.window_of``) for the code a phone shows, accepted for
``CHECKIN_CODE_ACCEPTED_WINDOWS`` windows; a card's serial (``VolunteerCard``) and window 0 for a
printed card, valid until revoked. The signature covers everything before it, in ASCII.

A scanner verifies a code with the public keys it downloaded (WebCrypto's Ed25519), without the
server and without anything that could sign. The private key of each generation is derived from
``CARD_SIGNING_SECRET``; only public keys are stored (``CardKey``). New codes are signed with the
newest generation still in use; older ones keep verifying until retired (``rotate_card_key``).
"""

import base64
import datetime
import re
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.cache import cache

from events.code_windows import CodeError, window_of
from events.models import CardKey, VolunteerCard

PREFIX = "P1"
# The generations in use, shared by the processes through the cache (Redis in production), so an
# online scan reads no key row. Retiring a generation deletes the entry (``forget_keys``); a
# process whose cache is its own memory (no Redis) may accept the retired generation for up to
# KEYS_CACHE_SECONDS more, which is the delay the operator's README states.
KEYS_CACHE = "events:card-keys"
KEYS_CACHE_SECONDS = 60
CODE_PATTERN = re.compile(r"^P1\.(\d{1,5})\.(\d{1,12})\.(\d{1,9})\.(\d{1,12})\.([A-Za-z0-9_-]{86})$")


@dataclass(frozen=True)
class PersonalCode:
    generation: int
    volunteer_id: int
    serial: int  # 0: a phone's rotating code; else the printed card's serial
    window: int  # 0 for a card

    @property
    def is_card(self) -> bool:
        return self.serial != 0


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@lru_cache(maxsize=16)
def _private_key(secret: str, generation: int) -> Ed25519PrivateKey:
    seed = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"events.card-key", info=f"generation {generation}".encode()
    ).derive(secret.encode())
    return Ed25519PrivateKey.from_private_bytes(seed)


def private_key(generation: int) -> Ed25519PrivateKey:
    return _private_key(settings.CARD_SIGNING_SECRET, generation)


def public_key_text(generation: int) -> str:
    raw = private_key(generation).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return b64(raw)


def current_key() -> CardKey:
    """The newest key still in use, made on first need (generation 1)."""
    key = CardKey.objects.filter(retired_at__isnull=True).order_by("-generation").first()
    if key is None:
        key, _ = CardKey.objects.get_or_create(generation=1, defaults={"public_key": public_key_text(1)})
        forget_keys()
    return key


def active_public_keys(*, fresh: bool = False) -> dict[int, str]:
    """Generation → public key of the keys in use (not retired), from the cache when it has them
    (``fresh``: from the database, cached again)."""
    keys = None if fresh else cache.get(KEYS_CACHE)
    if keys is None:
        keys = dict(CardKey.objects.filter(retired_at__isnull=True).values_list("generation", "public_key"))
        cache.set(KEYS_CACHE, keys, KEYS_CACHE_SECONDS)
    return keys


def forget_keys() -> None:
    """Drop the cached keys after a generation was made or retired."""
    cache.delete(KEYS_CACHE)


def current_generation() -> int:
    keys = active_public_keys()
    return max(keys) if keys else current_key().generation


def sign(generation: int, volunteer_id: int, serial: int, window: int) -> str:
    body = f"{PREFIX}.{generation}.{volunteer_id}.{serial}.{window}"
    return f"{body}.{b64(private_key(generation).sign(body.encode()))}"


def make_phone_code(volunteer_id: int, at: datetime.datetime) -> str:
    return sign(current_generation(), volunteer_id, 0, window_of(at))


def make_card_code(volunteer_id: int, serial: int, generation: int | None = None) -> str:
    """A printed card's code: the same text each time for the same card (Ed25519 signs deterministically)."""
    return sign(generation or current_generation(), volunteer_id, serial, 0)


def card_code(card: VolunteerCard) -> str:
    return make_card_code(card.volunteer_id, card.serial, card.generation)


def parse(token: str) -> PersonalCode:
    """The code's fields if it is well formed; its signature is not checked here."""
    match = CODE_PATTERN.match(token.strip())
    if match is None:
        raise CodeError("token_invalid")
    # 86 characters carry 4 bits beyond the signature's 64 bytes, which decoding ignores: only
    # the text our encoding gives is accepted, so a code has one text (as a card's must).
    if b64(unb64(match.group(5))) != match.group(5):
        raise CodeError("token_invalid")
    generation, volunteer_id, serial, window = (int(part) for part in match.groups()[:4])
    return PersonalCode(generation, volunteer_id, serial, window)


def verify(token: str, at: datetime.datetime, public_keys: dict[int, str]) -> PersonalCode:
    """Check a code's signature against ``public_keys`` (generation → key) and a phone code's window.

    Revocation of a card is the caller's to check: it needs the cards' table (or the
    revocation list a scanner downloaded).
    """
    code = parse(token)
    key = public_keys.get(code.generation)
    if key is None:
        raise CodeError("token_invalid")
    body, signature = token.strip().rsplit(".", 1)
    try:
        Ed25519PublicKey.from_public_bytes(unb64(key)).verify(unb64(signature), body.encode())
    except (InvalidSignature, ValueError):
        raise CodeError("token_invalid") from None
    if not code.is_card:
        age = window_of(at) - code.window
        if age < 0 or code.window == 0:
            raise CodeError("token_invalid")
        if age >= settings.CHECKIN_CODE_ACCEPTED_WINDOWS:
            raise CodeError("token_expired")
    elif code.window != 0:
        raise CodeError("token_invalid")
    return code


def signed_by_us(token: str) -> bool:
    """Whether the code's signature is genuine under its generation's key, retired or not, its
    window and card aside: what a reviewer needs before crediting the volunteer a code names."""
    try:
        code = parse(token)
    except CodeError:
        return False
    key = CardKey.objects.filter(generation=code.generation).values_list("public_key", flat=True).first()
    if key is None:
        return False
    body, signature = token.strip().rsplit(".", 1)
    try:
        Ed25519PublicKey.from_public_bytes(unb64(key)).verify(unb64(signature), body.encode())
    except (InvalidSignature, ValueError):
        return False
    return True


def read_personal_code(token: str, at: datetime.datetime) -> PersonalCode:
    """A scanned personal code, checked as the server can: signature by a key in use, a phone
    code's window, a card not revoked. Raises CodeError; a genuine card of a retired
    generation is "card_revoked", so the manager knows to print a new one."""
    code = parse(token)
    keys = active_public_keys()
    if code.generation not in keys:
        # A generation made since this process cached the keys must not be refused meanwhile.
        keys = active_public_keys(fresh=True)
    if code.generation not in keys and code.is_card:
        retired = CardKey.objects.filter(generation=code.generation).values_list("public_key", flat=True).first()
        if retired is not None:
            verify(token, at, {code.generation: retired})
            raise CodeError("card_revoked")
    code = verify(token, at, keys)
    if code.is_card:
        in_use = VolunteerCard.objects.filter(
            volunteer_id=code.volunteer_id, serial=code.serial, generation=code.generation, revoked_at__isnull=True
        )
        if not in_use.exists():
            raise CodeError("card_revoked")
    return code


def revoked_cards() -> list[tuple[int, int]]:
    """(volunteer, serial) of every revoked card, for the scanners' offline pack."""
    rows = VolunteerCard.objects.filter(revoked_at__isnull=False).order_by("volunteer_id", "serial")
    return [(volunteer_id, serial) for volunteer_id, serial in rows.values_list("volunteer_id", "serial")]
