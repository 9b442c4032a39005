"""Holes found on review: deciding bookings that have begun or whose venue closed since, the
admin's venue form, and more paths around the monthly limit.

The clock is frozen on Wednesday 2026-12-02, 09:00 Asia/Shanghai (the ``clock`` fixture of
tests/venues/conftest.py); every booking is built from that week (tests/venues/clock.py).
"""

import datetime

import pytest
import time_machine

from notifications.kinds import Channel
from notifications.models import Message
from tests.conftest import client_for
from tests.venues.clock import NOW, THURSDAY, on
from tests.venues.conftest import make_booking
from venues import services
from venues.errors import VenueError
from venues.models import BookingStatus

pytestmark = pytest.mark.django_db

API = "/api/v1/venue-bookings/"


@pytest.fixture
def pending(reading_room, volunteer):
    return make_booking(reading_room, volunteer.user, starts_at=on(THURSDAY, 10), status=BookingStatus.PENDING)


def answered(user) -> int:
    return Message.objects.filter(recipient=user, channel=Channel.INBOX, kind="venue_booking_answered").count()


# Deciding ---------------------------------------------------------------------------------


def test_a_booking_that_has_begun_can_no_longer_be_approved_but_can_be_refused(pending, station_manager, volunteer):
    begun = on(THURSDAY, 10, 30)
    with pytest.raises(VenueError) as caught:
        services.decide(pending, by=station_manager, approve=True, at=begun)
    assert caught.value.code == "already_begun"
    pending.refresh_from_db()
    assert pending.status == BookingStatus.PENDING and answered(volunteer.user) == 0
    services.decide(pending, by=station_manager, approve=False, reason="过期未审", at=begun)
    pending.refresh_from_db()
    assert pending.status == BookingStatus.REFUSED


def test_approving_a_begun_booking_through_the_api_is_a_400(pending, station_manager):
    with time_machine.travel(on(THURSDAY, 10), tick=False):
        response = client_for(station_manager).post(f"{API}{pending.pk}/approve/")
    assert response.status_code == 400 and response.json()["code"] == "already_begun"
    pending.refresh_from_db()
    assert pending.status == BookingStatus.PENDING


def test_a_booking_starting_a_minute_later_is_still_approved(pending, station_manager):
    services.decide(pending, by=station_manager, approve=True, at=on(THURSDAY, 9, 59))
    pending.refresh_from_db()
    assert pending.status == BookingStatus.APPROVED


@pytest.mark.parametrize("closed", ["venue", "unit"])
def test_a_venue_closed_after_the_booking_was_made_refuses_approval(pending, station_manager, volunteer, closed):
    target = pending.venue if closed == "venue" else pending.venue.unit
    target.is_active = False
    target.save()
    with pytest.raises(VenueError) as caught:
        services.decide(pending, by=station_manager, approve=True, at=NOW)
    assert caught.value.code == "venue_closed"
    pending.refresh_from_db()
    assert pending.status == BookingStatus.PENDING
    # Refusing (to tell the booker) and cancelling still work.
    services.decide(pending, by=station_manager, approve=False, reason="场地停用", at=NOW)
    pending.refresh_from_db()
    assert pending.status == BookingStatus.REFUSED and answered(volunteer.user) == 1


def test_the_admin_refuses_to_approve_a_begun_booking_with_a_message(pending, client, station_manager):
    client.force_login(station_manager)
    with time_machine.travel(on(THURSDAY, 11), tick=False):
        response = client.post(f"/admin/venues/booking/{pending.pk}/approve/")
    assert response.status_code == 200
    pending.refresh_from_db()
    assert pending.status == BookingStatus.PENDING


def test_the_manager_page_refuses_to_approve_a_begun_booking(pending, client, station_manager):
    client.force_login(station_manager)
    with time_machine.travel(on(THURSDAY, 11), tick=False):
        client.post(f"/venues/bookings/{pending.pk}/approve/")
    pending.refresh_from_db()
    assert pending.status == BookingStatus.PENDING


def test_a_decision_tells_the_booker_once(pending, station_manager, volunteer):
    services.decide(pending, by=station_manager, approve=True, at=NOW)
    with pytest.raises(VenueError):
        services.decide(pending, by=station_manager, approve=True, at=NOW + datetime.timedelta(minutes=1))
    assert answered(volunteer.user) == 1


# The venue admin ---------------------------------------------------------------------------

VENUES = "/admin/venues/venue/"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def tiny_png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(out, format="PNG")
    return out.getvalue()


def venue_form(unit, photos: int = 0, **fields) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    form = {
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
        "photos-TOTAL_FORMS": str(max(photos, 1)),
        "photos-INITIAL_FORMS": "0",
        "photos-MIN_NUM_FORMS": "0",
        "photos-MAX_NUM_FORMS": "12",
        **fields,
    }
    for index in range(photos):
        form[f"photos-{index}-image"] = SimpleUploadedFile(f"{index}.png", tiny_png(), content_type="image/png")
    return form


