"""Small files that are expensive to decode, shared by the upload tests and benchmarks/uploads.py."""

from __future__ import annotations

import functools
import io
import struct
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ImageFile

# The outside test's file: 77 KB, 1 x 39,999,999 pixels, 5-6 s and 1.3 GB to re-encode.
BOMB_SIZE = (1, 39_999_999)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.cache
def png_bomb(width: int = BOMB_SIZE[0], height: int = BOMB_SIZE[1]) -> bytes:
    """A valid black 1-bit greyscale PNG of ``width`` x ``height``: its rows are zeros, compressed 1000 to 1."""
    row = b"\0" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    parts, left = [], height
    while left:
        rows = min(left, 1_000_000)
        parts.append(compressor.compress(row * rows))
        left -= rows
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", b"".join(parts)) + _chunk(b"IEND", b"")


def bomb_upload(name: str = "bomb.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bomb(), content_type="image/png")


def spy_on_decodings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every decoding Pillow starts from now on (``ImageFile.load``), by format."""
    seen: list[str] = []
    original = ImageFile.ImageFile.load

    def load(image):
        seen.append(image.format or "?")
        return original(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return seen


def workbook_bomb(strings: int = 2_000_000, *, compress: bool = True) -> bytes:
    """An .xlsx whose shared-string table holds ``strings`` one-letter strings (a few hundred KB compressed)."""
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method, compresslevel=9 if compress else None) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
            'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"'
            '/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>",
        )
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>'
            "</worksheet>",
        )
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as table:
            table.write(
                b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
                b'spreadsheetml/2006/main">'
            )
            left = strings
            while left:
                batch = min(left, 100_000)
                table.write(b"<si><t>a</t></si>" * batch)
                left -= batch
            table.write(b"</sst>")
    return out.getvalue()


def _with_parts(content: bytes, parts: dict[str, bytes]) -> bytes:
    """A copy of the zip ``content`` with ``parts`` put in place of (or beside) its members."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
    ):
        for member in source.infolist():
            if member.filename not in parts:
                archive.writestr(member.filename, source.read(member))
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def _entity_bomb(element: bytes, root_open: bytes, root_close: bytes, count: int) -> bytes:
    """XML of a few hundred bytes whose DTD expands to ``count`` (a power of ten) copies of ``element``."""
    levels = len(str(count)) - 1
    entities = [b'<!ENTITY e0 "' + element.replace(b'"', b"&#34;") + b'">']
    for level in range(1, levels + 1):
        entities.append(b"<!ENTITY e%d " % level + b'"' + b"&e%d;" % (level - 1) * 10 + b'">')
    root = root_open.split(b" ")[0].lstrip(b"<").rstrip(b">")
    return (
        b'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE '
        + root
        + b" ["
        + b"".join(entities)
        + b"]>"
        + root_open
        + b"&e%d;" % levels
        + root_close
    )


def workbook_entity_bomb(part: str = "xl/sharedStrings.xml", count: int = 1_000_000) -> bytes:
    """A small .xlsx whose shared strings (or first sheet) hold a DTD expanding to ``count`` strings (or cells)."""
    main = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    if part == "xl/sharedStrings.xml":
        xml = _entity_bomb(b"<si><t>a</t></si>", b"<sst " + main + b">", b"</sst>", count)
    else:
        xml = _entity_bomb(
            b'<c t="inlineStr"><is><t>a</t></is></c>',
            b"<worksheet " + main + b"><sheetData><row>",
            b"</row></sheetData></worksheet>",
            count,
        )
    return _with_parts(workbook_bomb(1), {part: xml})


def workbook_with_large_part(part: str = "xl/styles.xml", size: int = 3 * 1024 * 1024) -> bytes:
    """A small .xlsx with a ``part`` of about ``size`` bytes of literal elements (``<xf/>`` for styles)."""
    # Numbered, so the part compresses as real XML does (10-20 times), under the ratio check.
    elements, length, index = [], 0, 0
    while length < size:
        elements.append(b'<xf numFmtId="%d" fontId="0" fillId="0" borderId="0" xfId="0"/>' % index)
        length += len(elements[-1])
        index += 1
    body = b"".join(elements)
    if part == "xl/styles.xml":
        xml = (
            b'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main"><cellXfs>' + body + b"</cellXfs></styleSheet>"
        )
    else:
        xml = b'<?xml version="1.0" encoding="UTF-8"?><root>' + body + b"</root>"
    return _with_parts(workbook_bomb(1), {part: xml})


def workbook_with_rich_text(runs: int) -> bytes:
    """A .xlsx whose one shared string is ``runs`` rich-text runs."""
    xml = (
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        b'2006/main"><si>' + b"".join(b"<r><t>%d</t></r>" % index for index in range(runs)) + b"</si></sst>"
    )
    return _with_parts(workbook_bomb(1), {"xl/sharedStrings.xml": xml})
