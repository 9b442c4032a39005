"""Photos cannot take the service down: refused from their headers, before any pixel is decoded (issue 20).

A 77 KB PNG of 1 x 39,999,999 pixels passed the 40-megapixel check and cost 5-6 s and
1.3 GB to re-encode, through any correction request. The orders' photos are in
tests/orders/test_photo_bombs.py; the figures in benchmarks/uploads.py.
"""

import datetime
import io
import time
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts.throttles import ScopedThrottle
from events import photos
from events.models import ActivityPhoto, CorrectionRequest, Signup, SignupStatus
from events.photos import MAX_PHOTOS_PER_REQUEST, PhotoRejected, check_photo, check_photos
from tests.conftest import client_for
from tests.events.conftest import make_event
from tests.events.test_activity_records import photo_bytes, post_photos, upload
from tests.records_law.conftest import attended
from tests.records_law.conftest import past_event as finished_event
from tests.upload_bombs import bomb_upload, png_bomb, spy_on_decodings

DAY = datetime.date(2026, 11, 20)
CORRECTIONS = "/api/v1/correction-requests/"


@pytest.fixture
def decodings(monkeypatch) -> list[str]:
    """Every decoding Pillow starts during the test; most tests assert there were none."""
    return spy_on_decodings(monkeypatch)


@pytest.fixture
def past_event(tree):
    now = timezone.now()
    return make_event(
        tree["S1"], starts_at=now - datetime.timedelta(hours=3), ends_at=now - datetime.timedelta(hours=1)
    )


def jpeg(size: tuple[int, int], **options) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, format="JPEG", **options)
    return SimpleUploadedFile("photo.jpg", out.getvalue(), content_type="image/jpeg")


# --- The header check itself ---


def test_the_bomb_is_refused_in_milliseconds_without_decoding(decodings):
    bomb = bomb_upload()
    started = time.process_time()
    with pytest.raises(PhotoRejected):
        check_photo(bomb)
    assert time.process_time() - started < 0.5
    assert decodings == []


@pytest.mark.parametrize(
    "size",
    [(1, 39_999_999), (21 * 500, 500), (500, 21 * 500), (20_001, 1_001)],
    ids=["a-line", "wider-than-1-to-20", "taller-than-1-to-20", "a-side-over-20000"],
)
def test_photos_too_long_or_too_wide_are_refused_from_the_header(decodings, size):
    upload = SimpleUploadedFile("x.png", png_bomb(*size), content_type="image/png")
    with pytest.raises(PhotoRejected):
        check_photo(upload)
    assert decodings == []


def test_a_long_screenshot_and_a_phone_photo_pass_the_header_check():
    screenshot = SimpleUploadedFile("screen.png", png_bomb(1_000, 20_000), content_type="image/png")
    assert check_photo(screenshot) <= photos.MAX_DECODE_BYTES
    # A JPEG is decoded at a reduced scale: 8000 x 4000 costs what 4000 x 2000 does.
    assert check_photo(jpeg((8000, 4000))) == 4000 * 2000 * 4


def test_a_png_whose_decoding_would_hold_too_much_memory_is_refused():
    # 6,000 x 6,000 is under 40 megapixels but decodes to 144 MB.
    with pytest.raises(PhotoRejected):
        check_photo(SimpleUploadedFile("square.png", png_bomb(6000, 6000), content_type="image/png"))


def test_a_progressive_jpeg_counts_the_coefficients_it_keeps():
    baseline = check_photo(jpeg((4000, 3000)))
    progressive = check_photo(jpeg((4000, 3000), progressive=True))
    assert progressive > baseline + 4000 * 3000 * 2


def png_with_chunks(kind: bytes, payload: bytes, count: int) -> bytes:
    """A small real PNG with ``count`` extra ``kind`` chunks before its pixels."""
    out = io.BytesIO()
    Image.new("RGB", (100, 100), "white").save(out, format="PNG")
    png = out.getvalue()
    chunk = len(payload).to_bytes(4, "big") + kind + payload + zlib.crc32(kind + payload).to_bytes(4, "big")
    header_end = 8 + 25  # the signature and IHDR
    return png[:header_end] + chunk * count + png[header_end:]


