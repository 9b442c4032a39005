"""Private files (certificates, job outputs, ledgers): names nobody can guess, served only through checked views."""

from __future__ import annotations

import secrets
from pathlib import PurePath

from django.db.models.fields.files import FieldFile
from django.http import FileResponse
from django.utils import timezone


def private_file_name(folder: str, filename: str) -> str:
    """``folder/<year>/<month>/<random>.<ext>``: a personal file's stored name says nothing and cannot be guessed.

    Certificate numbers are sequential; a name made from one would let anyone who
    reaches the storage walk every volunteer's certificate.
    """
    suffix = PurePath(filename).suffix.lower()
    return f"{folder}/{timezone.now():%Y/%m}/{secrets.token_urlsafe(24)}{suffix}"


def private_download(file: FieldFile, filename: str, content_type: str) -> FileResponse:
    """A stored private file as an attachment; the view calling this has checked who asks."""
    # FileResponse writes a Chinese file name as RFC 5987 filename*=UTF-8''...
    return FileResponse(file.open("rb"), as_attachment=True, filename=filename, content_type=content_type)
