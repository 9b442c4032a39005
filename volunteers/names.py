"""Real names as written on a mainland ID card."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Han characters of every CJK block, including the supplementary planes where rare
# characters of names live (up to Extension H) and 〇, plus the separator dot of
# transliterated names (买买提·艾力) and Latin letters for names registered in them.
HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af"
NAME_RE = re.compile(f"^[{HAN}A-Za-z][{HAN}A-Za-z· ]*$")
# The dot of minority names is typed in many look-alike forms; store one.
DOT_VARIANTS = str.maketrans({"•": "·", "・": "·", "．": "·", "｡": "·", "‧": "·", "∙": "·"})


def normalize_name(value: str) -> str:
    return " ".join((value or "").translate(DOT_VARIANTS).split())


def validate_real_name(value: str) -> None:
    if not 1 <= len(value) <= 30:
        raise ValidationError(_("A name has 1 to 30 characters."), code="name_length")
    if not NAME_RE.match(value) or value.endswith("·"):
        raise ValidationError(_("Enter the name as it is written on the ID card."), code="name_chars")


def mask_name(name: str) -> str:
    """张三 → 张*: enough to match a face or a paper to a person, and no length to guess from."""
    return f"{name[:1]}*" if name else ""
