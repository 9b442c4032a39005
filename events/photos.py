"""Photos people upload (correction requests, activity records): re-encoded, never stored as sent.

A phone photo carries EXIF (the place it was taken, the phone's serial number) and
may be a crafted file. Decoding it and writing a fresh JPEG keeps only the pixels,
turned upright; the time it was taken is read before the EXIF is dropped.
"""

from __future__ import annotations

import datetime
import io
import warnings
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import ExifTags, Image, ImageOps
from pillow_heif import register_heif_opener

# iPhones save HEIC by default; the plug-in teaches Pillow to read it.
register_heif_opener()

MAX_PHOTO_BYTES = 5 * 1024 * 1024
# A 40-megapixel photo is more than any phone takes; larger ones are decompression bombs.
MAX_PHOTO_PIXELS = 40_000_000
# Enough to read a sign-in sheet; keeps each stored file to a few hundred kilobytes.
LONG_SIDE = 2000
THUMBNAIL_SIDE = 400
# What phones and messaging apps produce; anything else (TIFF, PSD, GIF...) is refused.
ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "HEIF"}
# A camera clock set to 1970, or a crafted date, is no time taken.
EARLIEST_TAKEN = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


class PhotoRejected(ValueError):
    """The upload is not a usable photo; ``str(error)`` is the message for the person."""


@dataclass(frozen=True)
class PreparedPhoto:
    image: ContentFile
    thumbnail: ContentFile
    taken_at: datetime.datetime | None


def _decode(upload) -> tuple[Image.Image, datetime.datetime | None]:
    """The upload's pixels, upright and in RGB, and the time the EXIF says it was taken."""
    if upload.size > MAX_PHOTO_BYTES:
        raise PhotoRejected(_("The photo may be at most 5 MB."))
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; refuse those too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRejected(_("The photo has too many pixels.")) from None
    # Pillow's decoders answer crafted files with many exception types (OSError,
    # SyntaxError, struct.error...); all of them mean "not a photo".
    except Exception:
        raise PhotoRejected(_("Upload a photo (JPEG, PNG, WebP or HEIC).")) from None
    try:
        with image:
            if image.format not in ACCEPTED_FORMATS:
                raise PhotoRejected(_("Upload a photo (JPEG, PNG, WebP or HEIC)."))
            if image.width * image.height > MAX_PHOTO_PIXELS:
                raise PhotoRejected(_("The photo has too many pixels."))
            taken_at = _taken_at(image.getexif())
            # Turn it upright first: the orientation lives in the EXIF we drop.
            upright = _rgb(ImageOps.exif_transpose(image))
    except PhotoRejected:
        raise
    except Exception:
        raise PhotoRejected(_("Upload a photo (JPEG, PNG, WebP or HEIC).")) from None
    return upright, taken_at


def _rgb(image: Image.Image) -> Image.Image:
    """RGB for JPEG; transparent parts (a PNG screenshot) on white rather than black."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _taken_at(exif: Image.Exif) -> datetime.datetime | None:
    """EXIF DateTimeOriginal, in its recorded offset if any, else Asia/Shanghai (the phone's local time)."""
    details = exif.get_ifd(ExifTags.IFD.Exif)
    raw = details.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    if not isinstance(raw, str):
        return None
    try:
        moment = datetime.datetime.strptime(raw.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset = details.get(ExifTags.Base.OffsetTimeOriginal)
    try:
        zone = datetime.datetime.strptime(offset.strip("\x00 "), "%z").tzinfo if isinstance(offset, str) else None
    except ValueError:
        zone = None
    taken = moment.replace(tzinfo=zone) if zone else timezone.make_aware(moment, timezone.get_default_timezone())
    if not EARLIEST_TAKEN <= taken <= timezone.now() + datetime.timedelta(days=1):
        return None
    return taken


def _jpeg(image: Image.Image, side: int, name: str) -> ContentFile:
    copy = image.copy()
    copy.thumbnail((side, side))
    out = io.BytesIO()
    copy.save(out, format="JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue(), name=name)


def reencode_photo(upload) -> ContentFile:
    """A JPEG of the upload's pixels only (EXIF and any other metadata dropped), at most ``LONG_SIDE`` wide."""
    upright, _taken = _decode(upload)
    return _jpeg(upright, LONG_SIDE, "photo.jpg")


def prepare_photo(upload) -> PreparedPhoto:
    """The re-encoded photo, its thumbnail and the time it was taken. Raises PhotoRejected."""
    upright, taken_at = _decode(upload)
    return PreparedPhoto(
        image=_jpeg(upright, LONG_SIDE, "photo.jpg"),
        thumbnail=_jpeg(upright, THUMBNAIL_SIDE, "thumbnail.jpg"),
        taken_at=taken_at,
    )
