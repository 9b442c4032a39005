"""The venue and booking admin as a station manager uses it: only their subtree's venues, photos
stored without EXIF, bookings approved or refused (with a reason) through ``venues.services``.

The clock is frozen on Wednesday 2026-12-02, 09:00 Asia/Shanghai (tests/venues/conftest.py ``clock``).
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from tests.venues.clock import THURSDAY, on
from tests.venues.conftest import make_booking, make_venue
from venues.models import BookingStatus, Venue

pytestmark = pytest.mark.django_db

VENUES = "/admin/venues/venue/"
BOOKINGS = "/admin/venues/booking/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def text(response) -> str:
    return response.content.decode()


def phone_photo(size=(1200, 900)) -> SimpleUploadedFile:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SecretPhone"
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] = "N"
    out = io.BytesIO()
    Image.new("RGB", size, "teal").save(out, format="JPEG", exif=exif)
    return SimpleUploadedFile("room.jpg", out.getvalue(), content_type="image/jpeg")


def venue_form(unit, **fields) -> dict:
    return {
        "unit": unit.pk,
        "name": "新时代文明实践书屋",
        "kind": "reading_room",
        "capacity": 20,
        "open_weekdays": "12345",
        "opens_at": "08:30",
        "closes_at": "17:30",
        "approval_required": "on",
        "max_booking_minutes": 180,
        "bookings_per_month": 4,
        "advance_days": 30,
        "is_active": "on",
        "photos-TOTAL_FORMS": "1",
        "photos-INITIAL_FORMS": "0",
        "photos-MIN_NUM_FORMS": "0",
        "photos-MAX_NUM_FORMS": "12",
        **fields,
    }


def test_a_station_manager_lists_only_their_subtrees_venues(tree, clock, client, station_manager):
    make_venue(tree["S1"], name="东门书屋")
    make_venue(tree["S2"], name="西门礼堂")
    client.force_login(station_manager)
    listing = text(client.get(VENUES))
    assert "东门书屋" in listing and "西门礼堂" not in listing


def test_another_stations_venue_cannot_be_opened_or_changed(tree, clock, client, other_station_manager):
    venue = make_venue(tree["S1"])
    client.force_login(other_station_manager)
    assert client.get(f"{VENUES}{venue.pk}/change/").status_code == 302  # "does not exist", back to the index
    client.post(f"{VENUES}{venue.pk}/change/", venue_form(tree["S1"], name="改名"))
    venue.refresh_from_db()
    assert venue.name != "改名"


def test_a_manager_adds_a_venue_with_a_photo_stored_without_exif(tree, clock, client, station_manager):
    client.force_login(station_manager)
    response = client.post(
        VENUES + "add/", venue_form(tree["S1"], **{"photos-0-image": phone_photo(), "photos-0-caption": "阅览区"})
    )
    assert response.status_code == 302, text(response)
    venue = Venue.objects.get(name="新时代文明实践书屋")
    photo = venue.photos.get()
    with Image.open(photo.image.path) as stored:
        assert stored.format == "JPEG" and not stored.getexif()
    with open(photo.image.path, "rb") as stored_bytes:
        assert b"SecretPhone" not in stored_bytes.read()


def test_a_huge_photo_is_shrunk(tree, clock, client, station_manager):
    client.force_login(station_manager)
    client.post(VENUES + "add/", venue_form(tree["S1"], **{"photos-0-image": phone_photo((4000, 3000))}))
    with Image.open(Venue.objects.get().photos.get().image.path) as stored:
        assert max(stored.size) == 1600


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("x.jpg", b"not a photo at all", content_type="image/jpeg"),
        SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * (5 * 1024 * 1024 + 1), content_type="image/jpeg"),
    ],
    ids=["not-a-photo", "over-5mb"],
)
def test_a_bad_photo_is_refused_with_a_message(tree, clock, client, station_manager, upload):
    client.force_login(station_manager)
    upload.seek(0)
    response = client.post(VENUES + "add/", venue_form(tree["S1"], **{"photos-0-image": upload}))
    # Over the request limit the server answers 413 before the form sees it; either way nothing is kept.
    assert response.status_code in (200, 413) and not Venue.objects.exists()


@pytest.mark.parametrize(
    ("size", "message"), [((30_000, 1_000), "too long"), ((1, 1), None)], ids=["too-long", "one-pixel"]
)
def test_the_re_encoding_refuses_long_strips_and_keeps_tiny_photos(size, message):
    from venues.photos import PhotoRejected, reencode_venue_photo

    out = io.BytesIO()
    Image.new("RGB", size).save(out, format="PNG")
    upload = SimpleUploadedFile("x.png", out.getvalue(), content_type="image/png")
    if message:
        with pytest.raises(PhotoRejected):
            reencode_venue_photo(upload)
    else:
        assert reencode_venue_photo(upload).name == "photo.jpg"


def test_a_manager_cannot_put_a_venue_under_another_station(tree, clock, client, station_manager):
    client.force_login(station_manager)
    response = client.post(VENUES + "add/", venue_form(tree["S2"]))
    assert response.status_code == 200 and not Venue.objects.exists()


def test_opening_after_closing_is_refused(tree, clock, client, station_manager):
    client.force_login(station_manager)
    response = client.post(VENUES + "add/", venue_form(tree["S1"], opens_at="18:00", closes_at="08:00"))
    assert response.status_code == 200 and not Venue.objects.exists()


def test_a_volunteer_has_no_venue_admin(tree, clock, client, volunteer):
    client.force_login(volunteer.user)
    assert client.get(VENUES).status_code == 302


# Bookings ---------------------------------------------------------------------------------


@pytest.fixture
def pending(tree, reading_room, volunteer):
    return make_booking(reading_room, volunteer.user, starts_at=on(THURSDAY, 10), status=BookingStatus.PENDING)


def test_the_manager_approves_a_booking_from_its_page(pending, client, station_manager):
    client.force_login(station_manager)
    assert client.get(f"{BOOKINGS}{pending.pk}/change/").status_code == 200
    response = client.post(f"{BOOKINGS}{pending.pk}/approve/")
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == BookingStatus.APPROVED and pending.decided_by == station_manager


def test_refusing_from_the_list_asks_for_a_reason(pending, client, station_manager):
    client.force_login(station_manager)
    action = {"action": "refuse_selected", "_selected_action": [pending.pk]}
    asked = client.post(BOOKINGS, action)
    assert asked.status_code == 200 and 'name="reason"' in text(asked)
    client.post(BOOKINGS, {**action, "apply": "1", "reason": ""})
    pending.refresh_from_db()
    assert pending.status == BookingStatus.PENDING
    client.post(BOOKINGS, {**action, "apply": "1", "reason": "场地维修"})
    pending.refresh_from_db()
    assert (pending.status, pending.refuse_reason) == (BookingStatus.REFUSED, "场地维修")


def test_approving_from_the_list(pending, client, station_manager):
    client.force_login(station_manager)
    client.post(BOOKINGS, {"action": "approve_selected", "_selected_action": [pending.pk]})
    pending.refresh_from_db()
    assert pending.status == BookingStatus.APPROVED


def test_another_stations_manager_neither_lists_nor_decides(pending, client, other_station_manager):
    client.force_login(other_station_manager)
    assert f"/{pending.pk}/change/" not in text(client.get(BOOKINGS))
    assert client.post(f"{BOOKINGS}{pending.pk}/approve/").status_code == 404
    client.post(BOOKINGS, {"action": "approve_selected", "_selected_action": [pending.pk]})
    pending.refresh_from_db()
    assert pending.status == BookingStatus.PENDING


def test_bookings_are_not_edited_or_added_by_hand(pending, client, station_manager):
    client.force_login(station_manager)
    assert client.get(BOOKINGS + "add/").status_code == 403
    assert 'name="purpose"' not in text(client.get(f"{BOOKINGS}{pending.pk}/change/"))


@pytest.mark.parametrize("query", ["?starts_at__year=99999999999999999999", "?status=palace", "?q=" + "x" * 500])
def test_crafted_list_addresses_are_never_a_500(pending, client, station_manager, query):
    client.force_login(station_manager)
    assert client.get(BOOKINGS + query).status_code in (200, 302)
