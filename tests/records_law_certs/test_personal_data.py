"""Personal-data rights (issue 14 item 8; PIPL art. 44-47)."""

import datetime

from rest_framework.test import APIClient

from accounts.models import User
from certificates.services import Coverage, issue_certificate
from tests.conftest import PASSWORD, client_for, make_user
from volunteers.models import ConsentRecord, Volunteer

from .conftest import approved, event_on, pdf_text

DATA, PDF, CLOSE = "/api/v1/me/data/", "/api/v1/me/data/pdf/", "/api/v1/me/close-account/"


def test_a_volunteer_downloads_everything_held_about_them(tree, volunteer, volunteer_client):
    approved(event_on(tree["S1"], 1, "社区环境清洁"), volunteer, "2.00")
    response = volunteer_client.get(DATA)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    data = response.json()
    assert data["profile"]["id_number"] == volunteer.id_number and data["profile"]["phone"] == volunteer.phone
    assert data["service_records"][0]["credited_hours"] == "2.00"
    assert data["consents"][0]["version"] and data["consents"][0]["text"]


def test_the_same_data_as_a_readable_pdf(tree, volunteer, volunteer_client):
    approved(event_on(tree["S1"], 1, "社区环境清洁"), volunteer, "2.00")
    response = volunteer_client.get(PDF)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert volunteer.real_name in text and "服务记录" in text and "社区环境清洁" in text


def test_someone_without_a_volunteer_profile_gets_404(station_manager):
    client = client_for(station_manager)
    assert client.get(DATA).status_code == 404
    assert client.get(PDF).status_code == 404
    assert client.post(CLOSE, {"password": PASSWORD, "confirm": True}, format="json").status_code == 404


def test_anonymous_callers_are_refused(anon_client):
    assert anon_client.get(DATA).status_code == 401
    assert anon_client.post(CLOSE, {"password": PASSWORD, "confirm": True}, format="json").status_code == 401


def test_closing_needs_the_password(volunteer, volunteer_client):
    response = volunteer_client.post(
        CLOSE, {"password": "wrong", "confirm": True}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 400 and response.json()["detail"] == "密码错误。"
    assert not Volunteer.objects.get(pk=volunteer.pk).is_closed


def test_a_closed_account_keeps_its_records_and_the_units_statistics(
    tree, volunteer, station_manager, admin_user, anon_client
):
    approved(event_on(tree["S1"], 1), volunteer, "2.00")
    certificate = issue_certificate(
        volunteer,
        tree["S1"],
        Coverage(period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 12, 31)),
        by=admin_user,
    )
    manager = client_for(station_manager)
    before = manager.get(f"/api/v1/stats/summary/?unit={tree['S1'].pk}&year=2026").json()
    phone, id_number = volunteer.phone, volunteer.id_number
    token = anon_client.post("/api/v1/auth/token/", {"phone": phone, "password": PASSWORD}, format="json").json()
    holder = APIClient()
    holder.credentials(HTTP_AUTHORIZATION=f"Token {token['token']}")
    response = holder.post(CLOSE, {"password": PASSWORD, "confirm": True}, format="json")
    assert response.status_code == 200
    # No login any more, by password or by the token used.
    login = anon_client.post("/api/v1/auth/token/", {"phone": phone, "password": PASSWORD}, format="json")
    assert login.status_code == 400
    assert holder.get("/api/v1/me/").status_code == 401
    closed = Volunteer.objects.select_related("user").get(pk=volunteer.pk)
    assert not closed.user.is_active and closed.user.phone != phone and not User.objects.filter(phone=phone).exists()
    assert closed.id_number == id_number[:6] + "********" + id_number[14:] and closed.real_name == volunteer.real_name
    assert closed.service_records.count() == 1
    after = manager.get(f"/api/v1/stats/summary/?unit={tree['S1'].pk}&year=2026").json()
    assert after == before
    # The certificate still verifies.
    query = f"number={certificate.number}&code={certificate.verification_code}"
    assert anon_client.get(f"/api/v1/certificates/verify/?{query}").json()["status"] == "valid"
    # The same person may register again later with the same ID number.
    assert not Volunteer.objects.filter(id_number=id_number).exists()


def test_a_minor_registration_stores_both_consents(tree, anon_client, django_user_model):
    make_user(django_user_model, "占位")
    response = anon_client.post(
        "/api/v1/volunteers/register/",
        {
            "real_name": "小明",
            "id_type": "passport",
            "id_number": "E12345678",
            "birth_date": (datetime.date.today() - datetime.timedelta(days=365 * 12)).isoformat(),
            "gender": "male",
            "phone": "13912345670",
            "password": "a-long-secret-77",
            "home_station": tree["S1"].pk,
            "consent": True,
            "guardian_name": "王芳",
            "guardian_phone": "13912345671",
            "guardian_relation": "parent",
            "guardian_consent": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    kinds = set(ConsentRecord.objects.values_list("kind", flat=True))
    assert kinds == {"registration", "guardian"}


def test_the_volunteers_page_offers_the_download_and_closes_the_account(volunteer, client):
    client.force_login(volunteer.user)
    page = client.get("/me/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "/api/v1/me/data/pdf/" in page and "注销账号" in page
    wrong = client.post("/me/close-account/", {"password": "wrong"}, HTTP_ACCEPT_LANGUAGE="zh-hans", follow=True)
    assert "密码错误。" in wrong.content.decode() and not Volunteer.objects.get(pk=volunteer.pk).is_closed
    response = client.post("/me/close-account/", {"password": PASSWORD})
    assert response.status_code == 302 and Volunteer.objects.get(pk=volunteer.pk).is_closed
    assert client.get("/me/").status_code == 302  # logged out: the page sends to the login


def test_a_stranger_cannot_close_anyones_account_from_the_page(station_manager, volunteer, client):
    client.force_login(station_manager)
    client.post("/me/close-account/", {"password": PASSWORD})
    assert not Volunteer.objects.get(pk=volunteer.pk).is_closed and station_manager.is_active
