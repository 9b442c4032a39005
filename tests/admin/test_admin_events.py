"""Events in the admin: status only through the services' actions, nothing with sign-ups deleted."""

import datetime

from django.utils import translation

from events.models import Event, EventStatus, Signup
from events.services import EventError, sign_up
from tests.admin.conftest import page
from tests.events.conftest import at, make_event


def zh(message) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(str(message))


def change_form_data(event: Event, **changes) -> dict:
    local = {
        "starts_at": event.starts_at.astimezone(datetime.timezone(datetime.timedelta(hours=8))),
        "ends_at": event.ends_at.astimezone(datetime.timezone(datetime.timedelta(hours=8))),
    }
    data = {
        "unit": event.unit_id,
        "title": event.title,
        "category": event.category,
        "description": "",
        "recipients": "",
        "address": event.address,
        "starts_at_0": f"{local['starts_at']:%Y-%m-%d}",
        "starts_at_1": f"{local['starts_at']:%H:%M:%S}",
        "ends_at_0": f"{local['ends_at']:%Y-%m-%d}",
        "ends_at_1": f"{local['ends_at']:%H:%M:%S}",
        "signup_required": "",
        "approval_required": "on",
        "checkin_opens_minutes": 30,
        "checkout_closes_minutes": 60,
        "rounding_minutes": 1,
        "status": EventStatus.PUBLISHED,
    }
    for name in ("min_age",):
        if any(field.name == name for field in Event._meta.get_fields()):
            data[name] = ""
    data.update(changes)
    return data


def test_the_change_form_cannot_set_a_cancelled_event_back_to_published(client, station_manager, tree):
    event = make_event(tree["S1"], status=EventStatus.CANCELLED)
    client.force_login(station_manager)
    form = page(client.get(f"/admin/events/event/{event.pk}/change/"))
    assert 'name="status"' not in form
    client.post(f"/admin/events/event/{event.pk}/change/", change_form_data(event, title="改了标题"))
    event.refresh_from_db()
    assert event.status == EventStatus.CANCELLED


def test_publish_and_cancel_are_actions_through_the_services(client, station_manager, tree):
    draft = make_event(tree["S1"], status=EventStatus.DRAFT)
    client.force_login(station_manager)
    client.post("/admin/events/event/", {"action": "publish_selected", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == EventStatus.PUBLISHED
    client.post("/admin/events/event/", {"action": "cancel_selected", "_selected_action": [draft.pk]})
    response = client.post(
        "/admin/events/event/", {"action": "publish_selected", "_selected_action": [draft.pk]}, follow=True
    )
    draft.refresh_from_db()
    assert draft.status == EventStatus.CANCELLED
    assert zh(EventError("invalid_transition").detail) in page(response)


def test_a_manager_cannot_publish_another_stations_event(client, station_manager, tree):
    theirs = make_event(tree["S2"], status=EventStatus.DRAFT)
    client.force_login(station_manager)
    client.post("/admin/events/event/", {"action": "publish_selected", "_selected_action": [theirs.pk]})
    theirs.refresh_from_db()
    assert theirs.status == EventStatus.DRAFT


def test_an_event_with_sign_ups_cannot_be_deleted_and_there_is_no_bulk_delete(client, station_manager, tree, volunteer):
    event = make_event(tree["S1"], ends_at=at(23))
    sign_up(event, volunteer, at=at(12))
    client.force_login(station_manager)
    assert client.get(f"/admin/events/event/{event.pk}/delete/").status_code == 403
    assert client.post(f"/admin/events/event/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert "delete_selected" not in page(client.get("/admin/events/event/"))
    assert Event.objects.filter(pk=event.pk).exists() and Signup.objects.filter(event=event).exists()


def test_duplicating_makes_a_new_draft(client, station_manager, tree):
    event = make_event(tree["S1"], title="敬老院义诊")
    client.force_login(station_manager)
    response = client.post("/admin/events/event/", {"action": "duplicate_selected", "_selected_action": [event.pk]})
    copy = Event.objects.exclude(pk=event.pk).get()
    assert response.status_code == 302 and response["Location"].endswith(f"/admin/events/event/{copy.pk}/change/")
    assert copy.title == "敬老院义诊" and copy.status == EventStatus.DRAFT and copy.created_by == station_manager


def test_an_end_before_the_start_is_answered_with_the_apis_field_message(client, station_manager, tree):
    event = make_event(tree["S1"], status=EventStatus.DRAFT)
    client.force_login(station_manager)
    data = change_form_data(event, ends_at_1="08:00:00")
    html = page(client.post(f"/admin/events/event/{event.pk}/change/", data))
    assert "约束" not in html and "event_ends_after_start" not in html
    assert zh("The end must be after the start.") in html


def test_the_add_form_starts_with_the_managers_unit_and_the_page_links_to_kiosk_scan_and_lists(
    client, station_manager, tree
):
    client.force_login(station_manager)
    form = page(client.get("/admin/events/event/add/"))
    assert f'<option value="{tree["S1"].pk}" selected>' in form
    event = make_event(tree["S1"])
    detail = page(client.get(f"/admin/events/event/{event.pk}/change/"))
    assert f"/events/{event.pk}/kiosk/" in detail and f"/events/{event.pk}/scan/" in detail
    assert f"/admin/events/signup/?event__id__exact={event.pk}" in detail
    assert f"/admin/events/servicerecord/?event__id__exact={event.pk}" in detail
