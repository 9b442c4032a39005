"""Certificates in the admin: issue, revoke with a reason, answer requests, bulk jobs with downloads.

The clock is frozen at noon of 2026-12-05, the tests' event day, by tests/admin/conftest.py's autouse
``after_the_event``: the fixed dates below are that day's and its year's.
"""

import datetime

from certificates.models import BulkIssueJob, Certificate, CertificateRequest, JobStatus, RequestStatus
from certificates.services import Coverage, issue_certificate, request_certificate
from tests.admin.conftest import page
from tests.certificates.conftest import approved, event_on

YEAR = {"period_start": "2026-01-01", "period_end": "2026-12-31"}


def test_a_manager_issues_a_certificate_from_the_volunteers_list(client, station_manager, tree, volunteer):
    approved(event_on(tree["S1"], 1), volunteer, hours="3.00")
    client.force_login(station_manager)
    ask = client.post(
        "/admin/volunteers/volunteer/", {"action": "issue_to_volunteers", "_selected_action": [volunteer.pk]}
    )
    assert 'name="period_start"' in page(ask)
    response = client.post(
        "/admin/volunteers/volunteer/",
        {
            "action": "issue_to_volunteers",
            "_selected_action": [volunteer.pk],
            "apply": "1",
            "unit": tree["S1"].pk,
            **YEAR,
        },
        follow=True,
    )
    certificate = Certificate.objects.get()
    assert certificate.volunteer == volunteer and certificate.hours == 3 and certificate.issued_by == station_manager
    assert "已出具 1 份证明" in page(response)


def test_a_period_ending_before_it_starts_is_a_form_error(client, station_manager, tree, volunteer):
    client.force_login(station_manager)
    response = client.post(
        f"/admin/volunteers/volunteer/{volunteer.pk}/issue_certificate/",
        {"unit": tree["S1"].pk, "period_start": "2026-12-31", "period_end": "2026-01-01"},
    )
    assert response.status_code == 200 and "errorlist" in page(response)
    assert not Certificate.objects.exists()


def test_issuing_for_selected_records_of_one_event_makes_an_event_certificate(client, station_manager, tree, volunteer):
    event = event_on(tree["S1"], 2, title="助老送餐")
    record = approved(event, volunteer)
    client.force_login(station_manager)
    client.post(
        "/admin/events/servicerecord/",
        {"action": "issue_for_records", "_selected_action": [record.pk], "apply": "1", "unit": tree["S1"].pk},
    )
    certificate = Certificate.objects.get()
    assert certificate.event == event and certificate.scope == "event"


def test_no_hours_is_refused_in_chinese(client, station_manager, tree, volunteer):
    client.force_login(station_manager)
    response = client.post(
        "/admin/volunteers/volunteer/",
        {
            "action": "issue_to_volunteers",
            "_selected_action": [volunteer.pk],
            "apply": "1",
            "unit": tree["S1"].pk,
            **YEAR,
        },
        follow=True,
    )
    assert "李四：" in page(response) and not Certificate.objects.exists()


def test_revoking_asks_for_a_reason_and_nothing_is_deleted(client, station_manager, tree, volunteer):
    approved(event_on(tree["S1"], 1), volunteer)
    period = Coverage(period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 12, 31))
    certificate = issue_certificate(volunteer, tree["S1"], period, by=station_manager)
    client.force_login(station_manager)
    detail = page(client.get(f"/admin/certificates/certificate/{certificate.pk}/change/"))
    assert f"/api/v1/certificates/{certificate.pk}/pdf/" in detail and "/revoke/" in detail
    url = f"/admin/certificates/certificate/{certificate.pk}/revoke/"
    assert client.post(url, {"reason": " "}).status_code == 200
    assert client.post(url, {"reason": "信息有误"}).status_code == 302
    certificate.refresh_from_db()
    assert certificate.is_revoked and certificate.revoke_reason == "信息有误"
    assert client.get(f"/admin/certificates/certificate/{certificate.pk}/delete/").status_code == 403


def test_a_request_is_declined_with_a_reason_and_another_accepted(
    client, station_manager, tree, volunteer, other_volunteer
):
    approved(event_on(tree["S1"], 1), volunteer)
    approved(event_on(tree["S1"], 2), other_volunteer)
    period = Coverage(period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 12, 31))
    declined = request_certificate(volunteer, tree["S1"], period, purpose="评优")
    accepted = request_certificate(other_volunteer, tree["S1"], period, purpose="升学")
    client.force_login(station_manager)
    client.post(f"/admin/certificates/certificaterequest/{declined.pk}/decline/", {"reason": "请改为申请单次活动证明"})
    client.post(f"/admin/certificates/certificaterequest/{accepted.pk}/accept/")
    declined.refresh_from_db()
    accepted.refresh_from_db()
    assert declined.status == RequestStatus.DECLINED and declined.decline_reason == "请改为申请单次活动证明"
    assert accepted.status == RequestStatus.ISSUED and accepted.certificate.volunteer == other_volunteer
    assert CertificateRequest.objects.count() == 2


def test_a_bulk_job_starts_from_the_admin_and_its_page_shows_progress_and_downloads(
    client, station_manager, tree, volunteer, other_volunteer, django_capture_on_commit_callbacks
):
    approved(event_on(tree["S1"], 1), volunteer)
    approved(event_on(tree["S1"], 2), other_volunteer)
    client.force_login(station_manager)
    assert 'name="period_start"' in page(client.get("/admin/certificates/bulkissuejob/add/"))
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post("/admin/certificates/bulkissuejob/add/", {"unit": tree["S1"].pk, **YEAR, "remarks": ""})
    response = client.get(started["Location"])
    job = BulkIssueJob.objects.get()
    assert job.status == JobStatus.FINISHED and job.issued == 2
    html = page(response)
    assert "2 / 2" in html or "2 of 2" in html or "已处理 2" in html
    assert f"/api/v1/certificate-jobs/{job.pk}/zip/" in html
    assert client.get(f"/api/v1/certificate-jobs/{job.pk}/zip/").status_code == 200


def test_an_outsider_cannot_start_a_job_for_another_unit(client, other_station_manager, tree):
    client.force_login(other_station_manager)
    response = client.post("/admin/certificates/bulkissuejob/add/", {"unit": tree["S1"].pk, **YEAR})
    assert response.status_code == 200 and not BulkIssueJob.objects.exists()


def test_certificates_whose_records_changed_are_listed_for_review(
    client, station_manager, center_manager, tree, volunteer, other_volunteer
):
    from events.services import reject_record

    record = approved(event_on(tree["S1"], 1), volunteer)
    approved(event_on(tree["S1"], 2), other_volunteer)
    period = Coverage(period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 12, 31))
    changed = issue_certificate(volunteer, tree["S1"], period, by=station_manager)
    steady = issue_certificate(other_volunteer, tree["S1"], period, by=station_manager)
    reject_record(record, by=center_manager, reason="未到岗")
    client.force_login(station_manager)
    review = page(client.get("/admin/certificates/certificate/?validity=review"))
    assert changed.number in review and steady.number not in review and "待核实" in review
    response = client.post(
        "/admin/certificates/certificate/",
        {"action": "revoke_selected", "_selected_action": [changed.pk], "apply": "1", "reason": "服务记录已驳回"},
    )
    assert response.status_code == 302
    changed.refresh_from_db()
    assert changed.is_revoked
    assert changed.number not in page(client.get("/admin/certificates/certificate/?validity=review"))