def test_the_admin_decodes_at_most_twelve_photos_a_request(tree, clock, client, station_manager, media, monkeypatch):
    """The inline shows at most 12 rows, but a crafted form said 40 and all 40 were decoded and kept."""
    from tests.upload_bombs import spy_on_decodings
    from venues.models import Venue

    decoded = spy_on_decodings(monkeypatch)
    client.force_login(station_manager)
    assert client.post(VENUES + "add/", venue_form(tree["S1"], photos=1)).status_code == 302
    per_photo = len(decoded)
    Venue.objects.get().photos.all().delete()
    Venue.objects.all().delete()
    decoded.clear()
    response = client.post(VENUES + "add/", venue_form(tree["S1"], photos=40))
    assert response.status_code == 200 and not Venue.objects.exists()
    assert 0 < len(decoded) <= 12 * per_photo
    assert client.post(VENUES + "add/", venue_form(tree["S1"], photos=12)).status_code == 302
    assert Venue.objects.get().photos.count() == 12


@pytest.mark.parametrize("weekdays", ["", "abc", "089", "  "])
def test_the_admin_refuses_open_weekdays_without_a_weekday(tree, clock, client, station_manager, weekdays):
    """They were saved as "" (a venue never open) where the API answers 400."""
    from venues.models import Venue

    client.force_login(station_manager)
    response = client.post(VENUES + "add/", venue_form(tree["S1"], open_weekdays=weekdays))
    assert response.status_code == 200 and not Venue.objects.exists()


def test_the_admin_still_tidies_typed_weekdays(tree, clock, client, station_manager):
    from venues.models import Venue

    client.force_login(station_manager)
    assert client.post(VENUES + "add/", venue_form(tree["S1"], open_weekdays="5 3,1")).status_code == 302
    assert Venue.objects.get().open_weekdays == "135"


# The monthly limit ----------------------------------------------------------------------


def test_a_venue_held_for_the_units_events_never_counts_against_the_managers_own_limit(tree, clock, station_manager):
    """hold_for_event books in the publishing manager's name; those bookings filled their own monthly limit."""
    from tests.events.conftest import make_event
    from tests.venues.conftest import make_venue

    venue = make_venue(tree["S1"], bookings_per_month=1)
    held = services.hold_for_event(
        venue,
        starts_at=on(THURSDAY, 10),
        ends_at=on(THURSDAY, 12),
        purpose="宣讲",
        attendees=20,
        by=station_manager,
        at=NOW,
    )
    make_event(tree["S1"], venue=venue, venue_booking=held, starts_at=held.starts_at, ends_at=held.ends_at)
    mine = services.book(
        venue, station_manager, starts_at=on(THURSDAY, 14), ends_at=on(THURSDAY, 15), purpose="党小组会", at=NOW
    )
    assert mine.pk
    # The manager's own booking does count.
    with pytest.raises(VenueError) as caught:
        services.book(
            venue, station_manager, starts_at=on(THURSDAY, 16), ends_at=on(THURSDAY, 17), purpose="党小组会", at=NOW
        )
    assert caught.value.code == "monthly_limit"


def test_cancelling_and_booking_again_keeps_to_the_limit_but_a_begun_booking_still_counts(tree, clock, volunteer):
    from tests.venues.conftest import make_venue

    venue = make_venue(tree["S1"], bookings_per_month=1)
    first = services.book(
        venue, volunteer.user, starts_at=on(THURSDAY, 10), ends_at=on(THURSDAY, 11), purpose="读书会", at=NOW
    )
    services.cancel(first, by=volunteer.user, at=NOW)
    second = services.book(
        venue, volunteer.user, starts_at=on(THURSDAY, 12), ends_at=on(THURSDAY, 13), purpose="读书会", at=NOW
    )
    # Once it has begun it can no longer be cancelled to free the month.
    later = on(THURSDAY, 12, 30)
    with pytest.raises(VenueError):
        services.cancel(second, by=volunteer.user, at=later)
    with pytest.raises(VenueError) as caught:
        services.book(
            venue, volunteer.user, starts_at=on(THURSDAY, 15), ends_at=on(THURSDAY, 16), purpose="读书会", at=later
        )
    assert caught.value.code == "monthly_limit"


def test_the_api_refuses_booking_for_a_team_one_does_not_belong_to(tree, reading_room, volunteer, far_volunteer):
    from volunteers.models import Team

    team = Team.objects.create(name="远方队", unit=tree["S4"], leader=far_volunteer)
    body = {
        "venue": reading_room.pk,
        "team": team.pk,
        "purpose": "读书会",
        "starts_at": on(THURSDAY, 10).isoformat(),
        "ends_at": on(THURSDAY, 11).isoformat(),
    }
    response = client_for(volunteer.user).post(API, body, format="json")
    assert response.status_code == 400 and "team" in response.json()


# Venue photos ---------------------------------------------------------------------------


def _png(width: int, height: int, depth: int, colour: int, pixel_bytes: int, extra: bytes = b"") -> bytes:
    import struct
    import zlib

    from tests.upload_bombs import _chunk

    row = b"\0" * (1 + width * pixel_bytes)
    compressor = zlib.compressobj(9)
    pixels = compressor.compress(row * height) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + extra + _chunk(b"IDAT", pixels) + _chunk(b"IEND", b"")


