"""The manager's scan page with the network switched off: scans are judged on the phone, queued,
and become attendance records with their scan times once the network returns."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from events.models import Method, OfflineScan, ScannerDevice, ServiceRecord, VolunteerCard
from events.offline_codes import make_card_code, make_phone_code
from events.services import sign_up
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_volunteer
from tests.events.conftest import make_event

pytestmark = pytest.mark.django_db(transaction=True)

NAMES = ["钱一", "孙二", "周三", "吴四", "郑五"]


@pytest.fixture
def village_event(tree):
    now = timezone.now()
    return make_event(
        tree["S1"],
        title="山村义诊",
        starts_at=now - datetime.timedelta(minutes=10),
        ends_at=now + datetime.timedelta(hours=2),
        signup_required=True,
        walk_ins_allowed=True,
        capacity=20,
    )


@pytest.fixture
def manager_page(browser, live_server):
    # The server's clock zone, so the times the page shows are those the records hold.
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", timezone_id="Asia/Shanghai", base_url=live_server.url
    )
    yield context, context.new_page()
    context.close()


def scan(page, code: str) -> datetime.datetime:
    at = timezone.now()
    page.fill("#code", code)
    page.press("#code", "Enter")
    return at


def test_scans_made_offline_are_queued_and_become_records_with_their_scan_times(
    manager_page, tree, village_event, station_manager
):
    context, page = manager_page
    people = [make_volunteer(tree["S1"], name) for name in NAMES]
    lost_card = make_volunteer(tree["S1"], "冯六")
    for person in [*people, lost_card]:
        sign_up(village_event, person, at=timezone.now())
    VolunteerCard.objects.create(volunteer=lost_card, serial=1, revoked_at=timezone.now())
    walker = make_volunteer(tree["S2"], "陈七")

    page.goto(f"/events/{village_event.pk}/scan/")
    log_in(page, station_manager.phone, PASSWORD)
    page.wait_for_url(f"**/events/{village_event.pk}/scan/", wait_until="load")
    # Registering the phone is one tap on the unit offered; the pack follows by itself.
    expect(page.locator("#device-unit")).to_have_value(str(tree["S1"].pk))
    page.click("#register-button")
    expect(page.locator("#prepare-button")).to_be_visible()
    expect(page.locator("#pack-status")).to_contain_text("6")
    assert ScannerDevice.objects.get().registered_by == station_manager
    page.evaluate("navigator.serviceWorker.ready")

    context.set_offline(True)
    scanned_at = {}
    for person in people:
        scanned_at[person.pk] = scan(page, make_phone_code(person.pk, timezone.now()))
        expect(page.locator("#panel")).to_have_class("panel ok")
        expect(page.locator("#panel-name")).to_have_text(person.real_name[0] + "*")
    expect(page.locator("#offline-status")).to_have_class("offline")
    expect(page.locator("#offline-status")).to_contain_text("5")

    # Someone who did not sign up is offered the walk-in, queued as such.
    scanned_at[walker.pk] = scan(page, make_phone_code(walker.pk, timezone.now()))
    expect(page.locator("#panel")).to_have_attribute("data-kind", "not_signed_up")
    page.click("#walk-in-button")
    expect(page.locator("#panel")).to_have_class("panel ok")
    expect(page.locator("#offline-status")).to_have_text(re.compile(r"\D6\D.*\D1\D"))

    # A lost card is refused at once, in red, and never queued.
    scan(page, make_card_code(lost_card.pk, 1))
    expect(page.locator("#panel")).to_have_class("panel refused")
    expect(page.locator("#panel")).to_have_attribute("data-kind", "card_revoked")
    # So is a screenshot of a phone's code from five minutes ago: its window is judged on the phone's clock.
    scan(page, make_phone_code(people[0].pk, timezone.now() - datetime.timedelta(minutes=5)))
    expect(page.locator("#panel")).to_have_attribute("data-kind", "token_expired")
    # A forged code too: the signature is checked on the phone.
    forged = make_phone_code(people[0].pk, timezone.now())
    scan(page, forged[:-3] + ("AAA" if not forged.endswith("AAA") else "BBB"))
    expect(page.locator("#panel")).to_have_attribute("data-kind", "token_invalid")
    assert page.evaluate("ScannerStore.count()") == 6

    # With no network at all the page opens again from the phone, queue and pack kept.
    page.reload()
    assert page.evaluate("navigator.serviceWorker.controller.scriptURL").endswith("/scanner-sw.js")
    expect(page.locator("#offline-status")).to_have_text(re.compile(r"\D6\D.*\D1\D"))
    assert not ServiceRecord.objects.filter(event=village_event).exists()

    context.set_offline(False)
    expect(page.locator("#offline-status")).to_be_hidden(timeout=20_000)
    records = {record.volunteer_id: record for record in ServiceRecord.objects.filter(event=village_event)}
    assert set(records) == {*scanned_at}
    for volunteer_id, at in scanned_at.items():
        record = records[volunteer_id]
        assert record.method == Method.OFFLINE_QR and record.created_by == station_manager
        assert abs(record.checked_in_at - at) < datetime.timedelta(seconds=10)
    assert OfflineScan.objects.filter(event=village_event).count() == 6
    assert lost_card.pk not in records
    results = page.locator("#results")
    for person in [*people, walker]:
        shown = timezone.localtime(records[person.pk].checked_in_at)
        expect(results).to_contain_text(f"{person.real_name} {shown:%H:%M}")
    assert page.evaluate("ScannerStore.count()") == 0


def test_a_scan_the_server_would_refuse_waits_for_review_and_a_revoked_phone_forgets_everything(
    manager_page, tree, village_event, station_manager, volunteer
):
    context, page = manager_page
    sign_up(village_event, volunteer, at=timezone.now())
    page.goto(f"/events/{village_event.pk}/scan/")
    log_in(page, station_manager.phone, PASSWORD)
    page.wait_for_url(f"**/events/{village_event.pk}/scan/", wait_until="load")
    page.click("#register-button")
    expect(page.locator("#prepare-button")).to_be_visible()

    # Checked out offline without ever checking in: the phone cannot know, the server refuses.
    context.set_offline(True)
    page.click("#mode-out")
    scan(page, make_phone_code(volunteer.pk, timezone.now()))
    expect(page.locator("#offline-status")).to_contain_text("1")
    context.set_offline(False)
    expect(page.locator("#offline-status")).to_be_hidden(timeout=20_000)
    conflict = OfflineScan.objects.get(event=village_event)
    assert (conflict.outcome, conflict.reason) == ("conflict", "not_checked_in")
    assert not ServiceRecord.objects.filter(event=village_event).exists()
    expect(page.locator("#results li.refused").first).to_contain_text(volunteer.real_name)

    # Revoked from another manager's desk: the phone's next contact wipes what it kept.
    device = ScannerDevice.objects.get()
    device.revoked_at = timezone.now()
    device.save(update_fields=["revoked_at"])
    page.reload()
    expect(page.locator("#panel")).to_have_class("panel refused")
    expect(page.locator("#register")).to_be_hidden()
    assert page.evaluate("ScannerStore.get('meta', 'device')") is None
    assert page.evaluate(f"ScannerStore.get('packs', {village_event.pk})") is None
    assert page.evaluate("caches.keys()") == []
    device.refresh_from_db()
    assert device.refused_uploads == 1


def test_a_scan_the_server_does_not_answer_within_four_seconds_switches_to_offline_and_is_uploaded_by_the_probe(
    manager_page, tree, village_event, station_manager, volunteer
):
    _context, page = manager_page
    sign_up(village_event, volunteer, at=timezone.now())
    page.goto(f"/events/{village_event.pk}/scan/")
    log_in(page, station_manager.phone, PASSWORD)
    page.wait_for_url(f"**/events/{village_event.pk}/scan/", wait_until="load")
    page.click("#register-button")
    expect(page.locator("#prepare-button")).to_be_visible()

    # The network is "up" but the server never answers the scan: no offline event from the browser.
    unanswered = []
    page.route("**/scan/answer/", lambda route: unanswered.append(route))
    at = scan(page, make_phone_code(volunteer.pk, timezone.now()))
    expect(page.locator("#offline-status")).to_have_class("offline", timeout=8_000)
    expect(page.locator("#panel-name")).to_have_text("李*")
    assert len(unanswered) == 1

    # No "online" event will come: the periodic probe finds the server and uploads.
    expect(page.locator("#offline-status")).to_be_hidden(timeout=25_000)
    record = ServiceRecord.objects.get(event=village_event, volunteer=volunteer)
    assert record.method == Method.OFFLINE_QR
    assert abs(record.checked_in_at - at) < datetime.timedelta(seconds=10)
