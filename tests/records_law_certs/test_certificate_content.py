"""What a certificate states (issue 14 item 6; 民发〔2015〕149号, 办法 art. 14-15)."""

import datetime
import io

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from certificates.models import Certificate
from certificates.services import Coverage, issue_certificate
from tests.conftest import client_for
from volunteers.id_numbers import IdType
from volunteers.models import Award, Training
from volunteers.services import register_volunteer

from .conftest import approved, event_on, pdf_text

YEAR = {"period_start": "2026-01-01", "period_end": "2026-12-31"}
PERIOD = Coverage(period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 12, 31))


def seal_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_certificate_names_the_units_person_in_charge_and_handler_and_says_seal(tree, volunteer, admin_user):
    unit = tree["S1"]
    unit.person_in_charge, unit.handler_name = "王主任", "李经办"
    unit.save()
    approved(event_on(unit, 1), volunteer)
    certificate = issue_certificate(volunteer, unit, PERIOD, by=admin_user)
    assert (certificate.person_in_charge, certificate.handler_name) == ("王主任", "李经办")
    text = pdf_text(certificate.pdf.read())
    assert "王主任" in text and "李经办" in text
    assert "（盖章）" in text  # no seal uploaded


def test_a_uploaded_seal_replaces_the_words(tree, volunteer, admin_user):
    unit = tree["S1"]
    unit.seal.save("seal.png", ContentFile(seal_png()))
    approved(event_on(unit, 1), volunteer)
    certificate = issue_certificate(volunteer, unit, PERIOD, by=admin_user)
    assert "（盖章）" not in pdf_text(certificate.pdf.read())


def test_records_with_zero_hours_are_not_counted_as_services(tree, volunteer, admin_user):
    approved(event_on(tree["S1"], 1), volunteer, "2.00")
    approved(event_on(tree["S1"], 2, "零时长活动"), volunteer, "0.00")
    certificate = issue_certificate(volunteer, tree["S1"], PERIOD, by=admin_user)
    assert certificate.record_count == 1
    assert "零时长活动" not in certificate.service_events
    assert "共服务1次" in pdf_text(certificate.pdf.read()).replace(" ", "")


def test_a_volunteer_with_a_hong_kong_permit_gets_a_certificate_with_it_masked(tree, admin_user):
    volunteer = register_volunteer(
        real_name="陈大文",
        id_number="H12345678",
        phone="13912340000",
        password="a-long-secret-77",
        home_station=tree["S1"],
        id_type=IdType.HK_MACAO,
        holder=type("Holder", (), {"birth_date": datetime.date(1990, 5, 1), "gender": "male"})(),
    )
    approved(event_on(tree["S1"], 1), volunteer)
    certificate = issue_certificate(volunteer, tree["S1"], PERIOD, by=admin_user)
    assert certificate.id_type == "港澳居民来往内地通行证"
    assert certificate.masked_id_number == "H*****678"
    text = pdf_text(certificate.pdf.read())
    assert "港澳居民来往内地通行证" in text and "H*****678" in text and "H12345678" not in text


def test_trainings_and_awards_are_listed_when_asked_for(tree, volunteer, admin_user):
    approved(event_on(tree["S1"], 1), volunteer)
    training = Training.objects.create(
        unit=tree["S1"], name="急救培训", content="心肺复苏", hours="2.00", organiser="区红十字会", held_on="2026-03-01"
    )
    training.attendees.add(volunteer)
    Award.objects.create(
        volunteer=volunteer, name="优秀志愿者", awarded_on="2026-05-01", awarding_body="区文明办", level="county"
    )
    certificate = issue_certificate(
        volunteer, tree["S1"], PERIOD, by=admin_user, include_trainings=True, include_awards=True
    )
    text = pdf_text(certificate.pdf.read())
    assert "急救培训" in text and "优秀志愿者" in text


def test_without_sections_trainings_are_not_listed(tree, volunteer, admin_user):
    approved(event_on(tree["S1"], 1), volunteer)
    training = Training.objects.create(
        unit=tree["S1"], name="急救培训", content="心肺复苏", hours="2.00", organiser="区红十字会", held_on="2026-03-01"
    )
    training.attendees.add(volunteer)
    certificate = issue_certificate(volunteer, tree["S1"], PERIOD, by=admin_user)
    assert "急救培训" not in pdf_text(certificate.pdf.read())


def test_a_certificate_in_its_publicity_period_says_so_on_verification(tree, volunteer, station_manager, anon_client):
    approved(event_on(tree["S1"], 1), volunteer)
    response = client_for(station_manager).post(
        "/api/v1/certificates/",
        {"volunteer": volunteer.pk, "unit": tree["S1"].pk, **YEAR, "publicity_days": 7},
        format="json",
    )
    assert response.status_code == 201, response.content
    certificate = Certificate.objects.get()
    query = f"number={certificate.number}&code={certificate.verification_code}"
    body = anon_client.get(f"/api/v1/certificates/verify/?{query}").json()
    assert body["status"] == "publicity"
    assert body["effective_on"] == timezone.localtime(certificate.effective_at).date().isoformat()
    assert certificate.effective_at - certificate.issued_at == datetime.timedelta(days=7)
    page = anon_client.get(
        f"/verify/{certificate.number}?code={certificate.verification_code}", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert "公示" in page.content.decode()


def test_publicity_days_are_bounded(tree, volunteer, station_manager):
    approved(event_on(tree["S1"], 1), volunteer)
    response = client_for(station_manager).post(
        "/api/v1/certificates/",
        {"volunteer": volunteer.pk, "unit": tree["S1"].pk, **YEAR, "publicity_days": 999},
        format="json",
    )
    assert response.status_code == 400 and "publicity_days" in response.json()
