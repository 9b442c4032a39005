"""Photos people upload (correction requests, activity records): re-encoded, never stored as sent.

A phone photo carries EXIF (the place it was taken, the phone's serial number) and
may be a crafted file. Decoding it and writing a fresh JPEG keeps only the pixels,
turned upright; the time it was taken is read before the EXIF is dropped.
"""

from __future__ import annotations

import datetime
import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import ExifTags, Image, ImageOps
from pillow_heif import register_heif_opener
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.throttles import ScopedThrottle
from jobs.image_checks import PhotoRejected, check_segments
from jobs.image_checks import decode_bytes as decode_bytes_of

# iPhones save HEIC by default; the plug-in teaches Pillow to read it.
register_heif_opener()

MAX_PHOTO_BYTES = 5 * 1024 * 1024
# A 40-megapixel photo is more than any phone takes; larger ones are decompression bombs.
MAX_PHOTO_PIXELS = 40_000_000
# Each side, and the long side over the short one: a long screenshot is 1 : 20 at most. A
# 1 x 39,999,999 PNG is a few kilobytes that held a worker for seconds (row by row).
MAX_SIDE = 20_000
MAX_ASPECT_RATIO = 20
# What decoding may hold in memory, read from the header before any pixel is decoded
# (benchmarks/uploads.py: the worst accepted photo under 1 s and 200 MB).
MAX_DECODE_BYTES = 128 * 1024 * 1024
# ...and the photos of one request together: their decoding time adds up.
MAX_REQUEST_DECODE_BYTES = 3 * MAX_DECODE_BYTES
# What a person sends from a phone at once (WeChat's nine).
MAX_PHOTOS_PER_REQUEST = 9
# Enough to read a sign-in sheet; keeps each stored file to a few hundred kilobytes.
LONG_SIDE = 2000
THUMBNAIL_SIDE = 400
# What phones and messaging apps produce; anything else (TIFF, PSD, GIF...) is refused.
ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "HEIF"}
# The Pillow plug-ins that open them (JPEG's opens a multi-picture MPO too).
OPENERS = ["JPEG", "PNG", "WEBP", "HEIF"]
# A camera clock set to 1970, or a crafted date, is no time taken.
EARLIEST_TAKEN = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)

NOT_A_PHOTO = _("Upload a photo (JPEG, PNG, WebP or HEIC).")
UPLOADS_THROTTLED = _("Too many uploads: wait a while and try again.")
TOO_MANY_PIXELS = _("The photo has too many pixels.")


@dataclass(frozen=True)
class PreparedPhoto:
    image: ContentFile
    thumbnail: ContentFile
    taken_at: datetime.datetime | None


def _open(upload) -> tuple[Image.Image, int]:
    """The upload opened but not decoded, its header checked: format, sides, shape and the cost of
    decoding; and that cost, in bytes held at once.

    A JPEG is set to decode at the smallest scale (1/2 to 1/8) that still gives
    ``LONG_SIDE``: a 48-megapixel phone photo decodes as 12. Raises PhotoRejected.
    """
    if upload.size > MAX_PHOTO_BYTES:
        raise PhotoRejected(_("The photo may be at most 5 MB."))
    upload.seek(0)
    multiscan = check_segments(upload.read())
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; refuse those too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Only the plug-ins of the formats we take ever parse the file.
            image = Image.open(upload, formats=OPENERS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRejected(TOO_MANY_PIXELS) from None
    # Pillow's decoders answer crafted files with many exception types (OSError,
    # SyntaxError, struct.error...); all of them mean "not a photo".
    except Exception:
        raise PhotoRejected(NOT_A_PHOTO) from None
    try:
        decode_bytes = _check_header(image, multiscan=multiscan)
    except PhotoRejected:
        image.close()
        raise
    except Exception:
        image.close()
        raise PhotoRejected(NOT_A_PHOTO) from None
    return image, decode_bytes


def _check_header(image: Image.Image, *, multiscan: bool = False) -> int:
    if image.format not in ACCEPTED_FORMATS:
        raise PhotoRejected(NOT_A_PHOTO)
    width, height = image.size
    if width < 1 or height < 1 or width * height > MAX_PHOTO_PIXELS:
        raise PhotoRejected(TOO_MANY_PIXELS)
    if max(width, height) > MAX_SIDE or max(width, height) > MAX_ASPECT_RATIO * min(width, height):
        raise PhotoRejected(
            _("The photo is too long or too wide: at most %(side)d pixels a side, and 1 : %(ratio)d.")
            % {"side": MAX_SIDE, "ratio": MAX_ASPECT_RATIO}
        )
    decode_bytes = decode_bytes_of(image, multiscan=multiscan, long_side=LONG_SIDE)
    if decode_bytes > MAX_DECODE_BYTES:
        raise PhotoRejected(TOO_MANY_PIXELS)
    return decode_bytes


def check_photo(upload) -> int:
    """Refuse a photo from its header alone, before any pixel is decoded; the bytes decoding it will hold.

    Cheap (milliseconds): call it where the upload arrives, decode only once the
    request is otherwise known to be acceptable. Raises PhotoRejected.
    """
    image, decode_bytes = _open(upload)
    with image:  # leaves the upload open for the decoding that follows
        return decode_bytes


def check_photos(uploads: Sequence) -> None:
    """Refuse a request's photos from their headers: at most ``MAX_PHOTOS_PER_REQUEST``, each one
    and all together cheap enough to decode. Raises PhotoRejected naming the file."""
    if len(uploads) > MAX_PHOTOS_PER_REQUEST:
        raise PhotoRejected(_("Send at most %(n)d photos at a time.") % {"n": MAX_PHOTOS_PER_REQUEST})
    total = 0
    for upload in uploads:
        try:
            total += check_photo(upload)
        except PhotoRejected as rejection:
            name = str(getattr(upload, "name", "") or "")[:60]
            raise PhotoRejected(f"{name}：{rejection}" if name else str(rejection)) from None
    if total > MAX_REQUEST_DECODE_BYTES:
        raise PhotoRejected(_("These photos are too large together: send fewer at a time."))


def throttle_photo_uploads(request: Request, view: APIView) -> None:
    """The ``photos`` bucket for a viewset's ``create`` that takes a photo: an action of its own
    declares ``throttle_scope="photos"`` instead. Raises Throttled."""
    throttle = ScopedThrottle("photos")
    if not throttle.allow_request(request, view):
        raise Throttled(wait=throttle.wait())


def photo_uploads_allowed(request: HttpRequest) -> bool:
    """Whether a page may take another request with photos from this person now: the API's
    ``photos`` bucket (``throttle_scope = "photos"``), shared with the pages."""
    return ScopedThrottle("photos").allow_request(request, None)


def _decode(upload) -> tuple[Image.Image, datetime.datetime | None]:
    """The upload's pixels, upright, in RGB and at most ``LONG_SIDE``, and the time the EXIF says it was taken."""
    image, _ = _open(upload)
    try:
        with image:
            taken_at = _taken_at(image.getexif())
            # Decoded (a JPEG at its drafted scale) and shrunk in place before anything else
            # copies it: the copies below are of a photo of at most LONG_SIDE.
            image.thumbnail((LONG_SIDE, LONG_SIDE), reducing_gap=1.5)
            # Turn it upright: the orientation lives in the EXIF we drop.
            upright = _rgb(ImageOps.exif_transpose(image))
    except PhotoRejected:
        raise
    except Exception:
        raise PhotoRejected(NOT_A_PHOTO) from None
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
