"""Venue photos as stored: the pixels only, re-encoded, never the file as sent.

A phone photo carries EXIF (where it was taken, the phone's serial number) and may be a
crafted file. ``events.photos`` does this for activity photos but lies above venues in
the layers, so its checks on the file before any pixel is decoded are repeated here: size,
the metadata Pillow reads in Python (a PNG of inflated ICC profiles, a JPEG of a million
comments), pixels, shape and the memory decoding would hold, all from the header; then a
fresh JPEG. The admin takes at most 12 photos a request (``VenuePhotoInline``).
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
# What decoding may hold in memory, from the header (as events.photos): a 40-megapixel PNG of
# 16-bit RGBA, 300 KB on the wire, held 740 MB and 2.7 s before this.
MAX_DECODE_BYTES = 128 * 1024 * 1024
# Bytes a decoding holds per pixel: Pillow keeps a colour pixel in four, libwebp decodes into a
# buffer of its own that Pillow copies; shrinking with transparency needs a premultiplied copy.
BYTES_PER_PIXEL = {"WEBP": 16}
PILLOW_BYTES_PER_PIXEL = 4
ALPHA_MODES = {"RGBA", "LA", "PA"}

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_IMAGE_CHUNKS = {b"IHDR", b"PLTE", b"IDAT", b"fdAT", b"fcTL", b"acTL", b"IEND"}
PNG_COMPRESSED_CHUNKS = {b"iCCP", b"zTXt", b"iTXt"}
MAX_METADATA_SEGMENTS = 64
MAX_METADATA_BYTES = 512 * 1024

NOT_A_PHOTO = _("Upload a photo (JPEG, PNG or WebP).")
TOO_BIG = _("The photo has too many pixels or is too long.")
TOO_MUCH_METADATA = _("The photo carries too much hidden data: save it again as an ordinary photo.")


class PhotoRejected(ValueError):
    """The upload is not a usable photo; ``str(error)`` is the message for the person."""


def reencode_venue_photo(upload) -> ContentFile:
    """A JPEG of the upload's pixels, upright, at most ``LONG_SIDE`` a side, without EXIF. Raises PhotoRejected."""
    if upload.size is not None and upload.size > MAX_PHOTO_BYTES:
        raise PhotoRejected(_("The photo may be at most 5 MB."))
    upload.seek(0)
    multiscan = _check_segments(upload.read())
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
            decode_bytes = _decode_bytes(image, multiscan=multiscan)  # drafts a JPEG down
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


def _decode_bytes(image: Image.Image, *, multiscan: bool) -> int:
    """What decoding ``image`` holds in memory at once, from its header alone (a JPEG is drafted down first).

    A JPEG of several scans keeps every DCT coefficient of the whole image, two bytes each,
    until its last scan, whatever the scale it is decoded at.
    """
    coefficients = 0
    if image.format in ("JPEG", "MPO"):
        if multiscan or image.info.get("progressive") or image.info.get("progression"):
            coefficients = image.width * image.height * len(image.getbands()) * 2
        image.draft("RGB", (LONG_SIDE, LONG_SIDE))
    per_pixel = BYTES_PER_PIXEL.get(image.format or "", PILLOW_BYTES_PER_PIXEL)
    if image.mode in ALPHA_MODES:
        per_pixel *= 2
    return image.width * image.height * per_pixel + coefficients


def _check_segments(data: bytes) -> bool:
    """Refuse a PNG or JPEG whose metadata would cost more to read than its pixels; whether a JPEG
    has several scans. Raises PhotoRejected."""
    if data.startswith(PNG_SIGNATURE):
        _check_png_chunks(data)
        return False
    if data.startswith(b"\xff\xd8"):
        _check_jpeg_markers(data)
        # Bytes 0xFF in entropy-coded data are always followed by 0x00: this counts markers only.
        return data.count(b"\xff\xda") > 1
    return False


def _check_png_chunks(data: bytes) -> None:
    position, metadata, compressed, count = len(PNG_SIGNATURE), 0, 0, 0
    while position + 8 <= len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        if kind == b"IEND":
            return
        if kind not in PNG_IMAGE_CHUNKS:
            count += 1
            metadata += length
            compressed += kind in PNG_COMPRESSED_CHUNKS
            if count > MAX_METADATA_SEGMENTS or metadata > MAX_METADATA_BYTES or compressed > 4:
                raise PhotoRejected(TOO_MUCH_METADATA)
        position += 12 + length


def _check_jpeg_markers(data: bytes) -> None:
    position, metadata, count = 2, 0, 0
    # The markers Pillow reads itself come before the first scan; libjpeg skips the rest in C.
    while position + 4 <= len(data) and data[position] == 0xFF:
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0xDA:
            return
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        count += 1
        metadata += length
        if count > MAX_METADATA_SEGMENTS or metadata > MAX_METADATA_BYTES:
            raise PhotoRejected(TOO_MUCH_METADATA)
        position += 2 + length
