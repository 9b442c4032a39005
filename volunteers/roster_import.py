"""Importing a roster of volunteers from an Excel sheet: a template, a preview, then the import.

Every row goes through the registration serializer's field validation (name, ID
number with its check digit, mobile number, guardian rules), the same as
self-registration; what registration checks with a query per person (is the number
taken, which station) is answered here for a whole batch at once, so a 1,000-row
sheet takes a constant number of queries per batch (benchmarks/roster_import.py).
Re-importing a sheet changes nothing: people already registered with the same ID
and mobile number are reported as such and skipped.

django-import-export was considered (4.4, Django 5.2 compatible) and not used: its
resources map one row to one model instance saved through ``save()``, while a
volunteer is a login and a volunteer row made together with consent, guardian and
number rules, validated by our serializer; fitting that in meant overriding most of
its row pipeline and still querying per row for the duplicate checks.
"""

from __future__ import annotations

import base64
import datetime
import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import quote_plus

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat, LPad
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from rest_framework import serializers

from accounts.models import User
from accounts.phones import mask_phone
from jobs.files import FORMULA_STARTS, safe_cell
from stations.models import Level, PracticeUnit
from volunteers.id_numbers import mask_id_number, parse_id_number
from volunteers.models import GuardianRelation, PoliticalStatus, Volunteer
from volunteers.serializers import RegistrationSerializer
from volunteers.services import RegistrationError, register_volunteer
from volunteers.signals import volunteers_registered

BATCH_SIZE = 500
MAX_ROWS = 5000
# An .xlsx is a zip of XML files: a few hundred kilobytes of it can inflate to gigabytes of
# XML, or to millions of shared strings openpyxl reads one by one (a 414 KB workbook ran
# 178 s and took 1 GB). Refused from the archive's directory and a count of its elements,
# before openpyxl parses anything. A full roster (5,000 rows, nine columns) is a few MB.
MAX_ARCHIVE_MEMBERS = 200
MAX_UNCOMPRESSED_BYTES = 20 * 1024 * 1024
# XML compresses 5-20 times; a bomb thousands of times. Small parts may compress better.
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_ABOVE_BYTES = 1024 * 1024
MAX_SHARED_STRINGS = 150_000
# The preview page carries the file back as base64 in a form field, URL-encoded ("+" and "/"
# take three characters each), beside a few short fields: this much room is kept for them.
FORM_FIELDS_ROOM = 16 * 1024
# Base64 makes 4 characters of 3 bytes; URL-encoding 2 of its 64 characters adds 1/16 on average.
CARRIED_GROWTH = 4 / 3 * (1 + 1 / 16)
MAX_CELLS = 150_000
# Parts other than the sheets and the string table, by their declared (central directory)
# size: openpyxl parses styles, workbook, content types and properties whole, element by
# element (3.2 MB of <xf/> in styles.xml took 5.6 s and 374 MB). The template's styles are
# 3 KB, its theme 10 KB; Excel's own stay well under these.
MAX_STYLES_BYTES = 1024 * 1024
MAX_OTHER_PART_BYTES = 256 * 1024
MAX_MEDIA_BYTES = 2 * 1024 * 1024
SCAN_CHUNK_BYTES = 64 * 1024
# A DTD's entities expand after any count of the raw bytes (16 KB made a million <si>);
# Excel and WPS never write one. expat also reads UTF-16, which no byte count would see.
_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")
_UTF16_STARTS = (b"\xfe\xff", b"\xff\xfe", b"<\x00", b"\x00<")
_XML_ENCODING = re.compile(rb"^(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']")
_ALLOWED_ENCODINGS = {b"utf-8", b"utf8", b"us-ascii", b"ascii"}
# Elements that each become an object in openpyxl: strings and their rich-text runs
# (phonetic runs too), cells and their inline strings.
_STRING_TAGS = (b"si", b"r", b"rPh")
_CELL_TAGS = (b"c", b"is")
# Columns read from each row (the template has nine, in any order); lines, empty ones too.
MAX_COLUMNS = 30
MAX_LINES = 2 * MAX_ROWS


