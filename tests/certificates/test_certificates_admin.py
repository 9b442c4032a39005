"""Certificates in the admin. Dates are 2026's: tests/certificates/conftest.py's autouse ``in_2026``
freezes the clock on 2026-12-05."""

from certificates.models import Certificate, CertificateRequest, RequestStatus
from certificates.services import Coverage, issue_certificate, request_certificate
from tests.certificates.conftest import approved, event_on


def period():
    import datetime

    return Coverage(period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 12, 31))


def test_a_manager_sees_their_certificates_and_revokes_in_the_admin(
    client, station_manager, center_manager, tree, volunteer, other_volunteer
):
    approved(event_on(tree["S1"], 1), volunteer)
    other = other_volunteer
    approved(event_on(tree["S2"], 1), other)
    mine = issue_certificate(volunteer, tree["S1"], period(), by=station_manager)
    theirs = issue_certificate(other, tree["S2"], period(), by=center_manager)
    client.force_login(station_manager)
    html = client.get("/admin/certificates/certificate/").content.decode()
    assert mine.number in html and theirs.number not in html
    assert f"/api/v1/certificates/{mine.pk}/pdf/" in html
    response = client.post(
        "/admin/certificates/certificate/",
        {"action": "revoke_selected", "_selected_action": [mine.pk, theirs.pk], "apply": "1", "reason": "重复出具"},
        follow=True,
    )
    assert "已撤销 1 份证明" in response.content.decode()
    assert Certificate.objects.get(pk=mine.pk).is_revoked and not Certificate.objects.get(pk=theirs.pk).is_revoked
    assert client.get(f"/admin/certificates/certificate/{mine.pk}/delete/").status_code == 403


def test_a_manager_accepts_a_request_in_the_admin(client, station_manager, tree, volunteer):
    approved(event_on(tree["S1"], 1), volunteer)
    request = request_certificate(volunteer, tree["S1"], period(), purpose="就业")
    client.force_login(station_manager)
    response = client.post(
        "/admin/certificates/certificaterequest/",
        {"action": "accept_selected", "_selected_action": [request.pk]},
        follow=True,
    )
    assert "已出具 1 份证明" in response.content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.ISSUED and request.certificate.volunteer == volunteer
    assert CertificateRequest.objects.count() == 1
