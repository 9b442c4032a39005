"""「保存并发布」 on the event form: one click saves and publishes; a refusal keeps what was typed.

The clock is frozen at noon of the tests' event day (2026-12-05) by tests/admin/conftest.py's autouse
``after_the_event``, so the fixed dates here never pass.
"""

from django.utils import translation

from events.models import Event, EventStatus
from tests.admin.conftest import page
from tests.admin.test_admin_events import change_form_data
from tests.events.conftest import make_event


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


# The activity record's inline (read-only) still posts its management form, as a browser does.
INLINE = {"activity_record-TOTAL_FORMS": "0", "activity_record-INITIAL_FORMS": "0"}


def new_event_data(unit, **changes) -> dict:
    data = change_form_data(make_event(unit, title="模板"), title="重阳敬老", status="", **INLINE)
    data.update({"unit": unit.pk, "starts_at_0": "2026-12-08", "ends_at_0": "2026-12-08", **changes})
    return data


def test_the_button_shows_on_a_new_event_and_a_draft_but_not_on_a_published_event(client, station_manager, tree):
    client.force_login(station_manager)
    assert 'name="_save_and_publish"' in page(client.get("/admin/events/event/add/"))
    assert "保存并发布" in page(client.get("/admin/events/event/add/"))
    draft = make_event(tree["S1"], status=EventStatus.DRAFT)
    published = make_event(tree["S1"])
    assert 'name="_save_and_publish"' in page(client.get(f"/admin/events/event/{draft.pk}/change/"))
    assert 'name="_save_and_publish"' not in page(client.get(f"/admin/events/event/{published.pk}/change/"))


def test_a_new_event_is_saved_and_published_in_one_step(client, station_manager, tree):
    client.force_login(station_manager)
    response = client.post("/admin/events/event/add/", new_event_data(tree["S1"], _save_and_publish="1"), follow=True)
    event = Event.objects.get(title="重阳敬老")
    assert event.status == EventStatus.PUBLISHED and event.created_by == station_manager
    assert "已保存并发布" in page(response)


def test_a_draft_is_changed_and_published_in_one_step(client, station_manager, tree):
    draft = make_event(tree["S1"], status=EventStatus.DRAFT)
    client.force_login(station_manager)
    data = change_form_data(draft, title="改过的标题", _save_and_publish="1", **INLINE)
    client.post(f"/admin/events/event/{draft.pk}/change/", data)
    draft.refresh_from_db()
    assert draft.status == EventStatus.PUBLISHED and draft.title == "改过的标题"


def test_plain_save_keeps_a_draft(client, station_manager, tree):
    draft = make_event(tree["S1"], status=EventStatus.DRAFT)
    client.force_login(station_manager)
    client.post(f"/admin/events/event/{draft.pk}/change/", change_form_data(draft, title="只保存", _save="1", **INLINE))
    draft.refresh_from_db()
    assert draft.status == EventStatus.DRAFT and draft.title == "只保存"


def test_an_invalid_form_is_shown_again_with_what_was_typed_and_nothing_published(client, station_manager, tree):
    client.force_login(station_manager)
    data = new_event_data(tree["S1"], ends_at_1="08:00:00", _save_and_publish="1", address="东门社区广场北侧")
    html = page(client.post("/admin/events/event/add/", data))
    assert zh("The end must be after the start.") in html
    assert 'value="重阳敬老"' in html and "东门社区广场北侧" in html
    assert not Event.objects.filter(title="重阳敬老").exists()


def test_an_event_cancelled_meanwhile_is_not_published_and_the_form_says_why(client, station_manager, tree):
    draft = make_event(tree["S1"], status=EventStatus.DRAFT)
    client.force_login(station_manager)
    data = change_form_data(draft, title="刚改的标题", _save_and_publish="1", **INLINE)
    Event.objects.filter(pk=draft.pk).update(status=EventStatus.CANCELLED)
    html = page(client.post(f"/admin/events/event/{draft.pk}/change/", data))
    assert "只有草稿才能发布" in html and 'value="刚改的标题"' in html
    draft.refresh_from_db()
    assert draft.status == EventStatus.CANCELLED


def test_a_manager_cannot_publish_another_stations_draft_with_the_button(client, station_manager, tree):
    theirs = make_event(tree["S2"], status=EventStatus.DRAFT)
    client.force_login(station_manager)
    response = client.post(
        f"/admin/events/event/{theirs.pk}/change/",
        change_form_data(theirs, _save_and_publish="1", unit=tree["S2"].pk, **INLINE),
    )
    assert response.status_code in (302, 403, 404)
    theirs.refresh_from_db()
    assert theirs.status == EventStatus.DRAFT
