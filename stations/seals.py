"""A unit's seal image: checked from its header, then stored re-encoded as a small PNG.

The seal is embedded in every certificate PDF, so every render pays for decoding it.
Django's ImageField only opens and ``verify()``s an upload, which decodes no pixel: a
140 KB PNG of 12,000 x 12,000 pixels passed, and cost every certificate 0.4 s and
hundreds of megabytes. Here the upload is refused from its header (format, sides,
size, metadata) before any pixel is decoded; an accepted one is decoded once and
stored as a PNG of at most ``LONG_SIDE`` pixels a side (transparency kept, metadata
dropped). ``SealField`` does it on every path that stores a seal: the admin's form,
and ``unit.seal.save(...)`` from code.

stations/ may not import events/ (layers), so this is a smaller copy of the checks in
events/photos.py, for a stamp image rather than a phone photo.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from django.db.models.fields.files import ImageFieldFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

MAX_SEAL_BYTES = 1024 * 1024
# A seal is a small stamp: 1,500 pixels a side is more than any print of it needs.
MAX_SEAL_SIDE = 1500
# What is stored, and embedded in each certificate.
LONG_SIDE = 1000
# Only these plug-ins ever parse the file.
OPENERS = ["PNG", "JPEG", "WEBP"]
ACCEPTED_FORMATS = {"PNG", "JPEG", "MPO", "WEBP"}
ALPHA_MODES = {"RGBA", "LA", "PA", "RGBa", "La"}

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_IMAGE_CHUNKS = {b"IHDR", b"PLTE", b"IDAT", b"fdAT", b"fcTL", b"acTL", b"IEND", b"tRNS"}
# Chunks Pillow inflates when it opens the file.
PNG_COMPRESSED_CHUNKS = {b"iCCP", b"zTXt", b"iTXt"}
MAX_METADATA_SEGMENTS = 32
MAX_METADATA_BYTES = 256 * 1024

NOT_A_SEAL = _("Upload the seal as a PNG, JPEG or WebP image.")
SEAL_TOO_LARGE = _("The seal image may be at most 1 MB and 1500 x 1500 pixels.")
SEAL_TOO_MUCH_METADATA = _("The seal image carries too much hidden data: save it again as an ordinary PNG.")


class SealRejected(ValidationError):
    pass


def _check_metadata(data: bytes) -> None:
    """Refuse a PNG or JPEG whose metadata Pillow would spend long reading (and inflating) on open."""
    count = size = compressed = 0
    if data.startswith(PNG_SIGNATURE):
        position = len(PNG_SIGNATURE)
        while position + 8 <= len(data):
            length = int.from_bytes(data[position : position + 4], "big")
            kind = data[position + 4 : position + 8]
            if kind == b"IEND":
                return
            if kind not in PNG_IMAGE_CHUNKS:
                count, size = count + 1, size + length
                compressed += kind in PNG_COMPRESSED_CHUNKS
                if count > MAX_METADATA_SEGMENTS or size > MAX_METADATA_BYTES or compressed > 4:
                    raise SealRejected(SEAL_TOO_MUCH_METADATA, code="seal_metadata")
            position += 12 + length
    elif data.startswith(b"\xff\xd8"):
        position = 2
        while position + 4 <= len(data) and data[position] == 0xFF:
            marker = data[position + 1]
            if marker == 0xFF:
                position += 1
                continue
            if marker == 0xDA:  # the first scan: libjpeg reads the rest
                return
            length = int.from_bytes(data[position + 2 : position + 4], "big")
            count, size = count + 1, size + length
            if count > MAX_METADATA_SEGMENTS or size > MAX_METADATA_BYTES:
                raise SealRejected(SEAL_TOO_MUCH_METADATA, code="seal_metadata")
            position += 2 + length


def open_seal(data: bytes) -> Image.Image:
    """The seal opened but not decoded, its header checked. Raises SealRejected."""
    if len(data) > MAX_SEAL_BYTES:
        raise SealRejected(SEAL_TOO_LARGE, code="seal_too_large")
    _check_metadata(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=OPENERS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise SealRejected(SEAL_TOO_LARGE, code="seal_too_large") from None
    # Crafted files raise many exception types (OSError, SyntaxError, struct.error...).
    except Exception:
        raise SealRejected(NOT_A_SEAL, code="not_a_seal") from None
    width, height = image.size
    if image.format not in ACCEPTED_FORMATS or width < 1 or height < 1:
        image.close()
        raise SealRejected(NOT_A_SEAL, code="not_a_seal")
    if width > MAX_SEAL_SIDE or height > MAX_SEAL_SIDE:
        image.close()
        raise SealRejected(SEAL_TOO_LARGE, code="seal_too_large")
    return image


class PreparedSeal(ContentFile):
    """A seal already checked and re-encoded: stored as it is."""


def prepare_seal(content, name: str = "seal") -> PreparedSeal:
    """The upload ``content`` checked from its header, then decoded once and re-encoded as a PNG of at
    most ``LONG_SIDE`` a side, named ``<stem>.png``. Raises SealRejected."""
    if getattr(content, "size", None) is not None and content.size > MAX_SEAL_BYTES:
        raise SealRejected(SEAL_TOO_LARGE, code="seal_too_large")
    if hasattr(content, "seek"):
        content.seek(0)
    data = content.read(MAX_SEAL_BYTES + 1)
    if isinstance(data, str):
        raise SealRejected(NOT_A_SEAL, code="not_a_seal")
    image = open_seal(data)
    try:
        with image:
            if image.format in ("JPEG", "MPO"):
                image.draft("RGB", (LONG_SIDE, LONG_SIDE))
            transparent = image.mode in ALPHA_MODES or "transparency" in image.info
            image.load()
            upright = ImageOps.exif_transpose(image)
            pixels = upright.convert("RGBA" if transparent else "RGB")
            pixels.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            pixels.save(out, format="PNG")
    except SealRejected:
        raise
    except Exception:
        # A truncated or corrupt file fails only once decoded.
        raise SealRejected(NOT_A_SEAL, code="not_a_seal") from None
    stem = Path(str(name or "seal")).stem or "seal"
    return PreparedSeal(out.getvalue(), name=f"{stem}.png")


class SealFieldFile(ImageFieldFile):
    def save(self, name, content, save=True):
        if not isinstance(content, PreparedSeal):
            content = prepare_seal(content, name)
            name = content.name
        super().save(name, content, save)


class SealFormField(forms.ImageField):
    """The seal on a form: refused with a message from its header, never ``verify()``d as a whole image."""

    default_error_messages = {
        "invalid_image": NOT_A_SEAL,
    }

    def to_python(self, data):
        upload = forms.FileField.to_python(self, data)
        if upload is None:
            return None
        # SealRejected is a ValidationError: the form shows its message on the field.
        return prepare_seal(upload, upload.name)


class SealField(models.ImageField):
    """An ImageField whose every stored file went through ``prepare_seal``."""

    attr_class = SealFieldFile

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": SealFormField, **kwargs})
