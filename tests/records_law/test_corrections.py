"""Corrections the volunteer starts (志愿服务记录与证明出具办法 art. 13), through the four-eyes rule."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from events.choices import RecordFlag
from events.models import CorrectionRequest, RecordStatus, Signup, SignupStatus
from tests.conftest import client_for, make_manager
from tests.records_law.conftest import attended, past_event

DAY = datetime.date(2026, 11, 20)


@pytest.fixture
def forgot_to_check_out(tree, volunteer):
    """A record closed without check-out: zero hours, flagged, waiting."""
    record = attended(past_event(tree["S1"], DAY), volunteer, out=False)
    record.flag, record.credited_hours = RecordFlag.MISSING_CHECKOUT, Decimal("0.00")
    record.save()
    return record


def test_a_missing_check_out_corrected_at_the_volunteers_request_needs_a_second_manager(
    django_user_model, tree, volunteer, station_manager, forgot_to_check_out, on_day
):
    record = forgot_to_check_out
    second = make_manager(django_user_model, tree["I1"], "复核人")
    with on_day(DAY + datetime.timedelta(days=3)):
        asked = client_for(volunteer.user).post(
            "/api/v1/correction-requests/",
            {"record": record.pk, "checked_out_at": record.event.ends_at.isoformat(), "reason": "忘记签退"},
            format="json",
        )
        assert asked.status_code == 201, asked.content
        assert asked.json()["kind"] == "correct" and asked.json()["status_display"] == "待单位核实"
        request_id = asked.json()["id"]

        approved = client_for(station_manager).post(f"/api/v1/correction-requests/{request_id}/approve/")
        assert approved.status_code == 200, approved.content
        record.refresh_from_db()
        assert (record.status, record.credited_hours) == (RecordStatus.PENDING, Decimal("2.00"))
        assert record.history.last().action == "correct_times"

        # The manager who applied the correction may not approve its hours.
        own = client_for(station_manager).post(f"/api/v1/records/{record.pk}/approve/")
        assert own.status_code == 403 and own.json()["code"] == "self_review"
        assert client_for(second).post(f"/api/v1/records/{record.pk}/approve/").status_code == 200

    record.refresh_from_db()
    assert record.status == RecordStatus.APPROVED
    mine = client_for(volunteer.user).get("/api/v1/correction-requests/").json()["results"]
    assert [(row["status"], row["status_display"]) for row in mine] == [("approved", "已通过")]


def test_a_volunteer_asks_to_add_a_missing_record_which_lands_pending(tree, volunteer, station_manager, on_day):
    event = past_event(tree["S1"], DAY)
    Signup.objects.create(event=event, volunteer=volunteer, status=SignupStatus.CONFIRMED, queued_at=event.starts_at)
    with on_day(DAY + datetime.timedelta(days=1)):
        asked = client_for(volunteer.user).post(
            "/api/v1/correction-requests/",
            {
                "event": event.pk,
                "checked_in_at": event.starts_at.isoformat(),
                "checked_out_at": event.ends_at.isoformat(),
                "reason": "手机没电未能扫码",
            },
            format="json",
        )
        assert asked.status_code == 201, asked.content
        approved = client_for(station_manager).post(f"/api/v1/correction-requests/{asked.json()['id']}/approve/")
    assert approved.status_code == 200
    correction = CorrectionRequest.objects.get()
    assert correction.record.status == RecordStatus.PENDING and correction.record.created_by == station_manager


def test_the_unit_declines_with_a_reason_the_volunteer_reads(volunteer, station_manager, forgot_to_check_out):
    correction = (
        client_for(volunteer.user)
        .post(
            "/api/v1/correction-requests/",
            {
                "record": forgot_to_check_out.pk,
                "checked_out_at": forgot_to_check_out.event.ends_at.isoformat(),
                "reason": "忘签退",
            },
            format="json",
        )
        .json()
    )
    no_reason = client_for(station_manager).post(f"/api/v1/correction-requests/{correction['id']}/decline/", {})
    assert no_reason.status_code == 400
    declined = client_for(station_manager).post(
        f"/api/v1/correction-requests/{correction['id']}/decline/", {"reason": "签到表上没有您的签名"}, format="json"
    )
    assert declined.status_code == 200
    mine = client_for(volunteer.user).get(f"/api/v1/correction-requests/{correction['id']}/").json()
    assert (mine["status_display"], mine["decline_reason"]) == ("已拒绝", "签到表上没有您的签名")
    again = client_for(station_manager).post(f"/api/v1/correction-requests/{correction['id']}/approve/")
    assert again.status_code == 409
    forgot_to_check_out.refresh_from_db()
    assert forgot_to_check_out.checked_out_at is None


def test_outsiders_cannot_ask_for_see_or_decide_a_correction(
    volunteer, other_volunteer, other_station_manager, station_manager, forgot_to_check_out
):
    body = {
        "record": forgot_to_check_out.pk,
        "checked_out_at": forgot_to_check_out.event.ends_at.isoformat(),
        "reason": "x",
    }
    # Someone else's record is answered like an unknown one; a manager without a volunteer profile is refused.
    assert client_for(other_volunteer.user).post("/api/v1/correction-requests/", body, format="json").status_code == 400
    assert client_for(station_manager).post("/api/v1/correction-requests/", body, format="json").status_code == 403
    correction = client_for(volunteer.user).post("/api/v1/correction-requests/", body, format="json").json()
    url = f"/api/v1/correction-requests/{correction['id']}/"
    assert client_for(other_volunteer.user).get(url).status_code == 404
    assert client_for(other_station_manager).get(url).status_code == 404
    assert client_for(other_station_manager).post(f"{url}approve/").status_code == 404
    assert client_for(volunteer.user).post(f"{url}approve/").status_code == 403
    assert CorrectionRequest.objects.get().status == "pending"


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (4000, 3000), "red")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "PhoneCamera 1.0"  # Software
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_a_photo_is_re_encoded_without_exif_under_a_random_name_and_served_only_to_those_concerned(
    settings, volunteer, other_volunteer, station_manager, forgot_to_check_out
):
    upload = SimpleUploadedFile("IMG_0001.jpg", jpeg_with_exif(), content_type="image/jpeg")
    asked = client_for(volunteer.user).post(
        "/api/v1/correction-requests/",
        {
            "record": forgot_to_check_out.pk,
            "checked_out_at": forgot_to_check_out.event.ends_at.isoformat(),
            "reason": "附签到表照片",
            "photo": upload,
        },
        format="multipart",
    )
    assert asked.status_code == 201, asked.content
    assert asked.json()["has_photo"] is True and "photo" not in asked.json()
    stored = CorrectionRequest.objects.get().photo
    assert "IMG_0001" not in stored.name and len(stored.name.rsplit("/", 1)[-1]) > 30
    with Image.open(stored.open("rb")) as image:
        assert max(image.size) == 2000 and not image.getexif()
    url = f"/api/v1/correction-requests/{asked.json()['id']}/photo/"
    response = client_for(station_manager).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert client_for(other_volunteer.user).get(url).status_code == 404
    assert client_for(None).get(f"/{settings.MEDIA_URL}{stored.name}").status_code == 404


def test_a_file_that_is_not_a_photo_is_refused_in_chinese(volunteer, forgot_to_check_out):
    upload = SimpleUploadedFile("x.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    response = client_for(volunteer.user).post(
        "/api/v1/correction-requests/",
        {
            "record": forgot_to_check_out.pk,
            "checked_out_at": forgot_to_check_out.event.ends_at.isoformat(),
            "reason": "x",
            "photo": upload,
        },
        format="multipart",
    )
    assert response.status_code == 400 and "photo" in response.json()
    assert re.search("[\u4e00-\u9fff]", response.json()["photo"][0]), response.json()
    assert not CorrectionRequest.objects.exists()


def test_a_photo_with_too_many_pixels_is_refused(volunteer, forgot_to_check_out):
    out = io.BytesIO()
    Image.new("L", (8000, 6000)).save(out, format="PNG")  # 48 megapixels, a few kilobytes
    upload = SimpleUploadedFile("big.png", out.getvalue(), content_type="image/png")
    response = client_for(volunteer.user).post(
        "/api/v1/correction-requests/",
        {
            "record": forgot_to_check_out.pk,
            "checked_out_at": forgot_to_check_out.event.ends_at.isoformat(),
            "reason": "x",
            "photo": upload,
        },
        format="multipart",
    )
    assert response.status_code == 400 and response.json()["photo"] == ["照片像素过多，请缩小后再上传。"]


def test_an_approval_that_would_double_count_is_refused_and_the_request_stays_open(
    tree, volunteer, station_manager, forgot_to_check_out, on_day
):
    record = forgot_to_check_out
    later = past_event(tree["S1"], DAY, title="下午活动")
    later.starts_at, later.ends_at = record.event.ends_at, record.event.ends_at + datetime.timedelta(hours=2)
    later.save()
    attended(later, volunteer)
    with on_day(DAY + datetime.timedelta(days=1)):
        asked = client_for(volunteer.user).post(
            "/api/v1/correction-requests/",
            # Within the check-out window (an hour after the end), into the afternoon's record.
            {
                "record": record.pk,
                "checked_out_at": (record.event.ends_at + datetime.timedelta(minutes=45)).isoformat(),
                "reason": "一直在场",
            },
            format="json",
        )
        response = client_for(station_manager).post(f"/api/v1/correction-requests/{asked.json()['id']}/approve/")
    assert response.status_code == 409 and response.json()["code"] == "overlapping"
    assert CorrectionRequest.objects.get().status == "pending"


def test_a_missing_record_cannot_be_asked_for_where_one_exists(tree, volunteer, forgot_to_check_out):
    event = forgot_to_check_out.event
    response = client_for(volunteer.user).post(
        "/api/v1/correction-requests/",
        {
            "event": event.pk,
            "checked_in_at": event.starts_at.isoformat(),
            "checked_out_at": event.ends_at.isoformat(),
            "reason": "补录",
        },
        format="json",
    )
    assert response.status_code == 409 and response.json()["detail"] == "您在此活动中已有服务记录，请申请更正该记录。"