def _count_elements(xml: bytes, tags: tuple[bytes, ...], limit: int) -> int:
    """How many ``tags`` elements the XML opens (any namespace prefix), counting no further than ``limit`` + 1."""
    opening = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:" + b"|".join(tags) + rb")[\s/>]")
    count = 0
    for _match in opening.finditer(xml):
        count += 1
        if count > limit:
            break
    return count


def _is_plain_xml(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    """Whether a part is free of a DTD and in UTF-8 or ASCII, read in chunks (its size is already bounded)."""
    tail = b""
    first = True
    with archive.open(member) as part:
        while chunk := part.read(SCAN_CHUNK_BYTES):
            if first:
                first = False
                if chunk.startswith(_UTF16_STARTS):
                    return False
                declared = _XML_ENCODING.match(chunk)
                if declared and declared.group(1).strip().lower() not in _ALLOWED_ENCODINGS:
                    return False
            window = tail + chunk
            if any(marker in window for marker in _DTD_MARKERS):
                return False
            tail = window[-16:]
    return True


def _part_limit(name: str) -> int | None:
    """The largest declared size allowed for a part; None for sheets and the string table, which are counted."""
    if name == "xl/sharedstrings.xml" or (name.startswith("xl/worksheets/") and name.endswith(".xml")):
        return None
    if name == "xl/styles.xml":
        return MAX_STYLES_BYTES
    if name.startswith("xl/media/"):
        return MAX_MEDIA_BYTES
    return MAX_OTHER_PART_BYTES


# Column headers of the template, in order, and the serializer field each one feeds.
COLUMNS = [
    ("real_name", _("Name")),
    ("id_number", _("ID number")),
    ("phone", _("Mobile number")),
    ("home_station", _("Home station (name or code)")),
    ("political_status", _("Political status")),
    ("guardian_name", _("Guardian's name (under 18)")),
    ("guardian_phone", _("Guardian's mobile number")),
    ("guardian_relation", _("Guardian's relation")),
    ("guardian_consent", _("Guardian consented (yes/no)")),
]
YES = {"是", "yes", "y", "true", "1", "已同意", "同意"}


class RosterError(Exception):
    """The file itself cannot be read (not a sheet, too many rows)."""


class RosterRowSerializer(RegistrationSerializer):
    """Registration's validation of one row; the batch answers station and duplicates.

    No password (imported volunteers get one from a manager's reset), no skills column.
    """

    # A station's code or name from the sheet, where registration takes an id.
    home_station = serializers.CharField(label=_("home station"))  # type: ignore[assignment]

    def __init__(self, *args, stations: dict[str, PracticeUnit], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.stations = stations
        del self.fields["password"]
        del self.fields["skills"]

    def validate_home_station(self, value: str) -> PracticeUnit:
        unit = self.stations.get(value.strip())
        if unit is None:
            raise serializers.ValidationError(_("Unknown station, or not one you manage."))
        return unit

    def validate(self, attrs: dict) -> dict:
        # Registration's guardian rules; its two "taken" queries are done per batch.
        attrs["guardian"] = self.guardian(attrs)
        for name in ["guardian_name", "guardian_phone", "guardian_relation", "guardian_consent"]:
            attrs.pop(name)
        return attrs


# End punctuation of a message: a row's messages are joined into one sentence (「…；…。」).
_END_PUNCTUATION = "。．.；;，,：: "


def phrase(message: str) -> str:
    """A message without its closing punctuation, to be joined with others."""
    return str(message).strip().rstrip(_END_PUNCTUATION)


@dataclass
class RosterRow:
    line: int
    values: dict
    data: dict | None = None
    # Phrases without end punctuation ("身份证号：身份证号校验码不正确，请核对"); ``error_text`` joins them.
    errors: list[str] = field(default_factory=list)
    already_registered: bool = False

    def add_error(self, message: str, *labels: str) -> None:
        """One problem, named after the columns it concerns (none: the row as a whole)."""
        text = phrase(message)
        named = [label for label in labels if label and not text.startswith(label)]
        self.errors.append(f"{'、'.join(named)}：{text}" if named else text)

    @property
    def error_text(self) -> str:
        return "；".join(self.errors) + "。" if self.errors else ""

    @property
    def ok(self) -> bool:
        return not self.errors and not self.already_registered

    @property
    def valid_data(self) -> dict:
        """The validated values, for a row that passed validation."""
        if self.data is None:
            raise ValueError(f"row {self.line} has not passed validation")
        return self.data

    @property
    def shown_id_number(self) -> str:
        return mask_id_number(str(self.values.get("id_number", "")))

    @property
    def shown_phone(self) -> str:
        return mask_phone(str(self.values.get("phone", "")))


@dataclass
class RosterCheck:
    rows: list[RosterRow]

    @property
    def valid(self) -> list[RosterRow]:
        return [row for row in self.rows if row.ok]

    @property
    def invalid(self) -> list[RosterRow]:
        return [row for row in self.rows if row.errors]

    @property
    def already_registered(self) -> list[RosterRow]:
        return [row for row in self.rows if row.already_registered and not row.errors]


def template_workbook(stations: Iterable[PracticeUnit]) -> bytes:
    """The XLSX to fill in: the header row, text-formatted number columns, and the stations to choose from."""
    book = Workbook()
    sheet = book.active
    sheet.title = gettext("Volunteers")
    sheet.append([str(label) for _name, label in COLUMNS])
    for column in ("B", "C", "G"):
        # Text, so Excel keeps an ID number's 18 digits and trailing X.
        sheet.column_dimensions[column].number_format = "@"
        for row in range(2, 1002):
            sheet[f"{column}{row}"].number_format = "@"
    for column, width in zip("ABCDEFGHI", (10, 22, 14, 24, 14, 14, 16, 12, 14), strict=True):
        sheet.column_dimensions[column].width = width
    help_sheet = book.create_sheet(gettext("Lists"))
    help_sheet.append(
        [gettext("Stations"), gettext("Station code"), gettext("Political status"), gettext("Guardian's relation")]
    )
    stations = list(stations)
    statuses = [str(label) for _value, label in PoliticalStatus.choices]
    relations = [str(label) for _value, label in GuardianRelation.choices]
    for index in range(max(len(stations), len(statuses), len(relations))):
        station = stations[index] if index < len(stations) else None
        help_sheet.append(
            [
                station.name if station else "",
                station.code if station else "",
                statuses[index] if index < len(statuses) else "",
                relations[index] if index < len(relations) else "",
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def failed_rows_workbook(rows: Iterable[RosterRow]) -> bytes:
    """The rows with errors, in the template's columns and an error column, to fix and upload again.

    The error column is ignored on upload (its header is not the template's). Text a
    spreadsheet would run as a formula (=HYPERLINK(...) typed in as a name) is written as
    text, with the apostrophe ``cell_text`` takes off again when the sheet comes back.
    """
    book = Workbook()
    sheet = book.active
    sheet.title = gettext("Volunteers")
    sheet.append([*(str(label) for _name, label in COLUMNS), gettext("Errors")])
    for number, row in enumerate(rows, start=2):
        sheet.append(
            [safe_cell(value) for value in (*(row.values.get(name, "") for name, _label in COLUMNS), row.error_text)]
        )
        for column in ("B", "C", "G"):
            sheet[f"{column}{number}"].number_format = "@"
    for column, width in zip("ABCDEFGHIJ", (10, 22, 14, 24, 14, 14, 16, 12, 14, 60), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def carried_size(content: bytes) -> int:
    """The bytes the preview's form posts to carry ``content`` back (the base64 field and the others)."""
    return len(quote_plus(base64.b64encode(content).decode())) + FORM_FIELDS_ROOM


def largest_carried_file(limit: int) -> int:
    """About the largest file whose preview fits in a request of ``limit`` bytes, to name in a message."""
    return int((limit - FORM_FIELDS_ROOM) / CARRIED_GROWTH)


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    text = str(value).strip()
    # A value the failed-rows workbook wrote as text ('+86 138..., '=...) comes back as typed.
    if text[:1] == "'" and text[1:2] in FORMULA_STARTS:
        return text[1:]
    return text


def check_archive(content: bytes) -> None:
    """Refuse a workbook too large to parse, from its zip directory and a count of its strings and cells.

    Milliseconds for any file under the upload limit: the sizes are the archive's own
    (zipfile never inflates a part past its declared size), and the parts are counted,
    not parsed. Raises RosterError.
    """
    too_large = gettext(
        "The workbook is too large to read: at most %(rows)d rows of the template, without other sheets or pictures."
    ) % {"rows": MAX_ROWS}
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
        if len(members) > MAX_ARCHIVE_MEMBERS:
            raise RosterError(too_large)
        if sum(member.file_size for member in members) > MAX_UNCOMPRESSED_BYTES:
            raise RosterError(too_large)
        for member in members:
            if member.file_size > RATIO_CHECKED_ABOVE_BYTES and member.file_size > MAX_COMPRESSION_RATIO * max(
                member.compress_size, 1
            ):
                raise RosterError(too_large)
        # Parts openpyxl parses whole, by their declared size (zipfile reads no further).
        counted = []
        for member in members:
            limit = _part_limit(member.filename.lower())
            if limit is None:
                counted.append(member)
            elif member.file_size > limit:
                raise RosterError(too_large)
        # Then no DTD, and no encoding the counts below would misread, in any part.
        for member in members:
            if not _is_plain_xml(archive, member):
                raise RosterError(gettext("The file is not an Excel workbook (.xlsx)."))
        # A part is counted for both strings and cells: openpyxl finds them by the
        # workbook's relationships, not by these names.
        strings = cells = 0
        for member in counted:
            xml = archive.read(member)
            strings += _count_elements(xml, _STRING_TAGS, MAX_SHARED_STRINGS)
            cells += _count_elements(xml, _CELL_TAGS, MAX_CELLS)
            if strings > MAX_SHARED_STRINGS or cells > MAX_CELLS:
                raise RosterError(too_large)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,
        OSError,
        EOFError,
        ValueError,
        RuntimeError,
        zlib.error,
    ) as error:
        raise RosterError(gettext("The file is not an Excel workbook (.xlsx).")) from error


def read_rows(content: bytes) -> list[RosterRow]:
    """The sheet's non-empty rows as text, keyed by field name (from the header, in any order).

    The archive is checked first (``check_archive``): a workbook bomb is refused
    before openpyxl reads it. Raises RosterError.
    """
    check_archive(content)
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile) as error:
        raise RosterError(gettext("The file is not an Excel workbook (.xlsx).")) from error
    sheet = book.worksheets[0]
    # Bounded columns: a sheet's claimed dimension (A1:XFD1048576) would pad every row to 16,384 cells.
    lines = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
    header = [cell_text(value) for value in next(lines, ())]
    by_label = {str(label): name for name, label in COLUMNS}
    names = [by_label.get(label) for label in header]
    if "id_number" not in names or "phone" not in names:
        raise RosterError(gettext("The first row must be the template's header row."))
    rows = []
    for line, cells in enumerate(lines, start=2):
        # Empty lines count too: a claimed dimension can make a million of them.
        if line > MAX_LINES:
            raise RosterError(gettext("At most %(count)d rows per file.") % {"count": MAX_ROWS})
        values = {name: cell_text(value) for name, value in zip(names, cells, strict=False) if name}
        if not any(values.values()):
            continue
        rows.append(RosterRow(line=line, values=values))
        if len(rows) > MAX_ROWS:
            raise RosterError(gettext("At most %(count)d rows per file.") % {"count": MAX_ROWS})
    book.close()
    return rows


def choice_value(text: str, choices: Iterable[tuple[str, object]]) -> str:
    """A choice typed as its Chinese label or its code."""
    for value, label in choices:
        if text in (value, str(label)):
            return value
    return text


def station_lookup(user: User) -> dict[str, PracticeUnit]:
    """Stations the importer manages, by code and by name (a name shared by two stations is left out)."""
    stations = list(PracticeUnit.objects.managed_by(user).filter(level=Level.STATION, is_active=True))
    lookup: dict[str, PracticeUnit] = {}
    names: dict[str, int] = {}
    for station in stations:
        names[station.name] = names.get(station.name, 0) + 1
    for station in stations:
        lookup[station.code] = station
        if names[station.name] == 1:
            lookup[station.name] = station
    return lookup


def batches(rows: list, size: int) -> Iterator[list]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def check_rows(rows: list[RosterRow], *, user: User) -> RosterCheck:
    """Validate every row as registration does; nothing is saved. Two queries per batch and one for stations."""
    # One serializer validates every row (run_validation): building one per row would
    # copy its fields a thousand times.
    serializer = RosterRowSerializer(stations=station_lookup(user))
    seen_ids: dict[str, int] = {}
    seen_phones: dict[str, int] = {}
    for batch in batches(rows, BATCH_SIZE):
        for row in batch:
            _validate_row(row, serializer)
        _check_duplicates(batch, seen_ids, seen_phones)
    return RosterCheck(rows)


def _validate_row(row: RosterRow, serializer: RosterRowSerializer) -> None:
    # Empty cells are left out, as an API client leaves out what it does not know.
    values = {name: value for name, value in row.values.items() if value != ""}
    if "political_status" in values:
        values["political_status"] = choice_value(values["political_status"], PoliticalStatus.choices)
    if "guardian_relation" in values:
        values["guardian_relation"] = choice_value(values["guardian_relation"], GuardianRelation.choices)
    values["guardian_consent"] = values.get("guardian_consent", "").lower() in YES
    # The person's signed paper form is the consent; the importer confirms it for the whole file.
    values["consent"] = True
    try:
        row.data = dict(serializer.run_validation(values))
        return
    except serializers.ValidationError as error:
        errors = error.detail if isinstance(error.detail, dict) else {"non_field_errors": error.detail}
    labels = {name: str(label) for name, label in COLUMNS}
    # One message given for several columns (a minor's guardian fields) is said once, naming them all.
    by_message: dict[str, list[str]] = {}
    for name, messages in _flatten(errors):
        for message in messages:
            by_message.setdefault(phrase(message), []).append(labels.get(name, ""))
    for message, columns in by_message.items():
        row.add_error(message, *columns)


def _flatten(errors: dict) -> Iterator[tuple[str, list[str]]]:
    for name, messages in errors.items():
        yield name, [str(message) for message in (messages if isinstance(messages, list) else [messages])]


def _check_duplicates(batch: list[RosterRow], seen_ids: dict[str, int], seen_phones: dict[str, int]) -> None:
    candidates = [row for row in batch if row.data is not None]
    id_numbers = [row.valid_data["id_number"] for row in candidates]
    phones = [row.valid_data["phone"] for row in candidates]
    registered = dict(Volunteer.objects.filter(id_number__in=id_numbers).values_list("id_number", "user__phone"))
    taken_phones = set(get_user_model().objects.filter(phone__in=phones).values_list("phone", flat=True))
    for row in candidates:
        id_number, phone = row.valid_data["id_number"], row.valid_data["phone"]
        id_label, phone_label = str(COLUMNS[1][1]), str(COLUMNS[2][1])
        if id_number in seen_ids:
            row.add_error(gettext("the same as row %(line)d of this file") % {"line": seen_ids[id_number]}, id_label)
        elif phone in seen_phones:
            row.add_error(gettext("the same as row %(line)d of this file") % {"line": seen_phones[phone]}, phone_label)
        elif registered.get(id_number) == phone:
            row.already_registered = True
        elif id_number in registered:
            row.add_error(gettext("This ID number is already registered."), id_label)
        elif phone in taken_phones:
            row.add_error(gettext("This mobile number is already registered."), phone_label)
        seen_ids.setdefault(id_number, row.line)
        seen_phones.setdefault(phone, row.line)
        if row.errors:
            row.data = None


@dataclass
class ImportResult:
    created: int = 0
    already_registered: int = 0
    invalid: int = 0
    # The volunteers made, for the result page (each gets a password from a manager's reset).
    volunteers: list[Volunteer] = field(default_factory=list)


def import_rows(rows: list[RosterRow], *, user: User) -> ImportResult:
    """Check the rows again and register the valid ones, a batch per transaction.

    A batch is four statements whatever its size: the users, the volunteers, their
    numbers, and the duplicate check before. Should another registration take a number
    meanwhile, that batch falls back to the registration service row by row.
    """
    check = check_rows(rows, user=user)
    result = ImportResult(already_registered=len(check.already_registered), invalid=len(check.invalid))
    for batch in batches(check.valid, BATCH_SIZE):
        try:
            with transaction.atomic():
                made = _create_batch(batch)
        except IntegrityError:
            made = _create_one_by_one(batch)
        result.volunteers.extend(made)
    result.created = len(result.volunteers)
    return result


def _create_batch(batch: list[RosterRow]) -> list[Volunteer]:
    now = timezone.now()
    User = get_user_model()
    users = User.objects.bulk_create(
        [
            # An unusable password: the volunteer gets a one-time password from a manager.
            User(
                phone=row.valid_data["phone"],
                name=row.valid_data["real_name"],
                password=make_password(None),
                date_joined=now,
            )
            for row in batch
        ]
    )
    volunteers = []
    for row, user in zip(batch, users, strict=True):
        facts = parse_id_number(row.valid_data["id_number"])
        guardian = row.valid_data.get("guardian")
        volunteers.append(
            Volunteer(
                user=user,
                real_name=row.valid_data["real_name"],
                id_number=row.valid_data["id_number"],
                gender=facts.gender,
                birth_date=facts.birth_date,
                home_station=row.valid_data["home_station"],
                political_status=row.valid_data.get("political_status", ""),
                consented_at=now,
                guardian_name=guardian.name if guardian else "",
                guardian_phone=guardian.phone if guardian else "",
                guardian_relation=guardian.relation if guardian else "",
                guardian_consented_at=now if guardian else None,
            )
        )
    created = Volunteer.objects.bulk_create(volunteers)
    # bulk_create sends no save signals: tell the statistics here.
    volunteers_registered.send(sender=Volunteer, volunteers=created)
    # The number printed on cards, as Volunteer.assign_number makes it: year registered + id.
    year = f"{timezone.localtime(now):%Y}"
    Volunteer.objects.filter(pk__in=[volunteer.pk for volunteer in created]).update(
        number=Concat(Value(year), LPad(Cast("id", CharField()), 8, Value("0")), output_field=CharField())
    )
    return created


def _create_one_by_one(batch: list[RosterRow]) -> list[Volunteer]:
    created = []
    for row in batch:
        data = row.valid_data
        try:
            volunteer = register_volunteer(
                real_name=data["real_name"],
                id_number=data["id_number"],
                phone=data["phone"],
                password=None,
                home_station=data["home_station"],
                political_status=data.get("political_status", ""),
                guardian=data.get("guardian"),
            )
        except RegistrationError:
            # Taken meanwhile: this row is left out, the others still go in.
            continue
        created.append(volunteer)
    return created
