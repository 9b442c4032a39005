"""Venue photos as stored: the pixels only, re-encoded, never the file as sent.

A phone photo carries EXIF (where it was taken, the phone's serial number) and may be a
crafted file. ``events.photos`` does this for activity photos but lies above venues in
the layers; a venue photo is taken by a manager in the admin, one at a time, so the few
checks here suffice: size, pixels and shape from the header, then a fresh JPEG.
"""

from __future__ import annotations

import io
import warnings

from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

MAX_PHOTO_BYTES = 5 * 1024 * 1024
# More than any phone takes; larger ones are decompression bombs.
MAX_PHOTO_PIXELS = 40_000_000
MAX_ASPECT_RATIO = 20
# Enough to show a room on a phone; keeps each file to a few hundred kilobytes.
LONG_SIDE = 1600
ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP"}

NOT_A_PHOTO = _("Upload a photo (JPEG, PNG or WebP).")


class PhotoRejected(ValueError):
    """The upload is not a usable photo; ``str(error)`` is the message for the person."""


def reencode_venue_photo(upload) -> ContentFile:
    """A JPEG of the upload's pixels, upright, at most ``LONG_SIDE`` a side, without EXIF. Raises PhotoRejected."""
    if upload.size is not None and upload.size > MAX_PHOTO_BYTES:
        raise PhotoRejected(_("The photo may be at most 5 MB."))
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
            raise PhotoRejected(_("The photo has too many pixels or is too long."))
        try:
            if image.format in ("JPEG", "MPO"):
                image.draft("RGB", (LONG_SIDE, LONG_SIDE))
            image.load()
            upright = ImageOps.exif_transpose(image)
            rgb = upright.convert("RGBA").convert("RGB") if "A" in upright.getbands() else upright.convert("RGB")
            rgb.thumbnail((LONG_SIDE, LONG_SIDE))
            out = io.BytesIO()
            rgb.save(out, format="JPEG", quality=85, optimize=True)
        except Exception:
            raise PhotoRejected(NOT_A_PHOTO) from None
    return ContentFile(out.getvalue(), name="photo.jpg")
