"""The installable scanner's pages: the manifest, the service worker and the scan page that links them."""

import json
import re

import pytest
from django.templatetags.static import static

from events.scanner_pages import SHELL_STATIC
from tests.conftest import make_volunteer
from tests.events.conftest import make_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(tree):
    return make_event(tree["S1"], signup_required=True, walk_ins_allowed=True)


def scanner_config(response) -> dict:
    found = re.search(r'<script id="scanner-config" type="application/json">(.*?)</script>', response.content.decode())
    return json.loads(found.group(1))


def test_the_scan_page_links_its_manifest_and_loads_the_offline_scripts(client, event, station_manager):
    client.force_login(station_manager)
    page = client.get(f"/events/{event.pk}/scan/").content.decode()
    assert f'<link rel="manifest" href="/events/{event.pk}/scan/manifest.webmanifest"' in page
    assert static("events/scanner/offline.js") in page and static("events/scanner/store.js") in page


def test_the_worker_keeps_every_file_the_scan_page_loads(client, event, station_manager):
    client.force_login(station_manager)
    page = client.get(f"/events/{event.pk}/scan/").content.decode()
    loaded = set(re.findall(r'(?:src|href)="(/static/[^"]+)"', page))
    worker = client.get("/scanner-sw.js").content.decode()
    shell = json.loads(re.match(r"self\.SCANNER = (.*);\n", worker).group(1))["shell"]
    assert loaded and loaded <= set(shell)
    assert len(shell) == len(SHELL_STATIC)


def test_the_manifest_opens_the_event_scan_page_as_an_app(client, event, station_manager):
    client.force_login(station_manager)
    response = client.get(f"/events/{event.pk}/scan/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["start_url"] == manifest["scope"] == f"/events/{event.pk}/scan/"
    assert manifest["display"] == "standalone"
    assert event.title in manifest["name"] and manifest["lang"] == "zh-CN"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert sizes == {"192x192", "512x512"}
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_the_service_worker_is_served_from_the_root_as_javascript_with_its_scope_allowed(client):
    response = client.get("/scanner-sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    assert 'addEventListener("fetch"' in body
    config = json.loads(re.match(r"self\.SCANNER = (.*);\n", body).group(1))
    assert static("events/js/scan.js") in config["shell"]


def test_the_worker_version_follows_its_files(client, settings):
    first = client.get("/scanner-sw.js").content.decode()
    settings.STATIC_URL = "/assets/"
    second = client.get("/scanner-sw.js").content.decode()
    version = re.compile(r'"version": "(\w+)"')
    assert version.search(first).group(1) != version.search(second).group(1)


@pytest.mark.parametrize("page", ["/events/{pk}/scan/", "/events/{pk}/scan/manifest.webmanifest"])
def test_only_those_who_run_the_event_open_the_scanner(client, tree, event, other_station_manager, volunteer, page):
    client.force_login(other_station_manager)
    assert client.get(page.format(pk=event.pk)).status_code == 404
    client.force_login(volunteer.user)
    assert client.get(page.format(pk=event.pk)).status_code == 404
    client.logout()
    assert client.get(page.format(pk=event.pk)).status_code == 302


def test_the_phone_may_be_registered_for_the_event_unit_or_a_unit_above_it_that_the_manager_manages(
    client, tree, event, station_manager, center_manager
):
    client.force_login(station_manager)
    assert [unit["id"] for unit in scanner_config(client.get(f"/events/{event.pk}/scan/"))["units"]] == [tree["S1"].pk]
    client.force_login(center_manager)
    config = scanner_config(client.get(f"/events/{event.pk}/scan/"))
    assert [unit["id"] for unit in config["units"]] == [tree["S1"].pk, tree["I1"].pk, tree["C"].pk]
    assert config["urls"]["pack"] == f"/api/v1/scanner/events/{event.pk}/pack/"


def test_a_leader_scans_but_is_offered_no_registration(client, tree, event):
    leader = make_volunteer(tree["S1"], "王队长")
    event.leaders.add(leader.user)
    client.force_login(leader.user)
    response = client.get(f"/events/{event.pk}/scan/")
    assert response.status_code == 200
    assert scanner_config(response)["units"] == []
    assert "/scanner/review/" not in response.content.decode()


def test_a_manager_finds_the_review_queue_and_the_devices_from_the_scan_page(client, event, station_manager):
    client.force_login(station_manager)
    page = client.get(f"/events/{event.pk}/scan/").content.decode()
    assert 'href="/scanner/review/"' in page and 'href="/scanner/devices/"' in page


def test_every_file_the_worker_keeps_is_served(client):
    worker = client.get("/scanner-sw.js").content.decode()
    shell = json.loads(re.match(r"self\.SCANNER = (.*);\n", worker).group(1))["shell"]
    for url in shell:
        response = client.get(url)
        assert response.status_code == 200, url
