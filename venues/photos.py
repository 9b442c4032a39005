"""Venue photos as stored: the pixels only, re-encoded, never the file as sent.

A phone photo carries EXIF (where it was taken, the phone's serial number) and may be a
crafted file. Before any pixel is decoded, the checks every photo gets (``jobs.image_checks``):
size, the metadata Pillow reads in Python, pixels, shape and the memory decoding would hold,
all from the header; then a fresh JPEG. The admin takes at most 12 photos a request
(``VenuePhotoInline``).
"""

from __future__ import annotations

import io
import warnings

from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

from jobs.image_checks import PhotoRejected, check_segments
from jobs.image_checks import decode_bytes as decode_bytes_of

MAX_PHOTO_BYTES = 5 * 1024 * 1024
# More than any phone takes; larger ones are decompression bombs.
MAX_PHOTO_PIXELS = 40_000_000
MAX_ASPECT_RATIO = 20
# Enough to show a room on a phone; keeps each file to a few hundred kilobytes.
LONG_SIDE = 1600
ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP"}
# What decoding may hold in memory, from the header (as events.photos): a 40-megapixel PNG of
# 16-bit RGBA, 300 KB on the wire, held 740 MB and 2.7 s before this.
MAX_DECODE_BYTES = 128 * 1024 * 1024

NOT_A_PHOTO = _("Upload a photo (JPEG, PNG or WebP).")
TOO_BIG = _("The photo has too many pixels or is too long.")


def reencode_venue_photo(upload) -> ContentFile:
    """A JPEG of the upload's pixels, upright, at most ``LONG_SIDE`` a side, without EXIF. Raises PhotoRejected."""
    if upload.size is not None and upload.size > MAX_PHOTO_BYTES:
        raise PhotoRejected(_("The photo may be at most 5 MB."))
    upload.seek(0)
    multiscan = check_segments(upload.read())
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload, formats=["JPEG", "PNG", "WEBP"])
    # Pillow answers crafted files with many exception types; all of them mean "not a photo".
    except Exception:
        raise PhotoRejected(NOT_A_PHOTO) from None
    with image:
        width, height = image.size
        if image.format not in ACCEPTED_FORMATS or width < 1 or height < 1:
            raise PhotoRejected(NOT_A_PHOTO)
        if width * height > MAX_PHOTO_PIXELS or max(width, height) > MAX_ASPECT_RATIO * min(width, height):
            raise PhotoRejected(TOO_BIG)
        try:
            decode_bytes = decode_bytes_of(image, multiscan=multiscan, long_side=LONG_SIDE)  # drafts a JPEG down
        except Exception:
            raise PhotoRejected(NOT_A_PHOTO) from None
        if decode_bytes > MAX_DECODE_BYTES:
            raise PhotoRejected(TOO_BIG)
        try:
            image.load()
            upright = ImageOps.exif_transpose(image)
            rgb = upright.convert("RGBA").convert("RGB") if "A" in upright.getbands() else upright.convert("RGB")
            rgb.thumbnail((LONG_SIDE, LONG_SIDE))
            out = io.BytesIO()
            rgb.save(out, format="JPEG", quality=85, optimize=True)
        except Exception:
            raise PhotoRejected(NOT_A_PHOTO) from None
    return ContentFile(out.getvalue(), name="photo.jpg")
