import datetime

from django.utils import timezone

from certificates.services import Coverage, issue_certificate
from events.models import Method
from events.services import approve_record, record_scan
from tests.events.conftest import make_event


def test_my_page_shows_hours_records_and_certificates(client, settings, tmp_path, tree, volunteer, admin_user):
    settings.MEDIA_ROOT = tmp_path
    start = timezone.now() - datetime.timedelta(days=1)
    event = make_event(tree["S1"], title="周末助老", starts_at=start, ends_at=start + datetime.timedelta(hours=2))
    record_scan(volunteer, event, "in", method=Method.EVENT_QR, at=event.starts_at)
    record, _ = record_scan(volunteer, event, "out", method=Method.EVENT_QR, at=event.ends_at)
    approve_record(record, by=admin_user)
    certificate = issue_certificate(volunteer, tree["S1"], Coverage(event=event), by=admin_user)
    client.force_login(volunteer.user)
    html = client.get("/me/").content.decode()
    assert "2.00" in html and "周末助老" in html and "已通过" in html
    assert certificate.number in html and f"/api/v1/certificates/{certificate.pk}/pdf/" in html
    assert client.get(f"/api/v1/certificates/{certificate.pk}/pdf/")["Content-Type"] == "application/pdf"


def test_my_page_needs_a_login(client, db):
    assert client.get("/me/")["Location"].startswith("/login/?next=/me/")


def test_my_page_shows_progress_to_the_next_star_and_asks_for_a_certificate_once(
    client, settings, tree, volunteer, admin_user
):
    start = timezone.now() - datetime.timedelta(days=1)
    event = make_event(tree["S1"], title="周末助老", starts_at=start, ends_at=start + datetime.timedelta(hours=2))
    record_scan(volunteer, event, "in", method=Method.EVENT_QR, at=event.starts_at)
    record, _ = record_scan(volunteer, event, "out", method=Method.EVENT_QR, at=event.ends_at)
    approve_record(record, by=admin_user)
    client.force_login(volunteer.user)
    html = client.get("/me/").content.decode()
    assert "距 1 星级（100 小时）还差 98.00 小时" in html
    assert "按组织单位查看时长" in html and "S1 单位" in html
    assert f'name="event" value="{event.pk}"' in html
    response = client.post("/me/certificate-requests/", {"event": event.pk}, follow=True)
    html = response.content.decode()
    assert "申请已提交给S1 单位" in html and f'name="event" value="{event.pk}"' not in html
    assert client.post("/me/certificate-requests/", {"event": event.pk}, follow=True).status_code == 200
    from certificates.models import CertificateRequest

    assert CertificateRequest.objects.count() == 1


def test_asking_for_a_period_without_hours_says_why(client, tree, volunteer):
    client.force_login(volunteer.user)
    response = client.post(
        "/me/certificate-requests/",
        {"unit": tree["S1"].pk, "period_start": "2026-01-01", "period_end": "2026-12-31"},
        follow=True,
    )
    assert response.status_code == 200 and "messages" in response.content.decode()
    bad = client.post("/me/certificate-requests/", {"period_start": "9999-99-99"}, follow=True)
    assert bad.status_code == 200


def test_a_manager_may_not_ask_for_a_certificate_without_a_volunteer_profile(client, station_manager, tree):
    client.force_login(station_manager)
    response = client.post("/me/certificate-requests/", {"unit": tree["S1"].pk})
    assert response.status_code == 302
    from certificates.models import CertificateRequest

    assert not CertificateRequest.objects.exists()
