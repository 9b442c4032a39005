"""A manager issues a certificate: what it says, its PDF, its number and code, and what it refuses.

Dates are 2026's: tests/certificates/conftest.py's autouse ``in_2026`` freezes the clock on 2026-12-05."""

import hashlib
from decimal import Decimal

import pytest

from certificates.models import Certificate
from certificates.services import CODE_ALPHABET, Coverage, issue_certificate
from events.models import RecordStatus
from tests.certificates.conftest import (
    PERIOD,
    approved,
    decode_qr_in_pdf,
    event_on,
    glyphs_of,
    pdf_fonts,
    pdf_page_count,
    pdf_text,
)
from tests.conftest import make_volunteer


def issue(client, volunteer, unit, **fields):
    scope = PERIOD if not {"event", "period_start", "period_end"} & set(fields) else {}
    body = {"volunteer": volunteer.pk, "unit": unit.pk, **scope, **fields}
    return client.post("/api/v1/certificates/", body, format="json")


def download(client, certificate_id: int) -> bytes:
    response = client.get(f"/api/v1/certificates/{certificate_id}/pdf/")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_a_manager_issues_a_certificate_of_the_stations_approved_hours(station_manager_client, tree, served):
    response = issue(station_manager_client, served, tree["S1"], handler_name="李经办", remarks="用于升学")
    assert response.status_code == 201, response.content
    body = response.json()
    # Only the station's approved hours: not S2's, not the other center's, not the pending record.
    assert Decimal(body["hours"]) == Decimal("3.50")
    assert body["record_count"] == 2
    assert body["number"] == "C-2026-000001"
    assert body["status"] == "valid"
    assert body["volunteer_name"] == "李四" and body["unit_name"] == "S1 单位"
    assert body["masked_id_number"] == served.id_number[:6] + "********" + served.id_number[14:]
    assert body["service_categories"] == "理论宣讲、环境卫生"
    assert "社区环境清洁" in body["service_events"] and "西湖社区义诊" not in body["service_events"]
    assert body["service_time"] == "2026年1月1日至2026年12月31日"
    assert body["handler_name"] == "李经办" and body["remarks"] == "用于升学"


def test_the_pdf_shows_name_number_and_hours_in_an_embedded_cjk_font(station_manager_client, tree, served):
    certificate = issue(station_manager_client, served, tree["S1"]).json()
    pdf = download(station_manager_client, certificate["id"])
    assert pdf_page_count(pdf) == 1
    text = pdf_text(pdf)
    assert "李四" in text and certificate["number"] in text and "3.50" in text
    assert "志愿服务证明" in text.replace(" ", "") and "S1 单位" in text
    assert served.id_number not in text and certificate["masked_id_number"] in text
    fonts = pdf_fonts(pdf)
    assert "Noto-Serif-CJK-SC" in fonts and "Noto-Serif-CJK-SC-Bold" in fonts
    assert " yes yes yes " in fonts  # embedded, subset, with a Unicode map


def test_the_qr_code_in_the_pdf_opens_the_verification_page(station_manager_client, tree, served):
    certificate = issue(station_manager_client, served, tree["S1"]).json()
    url = decode_qr_in_pdf(download(station_manager_client, certificate["id"]))
    code = certificate["verification_code"]
    assert url == f"https://volunteer.example.cn/verify/{certificate['number']}?code={code}"
    assert url == certificate["verification_url"]
    assert station_manager_client.get(url.removeprefix("https://volunteer.example.cn")).status_code == 200


def test_a_rare_character_in_a_name_is_drawn_with_a_real_glyph(station_manager, tree):
    volunteer = make_volunteer(tree["S1"], "吉𠮷")
    approved(event_on(tree["S1"], 1), volunteer)
    certificate = issue_certificate(volunteer, tree["S1"], Coverage(event=None, **_dates()), by=station_manager)
    pdf = certificate.pdf.read()
    assert "吉𠮷" in pdf_text(pdf)
    # pdftotext reads the text even under empty boxes: the glyph behind 𠮷 must be a real one.
    glyphs = glyphs_of(pdf)["𠮷"]
    assert glyphs and not glyphs & {0, 0xFFFF}


def _dates():
    from datetime import date

    return {"period_start": date(2026, 1, 1), "period_end": date(2026, 12, 31)}


def test_numbers_run_per_center_and_year_and_codes_avoid_look_alikes(
    center_manager_client, admin_client_api, tree, served, other_volunteer, far_volunteer
):
    approved(event_on(tree["S2"], 7), other_volunteer)
    approved(event_on(tree["S4"], 7), far_volunteer)
    first = issue(center_manager_client, served, tree["S1"]).json()
    second = issue(center_manager_client, other_volunteer, tree["I1"]).json()
    elsewhere = issue(admin_client_api, far_volunteer, tree["C2"]).json()
    assert [first["number"], second["number"], elsewhere["number"]] == [
        "C-2026-000001",
        "C-2026-000002",
        "C2-2026-000001",
    ]
    codes = [first["verification_code"], second["verification_code"]]
    assert all(len(code) >= 10 and set(code) <= set(CODE_ALPHABET) for code in codes)
    assert not set(CODE_ALPHABET) & set("0O1IL")
    assert codes[0] != codes[1]


