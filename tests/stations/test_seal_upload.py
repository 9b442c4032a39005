"""A unit's seal is checked from its header and stored as a small PNG (stations/seals.py).

It is embedded in every certificate: a 140 KB 12,000 x 12,000 PNG, which Django's
ImageField accepted, cost every certificate render 0.4 s and hundreds of megabytes.
"""

import datetime
import io
import warnings

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from certificates.pdfs import seal_uri
from certificates.services import Coverage, issue_certificate
from stations.models import PracticeUnit
from stations.seals import LONG_SIDE, SealRejected
from tests.certificates.conftest import approved, event_on, pdf_text
from tests.upload_bombs import png_bomb, spy_on_decodings

PERIOD = Coverage(period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 12, 31))


def transparent_png(size: int = 600) -> bytes:
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    for x in range(size // 4, 3 * size // 4):
        image.putpixel((x, size // 2), (200, 0, 0, 255))
    info = PngInfo()
    info.add_text("Comment", "scanned at the office, 2026")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def stored(unit: PracticeUnit) -> Image.Image:
    unit.refresh_from_db()
    with unit.seal.open("rb") as seal:
        image = Image.open(io.BytesIO(seal.read()))
        image.load()
    return image


def post_seal(client, unit: PracticeUnit, upload: SimpleUploadedFile):
    url = f"/admin/stations/practiceunit/{unit.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {}
    for name in form.fields:
        if name == "seal":
            continue
        value = form.initial.get(name)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = "" if value is None else value
    data["seal"] = upload
    return client.post(url, data)


@pytest.fixture
def bomb_warnings_ignored():
    """As in production: Pillow's DecompressionBombWarning is a RuntimeWarning, which pytest makes an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        yield


# 12,000 x 12,000 is the finding's file (Pillow only warns on it); 5,000 x 5,000 is under Pillow's limit.
@pytest.mark.parametrize("side", [12_000, 5_000])
@pytest.mark.usefixtures("bomb_warnings_ignored")
def test_the_admin_refuses_a_seal_bomb_without_decoding_it(client, admin_user, tree, monkeypatch, side):
    unit = tree["S1"]
    client.force_login(admin_user)
    decodings = spy_on_decodings(monkeypatch)
    bomb = SimpleUploadedFile("seal.png", png_bomb(side, side), content_type="image/png")
    response = post_seal(client, unit, bomb)
    assert response.status_code == 200  # the form again, with its error
    assert "seal" in response.context["adminform"].form.errors
    assert decodings == []
    unit.refresh_from_db()
    assert not unit.seal


def test_the_admin_refuses_a_file_over_1_mb(client, admin_user, tree):
    client.force_login(admin_user)
    big = transparent_png(600) + b"\0" * (1024 * 1024)
    response = post_seal(client, tree["S1"], SimpleUploadedFile("seal.png", big, content_type="image/png"))
    assert "seal" in response.context["adminform"].form.errors


def test_the_admin_refuses_what_is_not_a_png_jpeg_or_webp(client, admin_user, tree):
    client.force_login(admin_user)
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), "red").save(buffer, format="GIF")
    response = post_seal(client, tree["S1"], SimpleUploadedFile("seal.gif", buffer.getvalue()))
    assert "seal" in response.context["adminform"].form.errors


def test_a_transparent_seal_is_stored_as_a_png_of_at_most_1000_pixels(client, admin_user, tree):
    unit = tree["S1"]
    client.force_login(admin_user)
    response = post_seal(client, unit, SimpleUploadedFile("stamp.png", transparent_png(600), content_type="image/png"))
    assert response.status_code == 302
    image = stored(unit)
    assert image.format == "PNG" and image.mode == "RGBA" and max(image.size) <= LONG_SIDE
    assert unit.seal.name.endswith(".png")
    assert image.getpixel((0, 0))[3] == 0  # transparency kept
    assert "Comment" not in image.info  # metadata dropped


def test_a_large_jpeg_seal_is_shrunk_and_stored_as_png(tree):
    unit = tree["S1"]
    buffer = io.BytesIO()
    Image.new("RGB", (1400, 700), "red").save(buffer, format="JPEG", exif=Image.Exif())
    unit.seal.save("stamp.jpg", ContentFile(buffer.getvalue()))
    image = stored(unit)
    assert image.format == "PNG" and image.size == (LONG_SIDE, 500)
    assert unit.seal.name.endswith(".png")


@pytest.mark.usefixtures("bomb_warnings_ignored")
def test_a_seal_saved_from_code_is_checked_too(tree, monkeypatch):
    unit = tree["S1"]
    decodings = spy_on_decodings(monkeypatch)
    with pytest.raises(SealRejected):
        unit.seal.save("seal.png", ContentFile(png_bomb(12_000, 12_000)))
    assert decodings == []
    unit.refresh_from_db()
    assert not unit.seal


def test_the_api_does_not_set_the_seal(admin_client_api, tree):
    unit = tree["S1"]
    upload = SimpleUploadedFile("seal.png", png_bomb(12_000, 12_000), content_type="image/png")
    admin_client_api.patch(f"/api/v1/units/{unit.pk}/", {"seal": upload}, format="multipart")
    unit.refresh_from_db()
    assert not unit.seal


def test_a_certificate_renders_with_the_stored_seal(client, admin_user, tree, volunteer):
    unit = tree["S1"]
    client.force_login(admin_user)
    post_seal(client, unit, SimpleUploadedFile("stamp.png", transparent_png(600), content_type="image/png"))
    unit.refresh_from_db()
    assert unit.seal
    approved(event_on(unit, 1), volunteer)
    certificate = issue_certificate(volunteer, unit, PERIOD, by=admin_user)
    assert seal_uri(certificate, {}).startswith("data:image/png;base64,")
    assert "（盖章）" not in pdf_text(certificate.pdf.read())
