"""Certificates: volunteers with approved hours at the tree's events, and ways to read PDFs back.

PDFs are checked by what they contain: text (pdftotext), embedded fonts (pdffonts),
the glyphs behind rare characters (the fonts' ToUnicode maps) and the QR code,
rendered to an image (pdftoppm) and decoded (zxing-cpp).
"""

import datetime
import io
import re
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from events.models import Method, RecordStatus, ServiceRecord
from events.signals import hours_changed
from tests.events.conftest import at, make_event

YEAR = 2026
PERIOD = {"period_start": "2026-01-01", "period_end": "2026-12-31"}


@pytest.fixture(autouse=True)
def certificate_storage_and_tasks(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = "https://volunteer.example.cn"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def in_2026():
    """Certificates are numbered per year: issue them in 2026, after the events of the tests."""
    with time_machine.travel(at(12), tick=True):
        yield


def approved(event, volunteer, hours: str = "2.00", status: str = RecordStatus.APPROVED) -> ServiceRecord:
    made = ServiceRecord.objects.create(
        event=event,
        volunteer=volunteer,
        checked_in_at=event.starts_at,
        checked_out_at=event.ends_at,
        method=Method.EVENT_QR,
        status=status,
        credited_hours=Decimal(hours),
    )
    # As the services do: the statistics' rollups follow the records through this signal.
    hours_changed.send(sender=ServiceRecord, records=[made], before=[None])
    return made


def event_on(unit, day: int, title: str = "社区环境清洁", **fields):
    start = at(9) - datetime.timedelta(days=day)
    return make_event(unit, title=title, starts_at=start, ends_at=start + datetime.timedelta(hours=2), **fields)


@pytest.fixture
def served(tree, volunteer):
    """The volunteer (S1) served 2 + 1.5 approved hours at S1, 3 at S2, 4 at the other center's S4, and 5 pending."""
    approved(event_on(tree["S1"], 1, "社区环境清洁"), volunteer, "2.00")
    approved(event_on(tree["S1"], 2, "理论宣讲进社区", category="theory"), volunteer, "1.50")
    approved(event_on(tree["S2"], 3, "西湖社区义诊", category="health"), volunteer, "3.00")
    approved(event_on(tree["S4"], 4, "远方活动"), volunteer, "4.00")
    approved(event_on(tree["S1"], 5, "待审核活动"), volunteer, "5.00", status=RecordStatus.PENDING)
    return volunteer


def pdf_text(pdf: bytes) -> str:
    command = ["pdftotext", "-layout", "-", "-"]
    return subprocess.run(command, input=pdf, capture_output=True, check=True).stdout.decode()


def pdf_fonts(pdf: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        command = ["pdffonts", file.name]
        return subprocess.run(command, capture_output=True, check=True, text=True).stdout


def pdf_page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def glyphs_of(pdf: bytes) -> dict[str, set[int]]:
    """Characters drawn in the PDF and the glyph ids that draw them, from the fonts' ToUnicode maps."""
    glyphs: dict[str, set[int]] = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            to_unicode = font.get_object().get("/ToUnicode")
            if to_unicode is None:
                continue
            cmap = to_unicode.get_object().get_data().decode("latin-1")
            for glyph, code in re.findall(r"<([0-9a-f]+)>\s*<([0-9a-f]+)>", cmap):
                text = bytes.fromhex(code).decode("utf-16-be", errors="replace")
                glyphs.setdefault(text, set()).add(int(glyph, 16))
    return glyphs


def decode_qr_in_pdf(pdf: bytes) -> str:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "certificate.pdf"
        source.write_bytes(pdf)
        command = ["pdftoppm", "-r", "150", "-png", "-singlefile", source, Path(folder) / "page"]
        subprocess.run(command, check=True)
        results = zxingcpp.read_barcodes(Image.open(Path(folder) / "page.png"))
    assert results, "no QR code found in the PDF"
    return results[0].text
