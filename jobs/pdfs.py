"""PDF rendering shared by certificates, ledgers and personal-data exports: WeasyPrint with one
font configuration per process, and joining PDFs.

One FontConfiguration is shared by the whole process: WeasyPrint keeps font data
per configuration, and a new one per document made memory grow by megabytes per
document.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import IO

from django.conf import settings
from pypdf import PdfWriter
from weasyprint import HTML
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration

_font_config: FontConfiguration | None = None


def font_config() -> FontConfiguration:
    """The process's one FontConfiguration."""
    global _font_config
    if _font_config is None:
        _font_config = FontConfiguration()
    return _font_config


def layout(html: str) -> Document:
    """Lay out an HTML document (static files resolved from the project folder), to write or to count pages."""
    return HTML(string=html, base_url=str(settings.BASE_DIR)).render(font_config=font_config())


def html_to_pdf(html: str) -> bytes:
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(font_config=font_config())


def merge_pdfs(sources: Iterable[bytes | str], target: IO[bytes] | None = None) -> bytes:
    """Concatenate PDFs (contents or file paths) for printing, into ``target`` or returned as bytes."""
    writer = PdfWriter()
    for source in sources:
        writer.append(io.BytesIO(source) if isinstance(source, bytes) else source)
    if target is not None:
        writer.write(target)
        return b""
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
