"""The certificate form: the only possible unit chosen already, only the events the volunteer served at,
checked again on the server, and after issuing the way to the new certificate and its PDF."""

import re

from certificates.models import Certificate
from tests.admin.conftest import page
from tests.certificates.conftest import approved, event_on

ADD = "/admin/certificates/certificate/add/"


def options(html: str, name: str) -> dict[str, bool]:
    """The select's options: value → selected."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return {value: bool(chosen) for value, chosen in re.findall(r'<option value="([^"]*)"( selected)?', select)}


def test_the_only_unit_is_chosen_and_only_the_events_served_at_are_offered(
    client, station_manager, tree, volunteer, other_volunteer
):
    served = event_on(tree["S1"], 2, title="助老送餐")
    approved(served, volunteer)
    theirs = event_on(tree["S1"], 3, title="垃圾分类宣传")
    approved(theirs, other_volunteer)
    waiting = event_on(tree["S1"], 4, title="尚未审核的活动")
    approved(waiting, volunteer, status="pending")
    client.force_login(station_manager)
    html = page(client.get(f"{ADD}?volunteer={volunteer.pk}"))
    assert options(html, "unit") == {"": False, str(tree["S1"].pk): True}
    assert set(options(html, "event")) == {"", str(served.pk)}
    assert "助老送餐" in html and "垃圾分类宣传" not in html
    assert "certificates/issue_form.js" in html
    # Both volunteers with approved hours can be chosen; the chosen one is selected.
    assert options(html, "volunteer") == {"": False, str(volunteer.pk): True, str(other_volunteer.pk): False}


def test_an_event_the_volunteer_did_not_serve_at_is_refused_on_the_server(
    client, station_manager, tree, volunteer, other_volunteer
):
    approved(event_on(tree["S1"], 2), volunteer)
    theirs = event_on(tree["S1"], 3, title="垃圾分类宣传")
    approved(theirs, other_volunteer)
    client.force_login(station_manager)
    response = client.post(ADD, {"volunteer": volunteer.pk, "unit": tree["S1"].pk, "event": theirs.pk})
    assert response.status_code == 200 and "errorlist" in page(response)
    assert not Certificate.objects.exists()


def test_after_issuing_the_message_links_to_the_certificate_and_its_pdf(client, station_manager, tree, volunteer):
    served = event_on(tree["S1"], 2, title="助老送餐")
    approved(served, volunteer, hours="3.00")
    client.force_login(station_manager)
    response = client.post(ADD, {"volunteer": volunteer.pk, "unit": tree["S1"].pk, "event": served.pk})
    certificate = Certificate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/certificates/certificate/{certificate.pk}/change/"
    html = page(client.get(response["Location"]))
    assert f'<a href="/admin/certificates/certificate/{certificate.pk}/change/">' in html
    assert f'<a href="/api/v1/certificates/{certificate.pk}/pdf/">' in html
    assert certificate.number in html and "下载 PDF" in html


def test_the_volunteers_own_page_offers_their_events_and_links_to_the_new_certificate(
    client, institute_manager, tree, volunteer
):
    served = event_on(tree["S1"], 2, title="助老送餐")
    approved(served, volunteer)
    client.force_login(institute_manager)
    url = f"/admin/volunteers/volunteer/{volunteer.pk}/issue_certificate/"
    html = page(client.get(url))
    # The institute's manager may certify as the institute or as the station; their own unit is chosen.
    assert options(html, "unit") == {"": False, str(tree["I1"].pk): True, str(tree["S1"].pk): False}
    assert set(options(html, "event")) == {"", str(served.pk)} and 'name="volunteer"' not in html
    response = client.post(url, {"unit": tree["I1"].pk, "event": served.pk}, follow=True)
    certificate = Certificate.objects.get()
    assert certificate.unit == tree["I1"] and f"/api/v1/certificates/{certificate.pk}/pdf/" in page(response)


def test_a_stranger_volunteer_is_not_offered_and_cannot_be_posted(
    client, other_station_manager, station_manager, tree, volunteer
):
    served = event_on(tree["S1"], 2)
    approved(served, volunteer)
    client.force_login(other_station_manager)
    html = page(client.get(f"{ADD}?volunteer={volunteer.pk}"))
    assert str(volunteer.pk) not in options(html, "volunteer") and "李四" not in html
    response = client.post(ADD, {"volunteer": volunteer.pk, "unit": tree["S2"].pk, "event": served.pk})
    assert response.status_code == 200 and not Certificate.objects.exists()
