"""Resident identity card numbers of mainland China (GB 11643-1999).

18 characters: a 6-digit region code, the birth date as YYYYMMDD, a 3-digit
sequence number whose last digit is odd for men and even for women, and a check
character computed with ISO 7064 MOD 11-2 (weights 2^(17-i) mod 11).
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
# Province-level codes of GB/T 2260, the first two digits of the region code.
PROVINCE_CODES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)
FORMAT_RE = re.compile(r"^[0-9]{17}[0-9X]$")


@dataclass(frozen=True)
class IdentityFacts:
    birth_date: datetime.date
    gender: str  # "male" or "female"


def normalize_id_number(value: str) -> str:
    # Full-width digits, as Chinese input methods type them, become ASCII.
    return unicodedata.normalize("NFKC", value or "").strip().upper()


def check_character(first17: str) -> str:
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def parse_id_number(value: str) -> IdentityFacts:
    """Validate a normalised ID number and return what it says about its holder."""
    if not FORMAT_RE.match(value):
        raise ValidationError(_("An ID number has 18 characters: 17 digits and a digit or X."), code="id_format")
    if value[:2] not in PROVINCE_CODES:
        raise ValidationError(_("The ID number's region code is not valid."), code="id_region")
    try:
        birth = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(_("The ID number's birth date is not a real date."), code="id_birth_date") from None
    if birth > timezone.localdate() or birth.year < 1900:
        raise ValidationError(_("The ID number's birth date is not possible."), code="id_birth_date")
    if check_character(value[:17]) != value[17]:
        raise ValidationError(_("The ID number's check digit is wrong; please check it."), code="id_checksum")
    return IdentityFacts(birth_date=birth, gender="male" if int(value[16]) % 2 else "female")


def validate_id_number(value: str) -> None:
    parse_id_number(normalize_id_number(value))


def mask_id_number(value: str) -> str:
    if len(value) != 18:
        return "*" * len(value)
    return f"{value[:6]}********{value[14:]}"
