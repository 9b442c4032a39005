"""Identity documents a volunteer registers with: their validation and masking.

The resident identity card of mainland China (GB 11643-1999) has 18 characters:
a 6-digit region code, the birth date as YYYYMMDD, a 3-digit
sequence number whose last digit is odd for men and even for women, and a check
character computed with ISO 7064 MOD 11-2 (weights 2^(17-i) mod 11).

The residence permit for Hong Kong, Macao and Taiwan residents (港澳台居民居住证, issued
since 2018 under the State Council's 国办发〔2018〕81号) carries a number built the same
way, under region codes of its own: 810000 (Hong Kong), 820000 (Macao), 830000 (Taiwan).
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
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


# The region codes of residence permits for Hong Kong, Macao and Taiwan residents.
RESIDENCE_PERMIT_REGIONS = frozenset(["810000", "820000", "830000"])


def parse_id_number(value: str) -> IdentityFacts:
    """Validate a normalised resident ID number and return what it says about its holder."""
    if not FORMAT_RE.match(value):
        raise ValidationError(_("An ID number has 18 characters: 17 digits and a digit or X."), code="id_format")
    if value[:6] in RESIDENCE_PERMIT_REGIONS:
        raise ValidationError(
            _(
                "This is the number of a residence permit for Hong Kong, Macao or Taiwan residents: "
                "choose that document."
            ),
            code="id_region",
        )
    if value[0] == "9":
        # GB 11643 numbers start 1-8 (the province codes); a leading 9 marks the 2023 card (see below).
        raise ValidationError(
            _("This is the number of a Foreign Permanent Resident ID Card: choose that document."),
            code="id_region",
        )
    if value[:2] not in PROVINCE_CODES:
        raise ValidationError(_("The ID number's region code is not valid."), code="id_region")
    return gb11643_facts(value)


def parse_residence_permit_number(value: str) -> IdentityFacts:
    """Validate a normalised residence permit number (港澳台居民居住证) and return what it says about its holder."""
    if not FORMAT_RE.match(value):
        raise ValidationError(_("An ID number has 18 characters: 17 digits and a digit or X."), code="id_format")
    if value[:6] not in RESIDENCE_PERMIT_REGIONS:
        raise ValidationError(
            _("A residence permit number starts with 810000 (Hong Kong), 820000 (Macao) or 830000 (Taiwan)."),
            code="id_region",
        )
    return gb11643_facts(value)


def gb11643_facts(value: str) -> IdentityFacts:
    """The birth date, the check character and the gender of an 18-character number whose format is checked."""
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
    """Mask an ID number of any accepted document (see mask_document_number)."""
    return mask_document_number(value)


class IdType(models.TextChoices):
    """Documents accepted at registration (民发〔2015〕149号 asks a certificate to state the
    holder's document type and number; 志愿服务记录与证明出具办法 art. 6 the same of the record).
    """

    RESIDENT = "resident_id", _("Resident identity card")
    RESIDENCE_PERMIT = "hmt_residence_permit", _("Residence Permit for Hong Kong, Macao and Taiwan Residents")
    HK_MACAO = "hk_macao_permit", _("Mainland Travel Permit for Hong Kong and Macao Residents")
    TAIWAN = "taiwan_permit", _("Mainland Travel Permit for Taiwan Residents")
    PASSPORT = "passport", _("Passport")
    FOREIGN_PR = "foreign_permanent_residence", _("Foreign Permanent Resident ID Card")


# Public formats of the other documents:
# - 港澳居民来往内地通行证 (card issued since 2013 by the Exit and Entry Administration):
#   H (Hong Kong) or M (Macao) and 8 digits; the 2-digit issue count printed beside it
#   is often typed too, so 10 digits are accepted.
#   The card it replaced (回乡证, before 2013) had the same letter and 8 digits with the
#   issue count in brackets, which normalisation strips: H12345678(01) is H1234567801.
# - 台湾居民来往大陆通行证 (card issued since 2015): 8 digits, again optionally followed
#   by the 2-digit issue count; the booklet before it added the issue count as a
#   letter in brackets (12345678(B)), which is accepted too.
# - Passports: ICAO Doc 9303 part 4 gives the document number 9 characters in the
#   machine-readable zone (letters and digits, longer numbers continue in the optional
#   field); a Chinese ordinary passport is E and 8 digits or E, a letter and 7 digits.
#   We accept 5 to 17 letters and digits with at least one digit: some states' numbers are
#   digits only (the United States', for one), so a letter cannot be required, and people
#   copy the check digit or more from the machine-readable zone.
# - 外国人永久居留身份证: the 2017 card has 15 characters (3 letters of the ISO 3166-1
#   nationality code and 12 digits); the card issued from 2023-12-01 has 18: 17 digits, the
#   first a 9 "to tell foreigners from citizens, whose numbers start 1-8 by province code",
#   and a MOD 11-2 check character computed as in GB 11643 (国家移民管理局《新版外国人永久
#   居留身份证机读信息规则》, 2023, items 2 and 3).
#
# None of these is a mainland resident ID number, yet a passport's 5 to 17 characters let one
# cut to 17 digits through, and a number typed under the wrong document escapes the checks
# (and the birth date and uniqueness) of its real one: see looks_like_resident_id.
HK_MACAO_RE = re.compile(r"^[HM][0-9]{8}([0-9]{2})?$")
TAIWAN_RE = re.compile(r"^[0-9]{8}([0-9]{2}|[A-Z])?$")
PASSPORT_RE = re.compile(r"^(?=.*[0-9])[A-Z0-9]{5,17}$")
FOREIGN_PR_2017_RE = re.compile(r"^[A-Z]{3}[0-9]{12}$")
FOREIGN_PR_2023_RE = re.compile(r"^9[0-9]{16}[0-9X]$")

# Documents whose number states the holder's birth date (and gender): for the others the
# registration form asks for them.
SELF_DESCRIBING = frozenset([IdType.RESIDENT, IdType.RESIDENCE_PERMIT])


# What the registration page says under the number, for the document chosen.
FORMAT_HINTS = {
    IdType.RESIDENT: _("18 characters, as on your resident ID card."),
    IdType.RESIDENCE_PERMIT: _("18 characters starting with 810000, 820000 or 830000, as on your residence permit."),
    IdType.HK_MACAO: _("H or M and 8 digits (the 2-digit issue count may follow)."),
    IdType.TAIWAN: _("8 digits (the issue count may follow)."),
    IdType.PASSPORT: _("The passport number, letters and digits."),
    IdType.FOREIGN_PR: _("18 characters starting with 9 (card of 2023), or 3 letters and 12 digits (card of 2017)."),
}


def normalize_document_number(value: str) -> str:
    """Upper case ASCII without spaces, brackets or dashes people copy from the card."""
    return re.sub(r"[\s()（）-]", "", normalize_id_number(value))


def looks_like_resident_id(value: str) -> bool:
    """Whether a normalised number is a GB 11643 number, whole or without its check character.

    17 digits under a province code (or a residence permit's region) with a real birth date
    at characters 7-14, or 18 with the right check character too. No other document's number
    has this shape: a passport number takes the 9 characters of the ICAO 9303 machine-readable
    zone (a few more when people copy its check digit), the travel permits are 8 to 11
    characters, and the 2023 permanent-residence card starts with 9, which no province code does.
    """
    if not (len(value) in (17, 18) and FORMAT_RE.match(value.ljust(18, "0"))):
        return False
    if value[:2] not in PROVINCE_CODES and value[:6] not in RESIDENCE_PERMIT_REGIONS:
        return False
    try:
        datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return len(value) == 17 or check_character(value[:17]) == value[17]


def validate_document_number(id_type: str, value: str) -> IdentityFacts | None:
    """Validate a normalised number of the given document type.

    Returns what the number says about its holder (the documents of SELF_DESCRIBING), else None.
    Raises ValidationError with a message naming the expected format.
    """
    if id_type == IdType.RESIDENT:
        return parse_id_number(value)
    if id_type == IdType.RESIDENCE_PERMIT:
        return parse_residence_permit_number(value)
    if id_type in IdType.values and looks_like_resident_id(value):
        if value[:6] in RESIDENCE_PERMIT_REGIONS:
            raise ValidationError(
                _(
                    "This is the number of a residence permit for Hong Kong, Macao or Taiwan residents: "
                    "choose that document."
                ),
                code="id_wrong_type",
            )
        raise ValidationError(
            _(
                "This is a resident ID number: choose “Resident identity card” as the document "
                "(its number has 18 characters)."
            ),
            code="id_wrong_type",
        )
    if id_type == IdType.HK_MACAO:
        if not HK_MACAO_RE.match(value):
            raise ValidationError(
                _("A Hong Kong or Macao permit number is H or M followed by 8 digits."), code="id_format"
            )
    elif id_type == IdType.TAIWAN:
        if not TAIWAN_RE.match(value):
            raise ValidationError(_("A Taiwan permit number has 8 digits."), code="id_format")
    elif id_type == IdType.PASSPORT:
        if not PASSPORT_RE.match(value):
            raise ValidationError(_("A passport number has 5 to 17 letters and digits."), code="id_format")
    elif id_type == IdType.FOREIGN_PR:
        if FOREIGN_PR_2023_RE.match(value):
            if check_character(value[:17]) != value[17]:
                raise ValidationError(_("The ID number's check digit is wrong; please check it."), code="id_checksum")
        elif not FOREIGN_PR_2017_RE.match(value):
            raise ValidationError(
                _("A permanent resident ID number has 18 characters starting with 9, or 3 letters and 12 digits."),
                code="id_format",
            )
    else:
        raise ValidationError(_("Choose a valid document type."), code="id_type")
    return None


def mask_document_number(value: str) -> str:
    """Mask any accepted document number.

    18 characters (resident ID, 2023 permanent resident card) keep the region code and
    the last four, hiding the birth date; shorter numbers keep their first character
    (the document's letter) and last three, so that no more than half is shown.
    """
    if len(value) == 18:
        return f"{value[:6]}********{value[14:]}"
    if len(value) >= 8:
        return f"{value[:1]}{'*' * (len(value) - 4)}{value[-3:]}"
    return "*" * len(value)
