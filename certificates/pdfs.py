"""PDF documents of certificates, laid out by WeasyPrint from an HTML template.

The rendering itself (the process's font configuration, joining PDFs) is shared
with ledgers in ``jobs.pdfs``. Bulk issuing lays out a batch of certificates as one document (one
page each) and cuts it into single-page PDFs, which is about three times faster
than laying out each certificate on its own.
"""

from __future__ import annotations

import base64
import hashlib
import io
import mimetypes
from collections.abc import Iterable
from dataclasses import dataclass

import qrcode
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from pypdf import PdfReader, PdfWriter

from certificates.models import Certificate, Scope
from jobs.pdfs import html_to_pdf, layout, merge_pdfs

TEMPLATE = "certificates/certificate.html"


@dataclass(frozen=True)
class Page:
    """One certificate's PDF and its SHA-256."""

    pdf: bytes
    sha256: str


def qr_png(data: str) -> bytes:
    """A QR code as a small black-and-white PNG, one pixel per module, drawn unsmoothed.

    Raster, not the SVG of events.qr_codes: WeasyPrint draws and writes an SVG
    with hundreds of path segments for every certificate, which took about as long
    as the rest of the certificate together.
    """
    # A fixed mask pattern: choosing the best of eight costs more than the rest of the code.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, box_size=1, mask_pattern=2)
    code.add_data(data)
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def data_uri(content: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(content).decode()}"


def seal_uri(certificate: Certificate, cache: dict[int, str]) -> str:
    """The issuing unit's seal as a data URI ('' without one), read once per unit and batch."""
    unit = certificate.unit
    if unit.pk not in cache:
        uri = ""
        if unit.seal:
            with unit.seal.open("rb") as seal:
                mime = mimetypes.guess_type(unit.seal.name)[0] or "image/png"
                uri = data_uri(seal.read(), mime)
        cache[unit.pk] = uri
    return cache[unit.pk]


def page_context(certificate: Certificate, seals: dict[int, str]) -> dict:
    when = _("on %(time)s") if certificate.scope == Scope.EVENT else _("during %(time)s")
    return {
        "number": certificate.number,
        "verification_code": certificate.verification_code,
        "volunteer_name": certificate.volunteer_name,
        "volunteer_number": certificate.volunteer_number,
        "id_type": certificate.id_type,
        "masked_id_number": certificate.masked_id_number,
        "when": when % {"time": certificate.service_time},
        "when_plain": certificate.service_time,
        "hours": certificate.hours,
        "record_count": certificate.record_count,
        "service_categories": certificate.service_categories,
        "service_events": certificate.service_events,
        "unit_name": certificate.unit_name,
        "person_in_charge": certificate.person_in_charge,
        "handler_name": certificate.handler_name,
        "contact_phone": certificate.contact_phone,
        "remarks": certificate.remarks,
        "issued_on": timezone.localtime(certificate.issued_at).date(),
        "qr_uri": data_uri(qr_png(certificate.verification_url), "image/png"),
        "seal_uri": seal_uri(certificate, seals),
        "trainings": certificate.trainings_text.splitlines(),
        "awards": certificate.awards_text.splitlines(),
        "effective_on": timezone.localtime(certificate.effective_at).date() if certificate.effective_at else None,
        "verify_base": f"{settings.SITE_URL}/verify/",
    }


def certificates_html(certificates: Iterable[Certificate]) -> str:
    """The HTML of the certificates, one A4 page each, always in Chinese (the document's language)."""
    seals: dict[int, str] = {}
    with translation.override(settings.LANGUAGE_CODE):
        pages = [page_context(certificate, seals) for certificate in certificates]
        return render_to_string(TEMPLATE, {"certificates": pages})


def render_certificate(certificate: Certificate) -> Page:
    """One certificate as a one-page PDF."""
    pdf = html_to_pdf(certificates_html([certificate]))
    return Page(pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest())


@dataclass(frozen=True)
class Batch:
    """Certificates laid out together: one PDF each, and all of them in one PDF for printing."""

    pages: list[Page]
    combined: bytes


def render_batch(certificates: list[Certificate]) -> Batch:
    """Lay out several certificates as one document, then cut it into one PDF per certificate.

    Writing a PDF subsets the CJK fonts, which costs far more than the layout; writing
    the batch once and splitting its pages keeps that cost per batch, not per
    certificate. Each single PDF carries the batch's font subset (glyphs, not text).
    """
    document = layout(certificates_html(certificates))
    if len(document.pages) != len(certificates):
        # A certificate overflowed its page: the pages no longer map one to one.
        pages = [render_certificate(certificate) for certificate in certificates]
        return Batch(pages=pages, combined=merge_pdfs(page.pdf for page in pages))
    combined = document.write_pdf()
    del document
    pages = []
    for page in PdfReader(io.BytesIO(combined)).pages:
        writer = PdfWriter()
        writer.add_page(page)
        buffer = io.BytesIO()
        writer.write(buffer)
        pdf = buffer.getvalue()
        pages.append(Page(pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest()))
    return Batch(pages=pages, combined=combined)