def test_a_parent_unit_certifies_its_whole_subtree_but_not_beyond(center_manager_client, tree, served):
    body = issue(center_manager_client, served, tree["I1"]).json()
    assert Decimal(body["hours"]) == Decimal("6.50") and body["record_count"] == 3


def test_one_event_can_be_certified(station_manager_client, tree, volunteer):
    event = event_on(tree["S1"], 1, "重阳敬老")
    approved(event, volunteer, "2.00")
    body = issue(station_manager_client, volunteer, tree["S1"], event=event.pk).json()
    assert body["scope"] == "event" and body["event_title"] == "重阳敬老"
    assert body["service_time"] == "2026年12月4日" and Decimal(body["hours"]) == 2


def test_zero_hours_are_refused_with_a_clear_error(station_manager_client, tree, volunteer):
    approved(event_on(tree["S1"], 1), volunteer, "4.00", status=RecordStatus.PENDING)
    response = issue(station_manager_client, volunteer, tree["S1"])
    assert response.status_code == 409
    assert response.json()["code"] == "no_hours"
    assert not Certificate.objects.exists()


def test_another_units_event_cannot_be_certified(center_manager_client, tree, served):
    s2_event = served.service_records.get(event__unit=tree["S2"]).event
    response = issue(center_manager_client, served, tree["S1"], event=s2_event.pk)
    assert response.status_code == 400 and response.json()["code"] == "outside_unit"


def test_a_period_needs_both_dates_in_order(station_manager_client, tree, served):
    backwards = issue(station_manager_client, served, tree["S1"], period_start="2026-12-31", period_end="2026-01-01")
    half = issue(station_manager_client, served, tree["S1"], period_start="2026-01-01")
    assert backwards.status_code == 400 and half.status_code == 400


def test_the_same_scope_is_not_certified_twice_until_revoked(station_manager_client, tree, served):
    first = issue(station_manager_client, served, tree["S1"]).json()
    again = issue(station_manager_client, served, tree["S1"])
    assert again.status_code == 409 and again.json()["code"] == "already_issued"
    station_manager_client.post(f"/api/v1/certificates/{first['id']}/revoke/", {"reason": "时长有误"}, format="json")
    reissued = issue(station_manager_client, served, tree["S1"]).json()
    # The failed attempt gave its number back: no gaps.
    assert reissued["number"] == "C-2026-000002"


def test_an_issued_certificate_is_frozen(station_manager, station_manager_client, tree, served):
    body = issue(station_manager_client, served, tree["S1"]).json()
    certificate = Certificate.objects.get(pk=body["id"])
    stored = certificate.pdf.read()
    # Everything it was made from changes afterwards.
    record = served.service_records.filter(event__unit=tree["S1"]).first()
    record.credited_hours, record.status = Decimal("9.00"), RecordStatus.REJECTED
    record.save()
    approved(event_on(tree["S1"], 9, "后来的活动"), served, "8.00")
    tree["S1"].name, tree["S1"].person_in_charge = "改名后的站", "新负责人"
    tree["S1"].save()
    served.real_name = "李四改"
    served.save()
    again = station_manager_client.get(f"/api/v1/certificates/{body['id']}/").json()
    for field in ("hours", "record_count", "volunteer_name", "unit_name", "service_events", "person_in_charge"):
        assert again[field] == body[field]
    pdf = download(station_manager_client, body["id"])
    assert pdf == stored and hashlib.sha256(pdf).hexdigest() == body["pdf_sha256"]
    assert "李四" in pdf_text(pdf) and "改名后的站" not in pdf_text(pdf)


def test_the_download_is_the_stored_file_with_a_chinese_name(station_manager_client, tree, served):
    body = issue(station_manager_client, served, tree["S1"]).json()
    response = station_manager_client.get(f"/api/v1/certificates/{body['id']}/pdf/")
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=utf-8''" in disposition.lower()
    assert "%E5%BF%97%E6%84%BF" in disposition  # 志愿 in UTF-8, percent-encoded


def test_a_long_service_list_is_summarised_and_keeps_to_one_page(station_manager_client, tree, volunteer):
    for day in range(1, 13):
        approved(
            event_on(tree["S1"], day, f"第{day}次社区志愿服务活动（很长的活动名称用来测试摘要）"), volunteer, "1.00"
        )
    body = issue(station_manager_client, volunteer, tree["S1"]).json()
    assert "共12项活动" in body["service_events"]
    assert pdf_page_count(download(station_manager_client, body["id"])) == 1


@pytest.mark.parametrize("persona", ["volunteer", "other_station_manager"])
def test_who_may_not_issue(request, tree, served, persona):
    from tests.conftest import client_for

    user = request.getfixturevalue(persona)
    client = client_for(getattr(user, "user", user))
    response = issue(client, served, tree["S1"])
    assert response.status_code == {"volunteer": 403, "other_station_manager": 400}[persona]
    assert not Certificate.objects.exists()