def _reencode(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from venues.photos import reencode_venue_photo

    return reencode_venue_photo(SimpleUploadedFile("x.png", data, content_type="image/png"))


def test_a_png_that_would_take_too_much_memory_is_refused_before_decoding(monkeypatch):
    """6000 x 6000 of 16-bit RGBA: 300 KB sent, 740 MB and 2.7 s to re-encode before."""
    from tests.upload_bombs import spy_on_decodings
    from venues.photos import PhotoRejected

    decoded = spy_on_decodings(monkeypatch)
    with pytest.raises(PhotoRejected):
        _reencode(_png(6000, 6000, 16, 6, 8))
    assert decoded == []
    # A photo-sized PNG with transparency still goes through.
    assert _reencode(_png(1200, 900, 8, 6, 4)).name == "photo.jpg"


def test_a_png_of_many_metadata_chunks_is_refused():
    from tests.upload_bombs import _chunk
    from venues.photos import PhotoRejected

    comment = _chunk(b"tEXt", b"Comment\0" + b"x" * 100)
    with pytest.raises(PhotoRejected):
        _reencode(_png(40, 30, 8, 2, 3, extra=comment * 100))
    assert _reencode(_png(40, 30, 8, 2, 3, extra=comment * 5)).name == "photo.jpg"


def test_a_large_progressive_jpeg_is_refused_an_ordinary_one_kept():
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from venues.photos import PhotoRejected, reencode_venue_photo

    def jpeg(size, **options) -> SimpleUploadedFile:
        out = io.BytesIO()
        Image.new("RGB", size, "teal").save(out, format="JPEG", **options)
        return SimpleUploadedFile("x.jpg", out.getvalue(), content_type="image/jpeg")

    # Every coefficient of 36 megapixels is held until the last scan, whatever the draft scale.
    with pytest.raises(PhotoRejected):
        reencode_venue_photo(jpeg((6000, 6000), progressive=True))
    assert reencode_venue_photo(jpeg((6000, 6000))).name == "photo.jpg"
    assert reencode_venue_photo(jpeg((4000, 3000), progressive=True)).name == "photo.jpg"


def test_a_venue_of_a_closed_unit_shows_its_manager_no_open_hours(reading_room, station_manager):
    """The manager still finds the venue; its days said "open" though book() refuses every slot."""
    unit = reading_room.unit
    unit.is_active = False
    unit.save()
    response = client_for(station_manager).get(f"/api/v1/venues/{reading_room.pk}/availability/?date=2026-12-03")
    assert response.status_code == 200 and response.json()["open"] is False


# Booking and cancelling in a loop -------------------------------------------------------------


def test_booking_requests_are_throttled_on_the_api_and_the_pages_together(reading_room, volunteer, client, monkeypatch):
    """Each pending booking tells the managers; booking and cancelling in a loop was unlimited."""
    from accounts.throttles import ScopedThrottle

    monkeypatch.setitem(ScopedThrottle.THROTTLE_RATES, "venue_booking", "3/hour")
    api = client_for(volunteer.user)
    for hour in (10, 12):
        body = {
            "venue": reading_room.pk,
            "purpose": "读书会",
            "starts_at": on(THURSDAY, hour).isoformat(),
            "ends_at": on(THURSDAY, hour + 1).isoformat(),
        }
        made = api.post(API, body, format="json")
        assert made.status_code == 201
        assert api.post(f"{API}{made.json()['id']}/cancel/").status_code == 200
    client.force_login(volunteer.user)
    form = {"day": "2026-12-03", "start": "14:00", "end": "15:00", "purpose": "读书会", "attendees": 1}
    assert client.post(f"/venues/{reading_room.pk}/", form).status_code == 302
    refused = client.post(f"/venues/{reading_room.pk}/", {**form, "start": "16:00", "end": "17:00"})
    assert refused.status_code == 200 and refused.context["form"].non_field_errors()
    assert api.post(API, {**body, "starts_at": on(THURSDAY, 18).isoformat()}, format="json").status_code == 429
    assert reading_room.bookings.count() == 3


def test_the_month_of_the_limit_turns_at_shanghai_midnight(tree, clock, volunteer):
    """00:30 on 1 January in Shanghai is still 31 December in UTC; it counts in January."""
    from tests.venues.conftest import make_venue

    venue = make_venue(
        tree["S1"],
        bookings_per_month=1,
        advance_days=60,
        opens_at=datetime.time(0, 0),
        closes_at=datetime.time(23, 59),
    )
    december, january = datetime.date(2026, 12, 31), datetime.date(2027, 1, 1)
    services.book(venue, volunteer.user, starts_at=on(december, 22), ends_at=on(december, 23), purpose="跨年", at=NOW)
    assert services.book(
        venue, volunteer.user, starts_at=on(january, 0, 30), ends_at=on(january, 1), purpose="跨年", at=NOW
    ).pk
    with pytest.raises(VenueError) as caught:
        services.book(venue, volunteer.user, starts_at=on(december, 7), ends_at=on(december, 8), purpose="跨年", at=NOW)
    assert caught.value.code == "monthly_limit"
