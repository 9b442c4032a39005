"""Photos volunteers attach to correction requests: re-encoded, never stored as sent.

A phone photo carries EXIF (the place it was taken, the phone's serial number) and
may be a crafted file. Decoding it and writing a fresh JPEG keeps only the pixels.
"""

from __future__ import annotations

import io

from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PHOTO_BYTES = 5 * 1024 * 1024
# A 40-megapixel photo is more than any phone takes; larger ones are decompression bombs.
MAX_PHOTO_PIXELS = 40_000_000
# Enough to read a sign-in sheet; keeps each stored file to a few hundred kilobytes.
LONG_SIDE = 2000


class PhotoRejected(ValueError):
    """The upload is not a usable photo; ``str(error)`` is the message for the volunteer."""


def reencode_photo(upload) -> ContentFile:
    """A JPEG of the upload's pixels only (EXIF and any other metadata dropped), at most ``LONG_SIDE`` wide."""
    if upload.size > MAX_PHOTO_BYTES:
        raise PhotoRejected(_("The photo may be at most 5 MB."))
    try:
        with Image.open(upload) as image:
            if image.width * image.height > MAX_PHOTO_PIXELS:
                raise PhotoRejected(_("The photo has too many pixels."))
            # Turn it upright first: the orientation lives in the EXIF we drop.
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as error:
        if isinstance(error, PhotoRejected):
            raise
        raise PhotoRejected(_("Upload a photo (JPEG, PNG or WebP).")) from None
    upright.thumbnail((LONG_SIDE, LONG_SIDE))
    out = io.BytesIO()
    upright.save(out, format="JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue(), name="photo.jpg")
