"""Mainland China mobile numbers: validation and masking."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# 11 digits starting 13x-19x: the numbering plan of the Ministry of Industry and
# Information Technology for mobile networks.
MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")


def normalize_phone(value: str) -> str:
    """Drop spaces, dashes and a +86 prefix people paste from contact cards.

    Full-width digits, as Chinese input methods type them, become ASCII.
    """
    digits = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", value or ""))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits


def validate_mobile(value: str) -> None:
    if not MOBILE_RE.match(value or ""):
        raise ValidationError(
            _("Enter a valid mainland mobile number (11 digits starting with 1)."), code="invalid_phone"
        )


def mask_phone(value: str) -> str:
    if len(value) != 11:
        return "*" * len(value)
    return f"{value[:3]}****{value[7:]}"
