"""Certificate PDFs and bulk files are personal: never served as public files, stored under unguessable names.

The clock is frozen in 2026 for every test here by tests/certificates/conftest.py's autouse
`in_2026`, so the fixed 2026 dates and numbers below hold on any day the suite runs."""

import importlib
import re
from datetime import date

import pytest
from django.urls import clear_url_caches

from certificates.services import Coverage, issue_certificate, run_bulk_job, start_bulk_job
from tests.certificates.conftest import approved, event_on


@pytest.fixture
def debug_urls(settings):
    """The URLs as `make run` builds them: DEBUG on when the URL configuration is read."""
    import backend.urls

    settings.DEBUG = True
    importlib.reload(backend.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(backend.urls)
    clear_url_caches()


@pytest.fixture
def certificate(tree, station_manager, volunteer):
    record = approved(event_on(tree["S1"], 1), volunteer, "2.00")
    return issue_certificate(volunteer, tree["S1"], Coverage(event=record.event), by=station_manager)


def test_the_stored_pdf_is_not_served_under_media_even_in_debug(debug_urls, client, certificate):
    assert certificate.pdf.storage.exists(certificate.pdf.name)
    assert client.get(f"/media/{certificate.pdf.name}").status_code == 404
    # The permission-checked download still serves it.
    client.force_login(certificate.volunteer.user)
    assert client.get(f"/api/v1/certificates/{certificate.pk}/pdf/").status_code == 200


def test_seals_stay_public_in_debug(debug_urls, client, tree, settings):
    seal = settings.MEDIA_ROOT / "seals" / "s1.png"
    seal.parent.mkdir(parents=True, exist_ok=True)
    seal.write_bytes(b"\x89PNG\r\n")
    assert client.get("/media/seals/s1.png").status_code == 200


def test_the_file_name_holds_no_number_and_cannot_be_guessed(tree, station_manager, volunteer, certificate):
    serial = certificate.number.rsplit("-", 1)[1]
    name = certificate.pdf.name.rsplit("/", 1)[1]
    assert certificate.number not in certificate.pdf.name and serial not in name
    # A random token of at least 128 bits.
    assert re.fullmatch(r"[A-Za-z0-9_-]{32,}\.pdf", name), name


def test_bulk_files_have_unguessable_names(tree, station_manager, volunteer):
    approved(event_on(tree["S1"], 1), volunteer, "2.00")
    job, _created = start_bulk_job(tree["S1"], date(2026, 1, 1), date(2026, 12, 31), by=station_manager)
    job = run_bulk_job(job.pk)
    job.refresh_from_db()
    for stored in (job.zip_file.name, job.combined_pdf.name):
        name = stored.rsplit("/", 1)[1]
        # Only a random token: a two-letter unit code may well occur inside one by chance.
        assert not name.startswith((tree["S1"].code, f"{job.pk}."))
        assert re.fullmatch(r"[A-Za-z0-9_-]{32,}\.(zip|pdf)", name), name
