"""Public verification: the JSON endpoint and the page the QR code opens."""

import pytest

from accounts.throttles import ScopedThrottle
from certificates.services import Coverage, issue_certificate, revoke_certificate
from tests.certificates.conftest import approved, event_on


@pytest.fixture
def certificate(tree, station_manager, volunteer):
    approved(event_on(tree["S1"], 1), volunteer, "2.50")
    event = volunteer.service_records.get().event
    return issue_certificate(volunteer, tree["S1"], Coverage(event=event), by=station_manager)


def verify(client, number: str, code: str):
    return client.get("/api/v1/certificates/verify/", {"number": number, "code": code})


def test_a_valid_certificate_verifies_with_a_masked_name_and_no_id_number(anon_client, certificate, volunteer):
    response = verify(anon_client, certificate.number, certificate.verification_code)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "valid" and body["volunteer_name"] == "李*"
    assert body["hours"] == "2.50" and body["unit_name"] == "S1 单位" and body["event_title"] == "社区环境清洁"
    assert volunteer.id_number not in response.content.decode() and "李四" not in response.content.decode()


def test_the_code_is_read_case_insensitively(anon_client, certificate):
    assert verify(anon_client, certificate.number, certificate.verification_code.lower()).status_code == 200


def test_a_revoked_certificate_says_so_with_reason_and_date(anon_client, certificate, station_manager):
    revoke_certificate(certificate, by=station_manager, reason="服务记录有误")
    body = verify(anon_client, certificate.number, certificate.verification_code).json()
    assert body["status"] == "revoked" and body["revoke_reason"] == "服务记录有误" and body["revoked_on"]


def test_a_wrong_code_and_an_unknown_number_look_the_same(anon_client, certificate):
    wrong_code = verify(anon_client, certificate.number, "ABCDEFGHJK23")
    unknown = verify(anon_client, "C-2026-999999", certificate.verification_code)
    assert wrong_code.status_code == unknown.status_code == 404
    assert wrong_code.json() == unknown.json() == {"code": "not_found", "detail": unknown.json()["detail"]}


def test_a_missing_code_is_a_field_error(anon_client, certificate):
    assert anon_client.get("/api/v1/certificates/verify/", {"number": certificate.number}).status_code == 400


def test_the_page_says_valid_then_revoked(client, certificate, station_manager):
    url = f"/verify/{certificate.number}?code={certificate.verification_code}"
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and "有效" in html and "李*" in html and "李四" not in html
    revoke_certificate(certificate, by=station_manager, reason="重复出具")
    html = client.get(url).content.decode()
    assert "已撤销" in html and "重复出具" in html


def test_the_page_says_not_found_for_a_wrong_code(client, certificate):
    page = client.get(f"/verify/{certificate.number}?code=WRONGCODE2")
    assert page.status_code == 404 and "未找到" in page.content.decode()
    assert certificate.volunteer_name not in page.content.decode()


def test_verification_is_throttled_per_address(anon_client, client, certificate, monkeypatch):
    monkeypatch.setattr(ScopedThrottle, "THROTTLE_RATES", {**ScopedThrottle.THROTTLE_RATES, "verify": "3/minute"})
    statuses = [verify(anon_client, certificate.number, "X").status_code for _ in range(3)]
    assert statuses == [404, 404, 404]
    assert verify(anon_client, certificate.number, certificate.verification_code).status_code == 429
    page = client.get(f"/verify/{certificate.number}?code={certificate.verification_code}")
    assert page.status_code == 429
