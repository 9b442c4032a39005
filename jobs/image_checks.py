"""Checks on an uploaded image before any pixel is decoded, shared by every app that stores photos.

Pillow reads a PNG's chunks and a JPEG's markers in Python when it opens a file, and
inflates every iCCP profile: a 5 MB PNG of 4,900 one-megabyte profiles took 10 s to
open, a JPEG of a million empty comments 1.3 s. Real photos carry a handful. What
decoding will hold in memory is read from the header, so a decompression bomb is refused
before it is decoded. ``events.photos`` (activity and order photos) and ``venues.photos``
build on these with their own sizes and formats.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from PIL import Image

TOO_MUCH_METADATA = _("The photo carries too much hidden data: save it again as an ordinary photo.")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Pixels (and an animation's frames), as many as the encoder likes; everything else is metadata.
PNG_IMAGE_CHUNKS = {b"IHDR", b"PLTE", b"IDAT", b"fdAT", b"fcTL", b"acTL", b"IEND"}
# Chunks Pillow inflates when it meets them.
PNG_COMPRESSED_CHUNKS = {b"iCCP", b"zTXt", b"iTXt"}
# A phone photo has a few segments of metadata (EXIF with its thumbnail, XMP, an ICC
# profile, the MPF index of a multi-picture file): a few hundred kilobytes at most.
MAX_METADATA_SEGMENTS = 64
MAX_METADATA_BYTES = 512 * 1024
# Bytes a decoding holds per pixel: Pillow keeps a colour pixel in four (RGB as RGBX); libheif
# and libwebp decode into buffers of their own that Pillow then copies (measured with
# benchmarks/uploads.py: HEIC 7, WebP 15).
BYTES_PER_PIXEL = {"HEIF": 8, "WEBP": 16}
PILLOW_BYTES_PER_PIXEL = 4
# Shrinking a photo with transparency works on a premultiplied copy of it (Pillow): twice the memory.
ALPHA_MODES = {"RGBA", "LA", "PA"}


class PhotoRejected(ValueError):
    """The upload is not a usable photo; ``str(error)`` is the message for the person."""


def check_segments(data: bytes) -> bool:
    """Refuse a PNG or JPEG whose metadata would cost more to read than its pixels; whether a JPEG
    has several scans (progressive, or one scan per colour), which keeps every coefficient of the
    whole image while it decodes. Raises PhotoRejected.
    """
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


def decode_bytes(image: Image.Image, *, multiscan: bool, long_side: int) -> int:
    """What decoding ``image`` holds in memory at once, from its header alone.

    A JPEG is first set to decode at the smallest scale (1/2 to 1/8) that still gives
    ``long_side``. A JPEG of several scans keeps every DCT coefficient of the whole image
    until its last scan, two bytes each, whatever the scale it is decoded at.
    """
    coefficients = 0
    if image.format in ("JPEG", "MPO"):
        if multiscan or image.info.get("progressive") or image.info.get("progression"):
            coefficients = image.width * image.height * len(image.getbands()) * 2
        image.draft("RGB", (long_side, long_side))
    per_pixel = BYTES_PER_PIXEL.get(image.format or "", PILLOW_BYTES_PER_PIXEL)
    if image.mode in ALPHA_MODES:
        per_pixel *= 2
    return image.width * image.height * per_pixel + coefficients