def test_a_png_stuffed_with_colour_profiles_is_refused_before_pillow_reads_them(decodings):
    # Each profile inflates to a megabyte when Pillow opens the file: 4,900 took 10 s.
    profile = b"icc\x00\x00" + zlib.compress(b"\x00" * 1024 * 1024, 9)
    stuffed = png_with_chunks(b"iCCP", profile, 500)
    started = time.process_time()
    with pytest.raises(PhotoRejected):
        check_photo(SimpleUploadedFile("profiles.png", stuffed, content_type="image/png"))
    assert time.process_time() - started < 0.5 and decodings == []


def test_a_jpeg_of_a_hundred_thousand_comments_is_refused(decodings):
    plain = photo_bytes()
    comment = b"\xff\xfe\x00\x03x"
    with pytest.raises(PhotoRejected):
        check_photo(SimpleUploadedFile("c.jpg", plain[:2] + comment * 100_000 + plain[2:], content_type="image/jpeg"))
    # An ordinary photo's few segments pass.
    check_photo(SimpleUploadedFile("ok.jpg", plain[:2] + comment * 10 + plain[2:], content_type="image/jpeg"))


def test_a_jpeg_of_several_scans_counts_its_coefficients_even_when_not_marked_progressive():
    progressive = jpeg((4000, 3000), progressive=True).read()
    # The same scans under a baseline frame header (SOF0): one scan per colour is legal there.
    relabelled = progressive.replace(b"\xff\xc2", b"\xff\xc0", 1)
    baseline = check_photo(SimpleUploadedFile("b.jpg", relabelled, content_type="image/jpeg"))
    assert baseline == check_photo(SimpleUploadedFile("p.jpg", progressive, content_type="image/jpeg"))


def test_at_most_nine_photos_and_a_bounded_total_per_request():
    with pytest.raises(PhotoRejected):
        check_photos([jpeg((40, 30)) for _ in range(MAX_PHOTOS_PER_REQUEST + 1)])
    check_photos([jpeg((40, 30)) for _ in range(MAX_PHOTOS_PER_REQUEST)])
    # Each one accepted alone (121 MB to decode), four together are not.
    square = SimpleUploadedFile("square.png", png_bomb(5500, 5500), content_type="image/png")
    check_photo(square)
    with pytest.raises(PhotoRejected):
        check_photos([square] * 4)


def test_an_accepted_photo_is_still_re_encoded_upright_and_small():
    prepared = photos.prepare_photo(jpeg((8000, 4000)))
    stored = Image.open(prepared.image)
    assert stored.size == (photos.LONG_SIDE, 1000) and stored.format == "JPEG"


# --- Correction requests (any volunteer) ---


@pytest.fixture
def record(tree, volunteer):
    return attended(finished_event(tree["S1"], DAY), volunteer, out=False)


def ask(volunteer, record, photo, **extra):
    body = {"record": record.pk, "checked_out_at": record.event.ends_at.isoformat(), "reason": "忘记签退"}
    return client_for(volunteer.user).post(CORRECTIONS, {**body, "photo": photo, **extra}, format="multipart")


def test_a_correction_request_with_the_bomb_is_a_400_on_the_photo_field(volunteer, record, decodings):
    response = ask(volunteer, record, bomb_upload())
    assert response.status_code == 400 and list(response.json()) == ["photo"]
    assert decodings == [] and not CorrectionRequest.objects.exists()


def test_a_correction_request_refused_for_its_state_never_decodes_the_photo(volunteer, record, decodings):
    assert ask(volunteer, record, jpeg((40, 30))).status_code == 201
    decodings.clear()
    again = ask(volunteer, record, jpeg((400, 300)))
    assert again.status_code == 409 and again.json()["code"] == "request_pending"
    assert decodings == []


