"""Private files (certificates, job outputs, ledgers): names nobody can guess, served only through checked views."""

from __future__ import annotations

import re
import secrets
import unicodedata
from pathlib import PurePath
from urllib.parse import quote

from django.db.models.fields.files import FieldFile
from django.http import FileResponse
from django.utils import timezone
from django.utils.functional import Promise

# Cells a spreadsheet would run as a formula (or whose leading control character hides one).
FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"]


def private_file_name(folder: str, filename: str) -> str:
    """``folder/<year>/<month>/<random>.<ext>``: a personal file's stored name says nothing and cannot be guessed.

    Certificate numbers are sequential; a name made from one would let anyone who
    reaches the storage walk every volunteer's certificate.
    """
    suffix = PurePath(filename).suffix.lower()
    return f"{folder}/{timezone.now():%Y/%m}/{secrets.token_urlsafe(24)}{suffix}"


def attachment_header(filename: str, ascii_name: str = "") -> str:
    """The Content-Disposition of a download named ``filename`` (Chinese as a rule).

    RFC 6266 / 5987: browsers read ``filename*=UTF-8''...``; a client that reads only
    ``filename=`` gets ``ascii_name`` (or the ASCII left of the name, else "download").
    """
    suffix = PurePath(filename).suffix
    if not ascii_name:
        plain = unicodedata.normalize("NFKD", PurePath(filename).stem).encode("ascii", "ignore").decode()
        stem = re.sub(r"[^A-Za-z0-9.-]+", "_", plain).strip("_.")
        ascii_name = f"{stem or 'download'}{suffix}"
    fallback = re.sub(r"[^A-Za-z0-9._ -]", "_", ascii_name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def private_download(file: FieldFile, filename: str, content_type: str) -> FileResponse:
    """A stored private file as an attachment; the view calling this has checked who asks."""
    response = FileResponse(file.open("rb"), as_attachment=True, filename=filename, content_type=content_type)
    response["Content-Disposition"] = attachment_header(filename)
    return response


def safe_cell(value: object) -> object:
    """Neutralise text a spreadsheet would run as a formula (the hours statistics do this in SQL).

    A lazily translated label becomes its text here: XlsxWriter refuses anything but real strings and numbers.
    """
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value
