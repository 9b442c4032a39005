"""The request body limit: 5 MB in general, room for a full-size photo on the photo uploads."""

import datetime
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from PIL import Image

from backend.request_limits import PHOTO_UPLOADS
from events.models import ActivityPhoto
from events.photos import MAX_PHOTO_BYTES
from tests.conftest import client_for
from tests.events.conftest import make_event

MB = 1024 * 1024


def photo_of(size: int, name: str = "IMG_0001.jpg") -> SimpleUploadedFile:
    """A real JPEG padded to ``size`` bytes (Pillow ignores what follows the image)."""
    out = io.BytesIO()
    Image.new("RGB", (80, 60), "red").save(out, format="JPEG")
    data = out.getvalue()
    return SimpleUploadedFile(name, data + b"\0" * (size - len(data)), content_type="image/jpeg")


@pytest.fixture
def past_event(tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    now = timezone.now()
    return make_event(
        tree["S1"], starts_at=now - datetime.timedelta(hours=3), ends_at=now - datetime.timedelta(hours=1)
    )


def api_photos(event) -> str:
    return reverse("event-activity-photos", args=[event.pk])


def test_a_photo_at_the_5_mb_limit_goes_up_though_the_body_is_over_the_general_limit(
    settings, station_manager, past_event
):
    photo = photo_of(MAX_PHOTO_BYTES)
    response = client_for(station_manager).post(api_photos(past_event), {"photos": [photo]}, format="multipart")
    assert int(response.request["CONTENT_LENGTH"]) > settings.MAX_REQUEST_BODY_BYTES
    assert response.status_code == 201 and response.json()["photo_count"] == 1


def test_a_photo_over_5_mb_is_answered_in_chinese_not_with_413(station_manager, past_event):
    response = client_for(station_manager).post(
        api_photos(past_event), {"photos": [photo_of(6 * MB)]}, format="multipart"
    )
    assert response.status_code == 400 and "5 MB" in response.json()["detail"]
    assert not ActivityPhoto.objects.exists()


def test_the_activity_record_page_answers_a_big_photo_with_its_own_message(client, station_manager, past_event):
    client.force_login(station_manager)
    response = client.post(reverse("event-record-photo-upload", args=[past_event.pk]), {"photos": [photo_of(6 * MB)]})
    assert response.status_code == 400 and "5 MB" in json.dumps(response.json(), ensure_ascii=False)


@pytest.mark.parametrize("name", sorted(PHOTO_UPLOADS))
def test_every_photo_upload_takes_a_body_over_the_general_limit(client, db, name):
    try:
        url = reverse(name)
    except NoReverseMatch:
        url = reverse(name, args=[1])
    response = client.post(url, {"photo": photo_of(6 * MB)})
    assert response.status_code != 413, (name, response.status_code)


def test_a_photo_form_over_the_photo_limit_is_refused(settings, station_manager, past_event):
    settings.PHOTO_REQUEST_BODY_BYTES = 8 * MB
    response = client_for(station_manager).post(
        api_photos(past_event), {"photos": [photo_of(4 * MB), photo_of(5 * MB)]}, format="multipart"
    )
    assert response.status_code == 413 and response.json()["code"] == "too_large"


def test_elsewhere_and_as_json_the_general_limit_holds(anon_client, station_manager, db):
    form = anon_client.post("/api/v1/volunteers/register/", {"photo": photo_of(6 * MB)}, format="multipart")
    assert form.status_code == 413
    body = json.dumps({"description": "长" * (6 * MB // 3)})
    as_json = client_for(station_manager).post("/api/v1/orders/", body, content_type="application/json")
    assert as_json.status_code == 413
