"""The manager's phone page for an event's activity record (活动纪实): /events/<id>/record/."""

import datetime
import re

import pytest
from django.utils import timezone

from events.activity import add_activity_photo
from events.models import ActivityPhoto, ActivityRecord
from tests.events.conftest import make_event
from tests.events.test_activity_records import phone_exif, photo_bytes, upload


@pytest.fixture(autouse=True)
def photo_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def past_event(tree):
    now = timezone.now()
    return make_event(
        tree["S1"], starts_at=now - datetime.timedelta(hours=3), ends_at=now - datetime.timedelta(hours=1)
    )


def test_a_manager_documents_an_event_from_the_phone_page(client, station_manager, past_event):
    client.force_login(station_manager)
    url = f"/events/{past_event.pk}/record/"
    page = client.get(url).content.decode()
    assert "活动纪实" in page and 'accept="image/*"' in page and "multiple" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), "no inline scripts"
    photos = [upload(photo_bytes("HEIF", exif=phone_exif()), "IMG_0001.HEIC"), upload(photo_bytes(), "b.jpg")]
    response = client.post(url, {"summary": "为 30 位老人义诊。", "people_served": "30", "photos": photos})
    assert response.status_code == 302 and response["Location"] == url
    record = ActivityRecord.objects.get(event=past_event)
    assert record.summary == "为 30 位老人义诊。" and record.people_served == 30 and record.photos.count() == 2
    page = client.get(url).content.decode()
    assert "活动纪实已保存" in page and "拍摄于 2026-03-14 15:09" in page
    thumbnail = f"/api/v1/activity-photos/{record.photos.first().pk}/thumbnail/"
    assert thumbnail in page and "/media/" not in page
    assert client.get(thumbnail)["Content-Type"] == "image/jpeg"


def test_a_bad_file_is_answered_on_the_page_in_chinese(client, station_manager, past_event):
    client.force_login(station_manager)
    url = f"/events/{past_event.pk}/record/"
    response = client.post(url, {"summary": "总结", "photos": [upload(b"not an image", "x.jpg")]})
    assert response.status_code == 400 and "请上传照片" in response.content.decode()
    assert not ActivityPhoto.objects.exists()


def test_a_wrong_number_of_people_is_a_form_error(client, station_manager, past_event):
    client.force_login(station_manager)
    response = client.post(f"/events/{past_event.pk}/record/", {"summary": "x", "people_served": "-5"})
    assert response.status_code == 400 and "errorlist" in response.content.decode()


def test_the_script_uploads_photos_one_at_a_time(client, station_manager, past_event):
    client.force_login(station_manager)
    url = f"/events/{past_event.pk}/record/photos/"
    added = client.post(url, {"photos": [upload(photo_bytes())]})
    assert added.status_code == 201 and added.json() == {"ok": True, "added": 1}
    refused = client.post(url, {"photos": [upload(b"GIF89a", "x.gif")]})
    assert refused.status_code == 400 and "请上传照片" in refused.json()["message"]


def test_the_delete_button_removes_a_photo(client, station_manager, past_event):
    photo = add_activity_photo(past_event, upload(photo_bytes()), by=station_manager)
    client.force_login(station_manager)
    response = client.post(f"/events/{past_event.pk}/record/photos/{photo.pk}/delete/")
    assert response.status_code == 302 and not ActivityPhoto.objects.exists()


def test_outsiders_cannot_open_the_page_upload_or_delete(
    client, station_manager, other_station_manager, volunteer, past_event
):
    photo = add_activity_photo(past_event, upload(photo_bytes()), by=station_manager)
    base = f"/events/{past_event.pk}/record/"
    delete = f"{base}photos/{photo.pk}/delete/"
    files = f"/api/v1/activity-photos/{photo.pk}/image/"
    assert client.get(base)["Location"].startswith("/login/")
    assert client.post(delete)["Location"].startswith("/login/")
    assert client.get(files).status_code in (401, 403)
    for outsider in (other_station_manager, volunteer.user):
        client.force_login(outsider)
        assert client.get(base).status_code == 404
        assert client.post(base, {"summary": "改"}).status_code == 404
        assert client.post(f"{base}photos/", {"photos": [upload(photo_bytes())]}).status_code == 404
        assert client.post(delete).status_code == 404
        assert client.get(files).status_code in (403, 404)
    assert ActivityPhoto.objects.count() == 1 and ActivityRecord.objects.get().summary == ""


def test_the_event_page_links_the_record_for_its_managers_only(client, station_manager, volunteer, past_event):
    client.force_login(station_manager)
    assert f"/events/{past_event.pk}/record/" in client.get(f"/events/{past_event.pk}/").content.decode()
    client.force_login(volunteer.user)
    assert f"/events/{past_event.pk}/record/" not in client.get(f"/events/{past_event.pk}/").content.decode()