def test_a_correction_request_refused_for_its_event_never_decodes_the_photo(tree, volunteer, decodings):
    event = finished_event(tree["S1"], DAY)  # never signed up for
    response = client_for(volunteer.user).post(
        CORRECTIONS,
        {
            "event": event.pk,
            "checked_in_at": event.starts_at.isoformat(),
            "checked_out_at": event.ends_at.isoformat(),
            "reason": "补录",
            "photo": jpeg((400, 300)),
        },
        format="multipart",
    )
    assert response.status_code == 400 and "event" in response.json()
    assert decodings == []


def test_an_accepted_correction_request_keeps_its_photo(tree, volunteer):
    event = finished_event(tree["S1"], DAY)
    Signup.objects.create(event=event, volunteer=volunteer, status=SignupStatus.CONFIRMED, queued_at=event.starts_at)
    response = client_for(volunteer.user).post(
        CORRECTIONS,
        {
            "event": event.pk,
            "checked_in_at": event.starts_at.isoformat(),
            "checked_out_at": event.ends_at.isoformat(),
            "reason": "手机没电",
            "photo": jpeg((4000, 3000)),
        },
        format="multipart",
    )
    assert response.status_code == 201 and response.json()["has_photo"] is True
    assert Image.open(CorrectionRequest.objects.get().photo).size == (2000, 1500)


def test_correction_requests_are_throttled_per_volunteer(volunteer, other_volunteer, record, monkeypatch):
    monkeypatch.setitem(ScopedThrottle.THROTTLE_RATES, "photos", "2/hour")
    answers = [ask(volunteer, record, jpeg((40, 30))).status_code for _ in range(3)]
    assert answers == [201, 409, 429]
    # Another volunteer has a bucket of their own; reading is not limited.
    assert client_for(other_volunteer.user).post(CORRECTIONS, {}, format="json").status_code == 400
    assert client_for(volunteer.user).get(CORRECTIONS).status_code == 200


def test_the_page_form_is_throttled_with_the_same_bucket(client, volunteer, record, monkeypatch):
    monkeypatch.setitem(ScopedThrottle.THROTTLE_RATES, "photos", "1/hour")
    client.force_login(volunteer.user)
    body = {"record": record.pk, "checked_out_at": record.event.ends_at.isoformat(), "reason": "忘记签退"}
    assert client.post("/me/correction-requests/", body).status_code == 302
    assert CorrectionRequest.objects.count() == 1
    assert ask(volunteer, record, jpeg((40, 30))).status_code == 429


# --- Activity photos (an event's managers and leaders) ---


def test_activity_photos_with_the_bomb_are_refused_without_decoding(station_manager, past_event, decodings):
    response = post_photos(station_manager, past_event, upload(photo_bytes(), "good.jpg"), bomb_upload())
    assert response.status_code == 400 and response.json()["code"] == "bad_photo"
    assert decodings == [] and not ActivityPhoto.objects.exists()


def test_more_than_nine_activity_photos_at_once_are_a_400(station_manager, past_event):
    files = [upload(photo_bytes(size=(40, 30)), f"{n}.jpg") for n in range(MAX_PHOTOS_PER_REQUEST + 1)]
    response = post_photos(station_manager, past_event, *files)
    assert response.status_code == 400 and "photos" in response.json()
    assert not ActivityPhoto.objects.exists()


def test_activity_photo_uploads_are_throttled(station_manager, past_event, monkeypatch):
    monkeypatch.setitem(ScopedThrottle.THROTTLE_RATES, "photos", "1/hour")
    first = post_photos(station_manager, past_event, upload(photo_bytes(size=(40, 30))))
    second = post_photos(station_manager, past_event, upload(photo_bytes(size=(40, 30))))
    assert (first.status_code, second.status_code) == (201, 429)
