"""A certificate follows its records: when a counted record is rejected or its hours change, it needs review.

The clock is frozen in 2026 for every test here by tests/certificates/conftest.py's autouse
`in_2026`, so the fixed 2026 dates and numbers below hold on any day the suite runs."""

from datetime import date
from decimal import Decimal

import pytest

from certificates.models import Certificate, CountedRecord
from certificates.services import Coverage, issue_certificate, run_bulk_job, start_bulk_job
from events.models import RecordStatus, ServiceRecord
from tests.certificates.conftest import approved, event_on

UNDER_REVIEW_TEXT = "该证明所依据的服务记录已变更，正在核实"


@pytest.fixture
def two_records(tree, volunteer) -> list[ServiceRecord]:
    return [
        approved(event_on(tree["S1"], 1, "社区环境清洁"), volunteer, "2.00"),
        approved(event_on(tree["S1"], 2, "理论宣讲进社区"), volunteer, "1.50"),
    ]


@pytest.fixture
def certificate(tree, station_manager, volunteer, two_records) -> Certificate:
    coverage = Coverage(period_start=date(2026, 1, 1), period_end=date(2026, 12, 31))
    return issue_certificate(volunteer, tree["S1"], coverage, by=station_manager)


def verify(client, certificate: Certificate):
    return client.get(
        "/api/v1/certificates/verify/", {"number": certificate.number, "code": certificate.verification_code}
    )


def test_the_certificate_keeps_which_records_it_counted_and_their_hours(certificate, two_records):
    kept = set(CountedRecord.objects.filter(certificate=certificate).values_list("record_id", "hours"))
    assert kept == {(two_records[0].pk, Decimal("2.00")), (two_records[1].pk, Decimal("1.50"))}


def test_an_untouched_certificate_is_valid_and_not_listed_for_review(certificate, anon_client):
    assert not Certificate.objects.needing_review().exists()
    assert verify(anon_client, certificate).json()["status"] == "valid"


@pytest.mark.parametrize(
    "change",
    [{"status": RecordStatus.REJECTED}, {"status": RecordStatus.PENDING}, {"credited_hours": Decimal("6.00")}],
    ids=["rejected", "sent-back-for-review", "hours-changed"],
)
def test_a_changed_record_puts_the_certificate_under_review(certificate, two_records, anon_client, change):
    # However the record changed (API, admin, command): the state is derived, not hooked.
    ServiceRecord.objects.filter(pk=two_records[0].pk).update(**change)
    assert list(Certificate.objects.needing_review()) == [certificate]
    body = verify(anon_client, certificate).json()
    assert body["status"] == "under_review" and body["status_text"] == UNDER_REVIEW_TEXT


def test_the_verification_page_says_it_in_plain_chinese(certificate, two_records, client):
    ServiceRecord.objects.filter(pk=two_records[1].pk).update(status=RecordStatus.REJECTED)
    page = client.get(f"/verify/{certificate.number}?code={certificate.verification_code}")
    html = page.content.decode()
    assert page.status_code == 200 and UNDER_REVIEW_TEXT in html


def test_the_pdf_stays_frozen(certificate, two_records):
    stored = certificate.pdf.read()
    ServiceRecord.objects.filter(pk=two_records[0].pk).update(credited_hours=Decimal("9.00"))
    certificate.refresh_from_db()
    assert certificate.pdf.read() == stored and certificate.hours == Decimal("3.50")


def test_managers_list_the_certificates_to_review(certificate, two_records, tree, volunteer, station_manager_client):
    other = approved(event_on(tree["S1"], 3, "另一场活动"), volunteer, "1.00")
    untouched = issue_certificate(volunteer, tree["S1"], Coverage(event=other.event), by=certificate.issued_by)
    ServiceRecord.objects.filter(pk=two_records[0].pk).update(status=RecordStatus.REJECTED)
    listed = station_manager_client.get("/api/v1/certificates/", {"needs_review": "true"}).json()
    assert [row["number"] for row in listed["results"]] == [certificate.number]
    assert listed["results"][0]["needs_review"] is True and listed["results"][0]["status"] == "under_review"
    fine = station_manager_client.get(f"/api/v1/certificates/{untouched.pk}/").json()
    assert fine["needs_review"] is False and fine["status"] == "valid"


