"""Activity records (活动纪实): summary, people served and photos, completed by the event's managers."""

import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import ExifTags, Image

from events.activity import MAX_PHOTOS_PER_EVENT, ActivityError, add_activity_photo, document_event
from events.models import ActivityPhoto, ActivityRecord, Event, EventStatus
from tests.conftest import client_for
from tests.events.conftest import SHANGHAI, make_event

CHINESE = re.compile("[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def photo_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def past_event(tree):
    now = timezone.now()
    return make_event(
        tree["S1"], starts_at=now - datetime.timedelta(hours=3), ends_at=now - datetime.timedelta(hours=1)
    )


def photo_bytes(fmt: str = "JPEG", size: tuple[int, int] = (800, 600), exif: Image.Exif | None = None) -> bytes:
    """Left half red, right half blue: which way up it is stored can be read back."""
    image = Image.new("RGB", size, "blue")
    image.paste("red", (0, 0, size[0] // 2, size[1]))
    out = io.BytesIO()
    options = {"exif": exif.tobytes()} if exif is not None else {}
    image.save(out, format=fmt, **options)
    return out.getvalue()


def upload(data: bytes, name: str = "IMG_0001.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def record_url(event: Event) -> str:
    return f"/api/v1/events/{event.pk}/activity-record/"


def post_photos(user, event: Event, *files: SimpleUploadedFile):
    return client_for(user).post(f"{record_url(event)}photos/", {"photos": list(files)}, format="multipart")


def phone_exif() -> Image.Exif:
    """What a phone writes: rotated 90° (orientation 6), a GPS position, the camera and the time taken."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "Apple"
    exif[ExifTags.Base.Model] = "iPhone 15"
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2026:03:14 15:09:26"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (39.0, 54.0, 27.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (116.0, 23.0, 30.0)
    return exif


@pytest.mark.parametrize(("fmt", "name"), [("JPEG", "a.jpg"), ("PNG", "a.png"), ("WEBP", "a.webp"), ("HEIF", "a.heic")])
def test_jpeg_png_webp_and_heic_photos_are_stored_as_jpegs_with_a_thumbnail(station_manager, past_event, fmt, name):
    response = post_photos(station_manager, past_event, upload(photo_bytes(fmt), name))
    assert response.status_code == 201, response.content
    [listed] = response.json()["photos"]
    photo = ActivityPhoto.objects.get()
    assert listed["image_url"] == f"/api/v1/activity-photos/{photo.pk}/image/"
    with Image.open(photo.image.open("rb")) as image:
        assert image.format == "JPEG" and image.size == (800, 600)
    with Image.open(photo.thumbnail.open("rb")) as thumbnail:
        assert thumbnail.format == "JPEG" and max(thumbnail.size) == 400
    # A random name of its own, not the one sent (which a random name may end like: "…JjMa.jpg").
    stored = photo.image.name.rsplit("/", 1)[-1]
    assert stored != name and len(stored) > 30


@pytest.mark.parametrize(("fmt", "name"), [("HEIF", "IMG_0002.HEIC"), ("JPEG", "IMG_0003.JPG")])
def test_a_phone_photo_is_stored_upright_without_exif_or_gps_and_shows_when_it_was_taken(
    station_manager, past_event, fmt, name
):
    sent = photo_bytes(fmt, exif=phone_exif())
    with Image.open(io.BytesIO(sent)) as original:
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo), "the test photo carries a position"
    response = post_photos(station_manager, past_event, upload(sent, name))
    assert response.status_code == 201, response.content
    photo = ActivityPhoto.objects.get()
    stored = photo.image.open("rb").read()
    assert b"Exif" not in stored and b"iPhone" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif()
        # Turned a quarter clockwise: portrait, the left (red) half now on top.
        assert image.size == (600, 800)
        red, blue = image.getpixel((300, 100)), image.getpixel((300, 700))
        assert red[0] > 200 > red[2] and blue[2] > 200 > blue[0]
    taken = datetime.datetime(2026, 3, 14, 15, 9, 26, tzinfo=SHANGHAI)
    assert photo.taken_at == taken
    assert response.json()["photos"][0]["taken_at"] == "2026-03-14T15:09:26+08:00"


def test_several_photos_go_up_in_one_request(station_manager, past_event):
    files = [upload(photo_bytes(), f"{n}.jpg") for n in range(3)]
    response = post_photos(station_manager, past_event, *files)
    assert response.status_code == 201 and response.json()["photo_count"] == 3


def test_a_file_that_is_not_a_photo_is_refused_in_chinese_and_nothing_is_kept(station_manager, past_event):
    good = upload(photo_bytes(), "good.jpg")
    bad = upload(b"%PDF-1.4 not a photo", "report.jpg")
    response = post_photos(station_manager, past_event, good, bad)
    assert response.status_code == 400
    assert response.json()["code"] == "bad_photo" and "report.jpg" in response.json()["detail"]
    assert CHINESE.search(response.json()["detail"])
    assert not ActivityPhoto.objects.exists()


def test_other_image_formats_are_refused(station_manager, past_event):
    response = post_photos(station_manager, past_event, upload(photo_bytes("GIF"), "a.gif"))
    assert response.status_code == 400 and response.json()["code"] == "bad_photo"


def test_a_photo_over_5_mb_is_refused_in_chinese(settings, station_manager, past_event):
    # The request limit is a separate guard in front (413); here the photo's own limit answers.
    settings.MAX_REQUEST_BODY_BYTES = settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024
    big = upload(photo_bytes() + b"\0" * (5 * 1024 * 1024), "big.jpg")
    response = post_photos(station_manager, past_event, big)
    assert response.status_code == 400 and "照片不能超过 5 MB" in response.json()["detail"]
    assert not ActivityPhoto.objects.exists()


def test_a_request_over_the_body_limit_is_refused_before_anything_reads_it(settings, station_manager, past_event):
    # Photo uploads have their own limit, above the general one.
    settings.MAX_REQUEST_BODY_BYTES, settings.PHOTO_REQUEST_BODY_BYTES = 512 * 1024, 1024 * 1024
    big = upload(photo_bytes() + b"\0" * (1024 * 1024), "big.jpg")
    assert post_photos(station_manager, past_event, big).status_code == 413
    assert not ActivityPhoto.objects.exists()


@pytest.mark.parametrize(
    ("mode", "size"),
    [("L", (8000, 6000)), ("1", (20000, 10000))],
    ids=["48-megapixels", "decompression-bomb"],
)
def test_photos_with_too_many_pixels_are_refused_in_chinese(station_manager, past_event, mode, size):
    out = io.BytesIO()
    Image.new(mode, size).save(out, format="PNG")  # a few hundred kilobytes at most
    response = post_photos(station_manager, past_event, upload(out.getvalue(), "bomb.png"))
    assert response.status_code == 400 and "照片像素过多" in response.json()["detail"]


def test_an_upload_without_files_is_a_400(station_manager, past_event):
    response = client_for(station_manager).post(f"{record_url(past_event)}photos/", {}, format="multipart")
    assert response.status_code == 400 and "photos" in response.json()


def test_the_event_becomes_documented_with_a_summary_and_three_photos(station_manager, past_event):
    client = client_for(station_manager)
    assert client.get(record_url(past_event)).json()["documented"] is False
    for n in range(2):
        post_photos(station_manager, past_event, upload(photo_bytes(), f"{n}.jpg"))
    put = client.put(record_url(past_event), {"summary": "清理了广场垃圾 20 袋。", "people_served": 120}, format="json")
    assert put.status_code == 200 and put.json()["documented"] is False
    assert put.json()["people_served"] == 120
    assert not Event.objects.documented().exists()
    third = post_photos(station_manager, past_event, upload(photo_bytes(), "3.jpg"))
    assert third.json()["documented"] is True
    assert list(Event.objects.documented()) == [past_event]
    assert not Event.objects.undocumented().filter(pk=past_event.pk).exists()
    past_event.refresh_from_db()
    assert past_event.is_documented
    blank = client.put(record_url(past_event), {"summary": "   ", "people_served": None}, format="json")
    assert blank.json()["documented"] is False and blank.json()["summary"] == ""


def test_the_minimum_number_of_photos_is_a_setting(settings, station_manager, past_event):
    settings.ACTIVITY_MIN_PHOTOS = 1
    document_event(past_event, summary="总结", people_served=5, by=station_manager)
    add_activity_photo(past_event, upload(photo_bytes()), by=station_manager)
    assert Event.objects.documented().get() == past_event


def test_the_events_list_filters_documented_events_for_managers(settings, station_manager, volunteer, past_event):
    settings.ACTIVITY_MIN_PHOTOS = 1
    other = make_event(past_event.unit, title="另一活动", starts_at=past_event.starts_at, ends_at=past_event.ends_at)
    document_event(past_event, summary="总结", people_served=None, by=station_manager)
    add_activity_photo(past_event, upload(photo_bytes()), by=station_manager)
    client = client_for(station_manager)
    assert [e["id"] for e in client.get("/api/v1/events/?documented=true").json()["results"]] == [past_event.pk]
    assert [e["id"] for e in client.get("/api/v1/events/?documented=false").json()["results"]] == [other.pk]
    # Documentation is the managers' business: a volunteer's filtered list is empty.
    assert client_for(volunteer.user).get("/api/v1/events/?documented=true").json()["count"] == 0


def test_people_served_out_of_bounds_is_a_400(station_manager, past_event):
    client = client_for(station_manager)
    for value in (-1, 10**7, 2**40):
        response = client.put(record_url(past_event), {"summary": "x", "people_served": value}, format="json")
        assert response.status_code == 400 and "people_served" in response.json()


def test_an_event_is_documented_from_its_start_but_not_before_nor_once_cancelled(station_manager, tree):
    now = timezone.now()
    future = make_event(
        tree["S1"], starts_at=now + datetime.timedelta(hours=1), ends_at=now + datetime.timedelta(hours=2)
    )
    running = make_event(
        tree["S1"], starts_at=now - datetime.timedelta(hours=1), ends_at=now + datetime.timedelta(hours=1)
    )
    cancelled = make_event(
        tree["S1"],
        status=EventStatus.CANCELLED,
        starts_at=now - datetime.timedelta(hours=3),
        ends_at=now - datetime.timedelta(hours=2),
    )
    client = client_for(station_manager)
    assert client.put(record_url(future), {"summary": "x"}, format="json").json()["code"] == "event_not_started"
    assert client.put(record_url(running), {"summary": "x"}, format="json").status_code == 200
    assert post_photos(station_manager, cancelled, upload(photo_bytes())).status_code == 409


def test_an_event_keeps_a_bounded_number_of_photos(station_manager, past_event, monkeypatch):
    monkeypatch.setattr("events.activity.MAX_PHOTOS_PER_EVENT", 2)
    assert post_photos(station_manager, past_event, upload(photo_bytes(), "1.jpg")).status_code == 201
    response = post_photos(station_manager, past_event, upload(photo_bytes(), "2.jpg"), upload(photo_bytes(), "3.jpg"))
    assert response.status_code == 409 and response.json()["code"] == "too_many_photos"
    assert ActivityPhoto.objects.count() == 1
    assert MAX_PHOTOS_PER_EVENT == 30


def test_managers_above_and_admins_may_document_and_delete(center_manager, admin_user, station_manager, past_event):
    assert post_photos(center_manager, past_event, upload(photo_bytes())).status_code == 201
    photo = ActivityPhoto.objects.get()
    assert photo.uploaded_by == center_manager
    response = client_for(admin_user).delete(f"/api/v1/activity-photos/{photo.pk}/")
    assert response.status_code == 204 and not ActivityPhoto.objects.exists()
    assert ActivityRecord.objects.get().updated_by == admin_user


def test_deleting_a_photo_removes_its_files(station_manager, past_event, django_capture_on_commit_callbacks):
    add_activity_photo(past_event, upload(photo_bytes()), by=station_manager)
    photo = ActivityPhoto.objects.get()
    storage, names = photo.image.storage, [photo.image.name, photo.thumbnail.name]
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(station_manager).delete(f"/api/v1/activity-photos/{photo.pk}/").status_code == 204
    assert not any(storage.exists(name) for name in names)


def test_outsiders_get_no_record_no_photos_and_cannot_change_anything(
    settings, station_manager, other_station_manager, volunteer, past_event
):
    add_activity_photo(past_event, upload(photo_bytes()), by=station_manager)
    photo = ActivityPhoto.objects.get()
    urls = [
        record_url(past_event),
        f"/api/v1/activity-photos/{photo.pk}/image/",
        f"/api/v1/activity-photos/{photo.pk}/thumbnail/",
    ]
    for url in urls:
        assert client_for(station_manager).get(url).status_code == 200
        assert client_for(other_station_manager).get(url).status_code == 404
        assert client_for(volunteer.user).get(url).status_code == 403
        assert client_for(None).get(url).status_code == 401
    assert (
        client_for(other_station_manager).put(record_url(past_event), {"summary": "x"}, format="json").status_code
        == 404
    )
    assert post_photos(other_station_manager, past_event, upload(photo_bytes())).status_code == 404
    assert post_photos(volunteer.user, past_event, upload(photo_bytes())).status_code == 403
    assert client_for(other_station_manager).delete(f"/api/v1/activity-photos/{photo.pk}/").status_code == 404
    assert client_for(volunteer.user).delete(f"/api/v1/activity-photos/{photo.pk}/").status_code == 403
    # Never a public file: the stored name under /media/ answers nothing.
    assert client_for(None).get(f"/{settings.MEDIA_URL}{photo.image.name}").status_code == 404
    assert ActivityPhoto.objects.count() == 1


def test_the_services_refuse_people_who_do_not_manage_the_event(other_station_manager, volunteer, past_event):
    for person in (other_station_manager, volunteer.user):
        with pytest.raises(ActivityError) as refused:
            document_event(past_event, summary="x", people_served=1, by=person)
        assert refused.value.code == "not_allowed" and refused.value.status_code == 403


def test_the_photo_files_are_jpegs_served_privately(station_manager, past_event):
    add_activity_photo(past_event, upload(photo_bytes()), by=station_manager)
    photo = ActivityPhoto.objects.get()
    response = client_for(station_manager).get(f"/api/v1/activity-photos/{photo.pk}/thumbnail/")
    assert response["Content-Type"] == "image/jpeg" and "private" in response["Cache-Control"]
    with Image.open(io.BytesIO(b"".join(response.streaming_content))) as image:
        assert max(image.size) == 400


def test_the_workbench_lists_undocumented_past_events_most_recent_first(client, settings, station_manager, tree):
    settings.ACTIVITY_MIN_PHOTOS = 1
    now = timezone.now()

    def past(days: int, **fields) -> Event:
        start = now - datetime.timedelta(days=days, hours=2)
        return make_event(tree["S1"], starts_at=start, ends_at=start + datetime.timedelta(hours=1), **fields)

    older, newer, documented = past(10, title="旧活动"), past(2, title="新活动"), past(5, title="已纪实")
    past(3, title="已取消", status=EventStatus.CANCELLED)
    make_event(
        tree["S2"],
        title="邻站活动",
        starts_at=now - datetime.timedelta(days=1, hours=2),
        ends_at=now - datetime.timedelta(days=1),
    )
    document_event(documented, summary="总结", people_served=3, by=station_manager)
    add_activity_photo(documented, upload(photo_bytes()), by=station_manager)
    client.force_login(station_manager)
    page = client.get("/workbench/").content.decode()
    section = page[page.index('id="undocumented"') :]
    assert section.index("新活动") < section.index("旧活动")
    assert "已纪实" not in section and "已取消" not in section and "邻站活动" not in section
    assert f"/events/{newer.pk}/record/" in section and f"/events/{older.pk}/record/" in section


def test_the_event_admin_shows_the_record_with_thumbnails_and_filters_documented_events(
    client, settings, station_manager, past_event
):
    settings.ACTIVITY_MIN_PHOTOS = 1
    other = make_event(past_event.unit, title="未纪实活动", starts_at=past_event.starts_at, ends_at=past_event.ends_at)
    document_event(past_event, summary="为老人理发 12 人次。", people_served=12, by=station_manager)
    photo = add_activity_photo(past_event, upload(photo_bytes()), by=station_manager)
    client.force_login(station_manager)
    page = client.get(f"/admin/events/event/{past_event.pk}/change/").content.decode()
    assert "为老人理发 12 人次。" in page
    assert f"/api/v1/activity-photos/{photo.pk}/thumbnail/" in page and "/media/" not in page
    assert f"/events/{past_event.pk}/record/" in page
    documented = client.get("/admin/events/event/?documented=yes").content.decode()
    assert past_event.title in documented and other.title not in documented
    assert other.title in client.get("/admin/events/event/?documented=no").content.decode()
