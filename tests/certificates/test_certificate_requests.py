"""A volunteer asks for a certificate; a manager of the unit issues it or declines with a reason."""

from certificates.models import Certificate, CertificateRequest, RequestStatus
from tests.certificates.conftest import PERIOD, approved, event_on
from tests.conftest import client_for


def ask(client, **fields):
    return client.post("/api/v1/certificate-requests/", {**PERIOD, **fields}, format="json")


def test_a_volunteer_asks_their_station_and_a_manager_issues(volunteer_client, station_manager_client, served):
    asked = ask(volunteer_client, purpose="升学")
    assert asked.status_code == 201, asked.content
    assert asked.json()["unit_name"] == "S1 单位" and asked.json()["status"] == "pending"
    listed = station_manager_client.get("/api/v1/certificate-requests/?status=pending").json()
    assert [row["id"] for row in listed["results"]] == [asked.json()["id"]]
    accepted = station_manager_client.post(
        f"/api/v1/certificate-requests/{asked.json()['id']}/accept/", {"handler_name": "王经办"}, format="json"
    )
    assert accepted.status_code == 200 and accepted.json()["status"] == "issued"
    certificate = Certificate.objects.get(number=accepted.json()["certificate_number"])
    assert certificate.volunteer == served and certificate.handler_name == "王经办"
    mine = volunteer_client.get("/api/v1/certificates/").json()["results"]
    assert [row["number"] for row in mine] == [certificate.number]


def test_a_request_for_one_event_goes_to_its_organiser(volunteer_client, tree, volunteer):
    event = event_on(tree["S2"], 1)
    approved(event, volunteer)
    body = volunteer_client.post("/api/v1/certificate-requests/", {"event": event.pk}, format="json").json()
    assert body["unit"] == tree["S2"].pk and body["scope"] == "event"


def test_a_manager_declines_with_a_reason(volunteer_client, station_manager_client, served):
    asked = ask(volunteer_client).json()
    url = f"/api/v1/certificate-requests/{asked['id']}/decline/"
    assert station_manager_client.post(url, {}, format="json").status_code == 400
    declined = station_manager_client.post(url, {"reason": "请先补全服务记录"}, format="json").json()
    assert declined["status"] == "declined" and declined["decline_reason"] == "请先补全服务记录"
    again = station_manager_client.post(url, {"reason": "x"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "not_pending"


def test_a_request_without_approved_hours_is_refused(volunteer_client, volunteer):
    response = ask(volunteer_client)
    assert response.status_code == 409 and response.json()["code"] == "no_hours"


def test_the_same_request_twice_is_refused(volunteer_client, served):
    ask(volunteer_client)
    response = ask(volunteer_client)
    assert response.status_code == 409 and response.json()["code"] == "already_requested"


def test_only_volunteers_ask_and_only_the_units_managers_decide(
    station_manager_client, other_station_manager, volunteer_client, served
):
    assert ask(station_manager_client).status_code == 403
    asked = ask(volunteer_client).json()
    other = client_for(other_station_manager)
    assert other.post(f"/api/v1/certificate-requests/{asked['id']}/accept/", {}, format="json").status_code == 404
    assert other.get(f"/api/v1/certificate-requests/{asked['id']}/").status_code == 404
    assert volunteer_client.post(f"/api/v1/certificate-requests/{asked['id']}/accept/").status_code == 403
    assert CertificateRequest.objects.get().status == RequestStatus.PENDING