def test_another_stations_manager_does_not_see_them(certificate, two_records, other_station_manager):
    from tests.conftest import client_for

    ServiceRecord.objects.filter(pk=two_records[0].pk).update(status=RecordStatus.REJECTED)
    listed = client_for(other_station_manager).get("/api/v1/certificates/", {"needs_review": "true"}).json()
    assert listed["count"] == 0


def test_a_revoked_certificate_needs_no_review(certificate, two_records, station_manager_client):
    ServiceRecord.objects.filter(pk=two_records[0].pk).update(status=RecordStatus.REJECTED)
    station_manager_client.post(f"/api/v1/certificates/{certificate.pk}/revoke/", {"reason": "记录被驳回"})
    assert not Certificate.objects.needing_review().exists()


def test_reissue_revokes_and_certifies_the_records_as_they_are_now(
    certificate, two_records, station_manager_client, anon_client
):
    ServiceRecord.objects.filter(pk=two_records[0].pk).update(status=RecordStatus.REJECTED)
    response = station_manager_client.post(
        f"/api/v1/certificates/{certificate.pk}/reissue/", {"reason": "记录被驳回"}, format="json"
    )
    assert response.status_code == 201, response.content
    fresh = response.json()
    assert fresh["hours"] == "1.50" and fresh["record_count"] == 1 and fresh["status"] == "valid"
    assert fresh["number"] != certificate.number
    assert verify(anon_client, certificate).json()["status"] == "revoked"
    assert not Certificate.objects.needing_review().exists()


def test_reissue_without_approved_hours_left_changes_nothing(certificate, two_records, station_manager_client):
    ServiceRecord.objects.filter(pk__in=[r.pk for r in two_records]).update(status=RecordStatus.REJECTED)
    response = station_manager_client.post(
        f"/api/v1/certificates/{certificate.pk}/reissue/", {"reason": "记录被驳回"}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "no_hours"
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


def test_outsiders_cannot_reissue(certificate, volunteer_client, other_station_manager):
    from tests.conftest import client_for

    body = {"reason": "x"}
    assert volunteer_client.post(f"/api/v1/certificates/{certificate.pk}/reissue/", body).status_code == 403
    other = client_for(other_station_manager).post(f"/api/v1/certificates/{certificate.pk}/reissue/", body)
    assert other.status_code == 404


def test_bulk_issued_certificates_keep_their_records_too(tree, station_manager, volunteer, two_records):
    job, _created = start_bulk_job(tree["S1"], date(2026, 1, 1), date(2026, 12, 31), by=station_manager)
    run_bulk_job(job.pk)
    issued = Certificate.objects.get(bulk_job=job)
    assert issued.counted_records.count() == 2
    ServiceRecord.objects.filter(pk=two_records[1].pk).update(credited_hours=Decimal("0.50"))
    assert list(Certificate.objects.needing_review()) == [issued]


def test_the_list_reads_the_review_state_in_one_query(certificate, two_records, station_manager_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    station_manager_client.get("/api/v1/certificates/")  # warm up the per-process caches
    counts = []
    for _ in range(2):  # the fewer of two: a stray query of the test process is not the list's
        with CaptureQueriesContext(connection) as queries:
            station_manager_client.get("/api/v1/certificates/")
        counts.append(len(queries))
    many = min(counts)
    for record in two_records:
        issue_certificate(
            certificate.volunteer,
            certificate.unit,
            Coverage(event=record.event),
            by=certificate.issued_by,
        )
    with CaptureQueriesContext(connection) as queries:
        station_manager_client.get("/api/v1/certificates/")
    assert len(queries) <= many, [q["sql"][:150] for q in queries.captured_queries]
