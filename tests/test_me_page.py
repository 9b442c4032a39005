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
