"""Volunteers' personal codes and printed cards, signed with Ed25519.

A code reads ``P1.<generation>.<volunteer>.<serial>.<window>.<signature>``: ``serial`` 0 and a
``window`` (``events.checkin_codes.window_of``) for the code a phone shows, accepted for
``CHECKIN_CODE_ACCEPTED_WINDOWS`` windows; a card's serial (``VolunteerCard``) and window 0 for a
printed card, valid until revoked. The signature covers everything before it, in ASCII.

A scanner verifies a code with the public keys it downloaded (WebCrypto's Ed25519), without the
server and without anything that could sign. The private key of each generation is derived from
``CARD_SIGNING_SECRET``; only public keys are stored (``CardKey``).
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

from events.checkin_codes import CodeError, window_of
from events.models import CardKey

PREFIX = "P1"
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
    return key


def sign(generation: int, volunteer_id: int, serial: int, window: int) -> str:
    body = f"{PREFIX}.{generation}.{volunteer_id}.{serial}.{window}"
    return f"{body}.{b64(private_key(generation).sign(body.encode()))}"


def make_phone_code(volunteer_id: int, at: datetime.datetime) -> str:
    return sign(current_key().generation, volunteer_id, 0, window_of(at))


def make_card_code(volunteer_id: int, serial: int) -> str:
    return sign(current_key().generation, volunteer_id, serial, 0)


def parse(token: str) -> PersonalCode:
    """The code's fields if it is well formed; its signature is not checked here."""
    match = CODE_PATTERN.match(token.strip())
    if match is None:
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


def active_public_keys() -> dict[int, str]:
    return dict(CardKey.objects.filter(retired_at__isnull=True).values_list("generation", "public_key"))
