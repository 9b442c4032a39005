"""Events held at a venue: publishing books it, moving re-books, cancelling frees it; a taken slot changes nothing.

The clock is frozen at 10 December 2026, 12:00 Shanghai (conftest's ``frozen``); events are on 15 December.
"""

from __future__ import annotations

import datetime

import pytest

from events.models import Event, EventStatus
from tests.conftest import client_for
from tests.projects.conftest import local, make_event
from tests.venues.conftest import make_booking, make_venue
from venues.models import Booking, BookingStatus


@pytest.fixture
def venue(tree):
    return make_venue(tree["S1"])


@pytest.fixture
def draft(tree, venue, station_manager):
    return make_event(tree["S1"], day=15, status=EventStatus.DRAFT, venue=venue, created_by=station_manager)


def holding(venue) -> list[Booking]:
    return list(Booking.objects.filter(venue=venue).holding())


def test_publishing_an_event_at_a_venue_books_it(draft, venue, station_manager):
    response = client_for(station_manager).post(f"/api/v1/events/{draft.pk}/publish/")

    assert response.status_code == 200
    draft.refresh_from_db()
    [booking] = holding(venue)
    assert draft.venue_booking == booking
    assert booking.status == BookingStatus.APPROVED
    assert (booking.starts_at, booking.ends_at) == (draft.starts_at, draft.ends_at)
    assert response.json()["venue_booking"] == booking.pk


def test_publishing_onto_a_taken_slot_is_refused_and_changes_nothing(draft, venue, volunteer, station_manager):
    taken = make_booking(venue, volunteer.user, starts_at=local(15, 10), hours=1, status=BookingStatus.PENDING)

    response = client_for(station_manager).post(f"/api/v1/events/{draft.pk}/publish/")

    assert response.status_code == 409
    assert response.json()["code"] == "overlaps"
    draft.refresh_from_db()
    assert draft.status == EventStatus.DRAFT
    assert draft.venue_booking is None
    assert holding(venue) == [taken]


def published(draft, manager) -> Event:
    assert client_for(manager).post(f"/api/v1/events/{draft.pk}/publish/").status_code == 200
    draft.refresh_from_db()
    return draft


def test_moving_the_event_rebooks_the_venue(draft, venue, station_manager):
    event = published(draft, station_manager)
    old = event.venue_booking

    response = client_for(station_manager).patch(
        f"/api/v1/events/{event.pk}/",
        {"starts_at": local(15, 14).isoformat(), "ends_at": local(15, 16).isoformat()},
        format="json",
    )

    assert response.status_code == 200
    event.refresh_from_db()
    old.refresh_from_db()
    assert old.status == BookingStatus.CANCELLED
    [new] = holding(venue)
    assert event.venue_booking == new
    assert new.starts_at == local(15, 14)


def test_moving_onto_a_taken_slot_keeps_the_event_and_its_booking(draft, venue, volunteer, station_manager):
    event = published(draft, station_manager)
    old = event.venue_booking
    taken = make_booking(venue, volunteer.user, starts_at=local(15, 14), hours=2)

    response = client_for(station_manager).patch(
        f"/api/v1/events/{event.pk}/",
        {"starts_at": local(15, 13).isoformat(), "ends_at": local(15, 15).isoformat()},
        format="json",
    )

    assert response.status_code == 409
    event.refresh_from_db()
    assert event.starts_at == local(15, 9)
    assert event.venue_booking == old
    assert {booking.pk for booking in holding(venue)} == {old.pk, taken.pk}


def test_moving_the_event_to_another_venue_frees_the_first(draft, venue, tree, station_manager):
    event = published(draft, station_manager)
    hall = make_venue(tree["S1"], name="S1 活动室")

    response = client_for(station_manager).patch(f"/api/v1/events/{event.pk}/", {"venue": hall.pk}, format="json")

    assert response.status_code == 200
    assert holding(venue) == []
    [booking] = holding(hall)
    event.refresh_from_db()
    assert event.venue_booking == booking


def test_extending_the_event_over_its_own_booking_is_no_overlap(draft, venue, station_manager):
    event = published(draft, station_manager)

    response = client_for(station_manager).patch(
        f"/api/v1/events/{event.pk}/", {"ends_at": local(15, 12).isoformat()}, format="json"
    )

    assert response.status_code == 200
    [booking] = holding(venue)
    assert booking.ends_at == local(15, 12)


def test_cancelling_the_event_frees_the_venue(draft, venue, station_manager):
    event = published(draft, station_manager)

    response = client_for(station_manager).post(f"/api/v1/events/{event.pk}/cancel/")

    assert response.status_code == 200
    assert holding(venue) == []
    event.refresh_from_db()
    assert event.venue_booking is None
    assert Booking.objects.get(venue=venue).status == BookingStatus.CANCELLED


def test_an_event_may_use_a_venue_above_its_unit_but_not_one_of_another_subtree(draft, tree, station_manager):
    above = make_venue(tree["C"], name="中心 报告厅")
    aside = make_venue(tree["S2"], name="S2 书屋")
    client = client_for(station_manager)

    assert client.patch(f"/api/v1/events/{draft.pk}/", {"venue": above.pk}, format="json").status_code == 200
    refused = client.patch(f"/api/v1/events/{draft.pk}/", {"venue": aside.pk}, format="json")
    assert refused.status_code == 400
    assert "venue" in refused.json()
    assert client.patch(f"/api/v1/events/{draft.pk}/", {"venue": 10**12}, format="json").status_code == 400


def test_an_unknown_theme_is_refused(draft, station_manager):
    response = client_for(station_manager).patch(f"/api/v1/events/{draft.pk}/", {"theme": "no-such-day"}, format="json")

    assert response.status_code == 400
    assert "theme" in response.json()


def test_an_event_can_join_a_project_of_its_line_only(draft, tree, station_manager):
    from tests.projects.conftest import make_project

    ours, theirs = make_project(tree["C"], "中心项目"), make_project(tree["S2"], "二站项目")
    client = client_for(station_manager)

    assert client.patch(f"/api/v1/events/{draft.pk}/", {"project": ours.pk}, format="json").status_code == 200
    assert client.patch(f"/api/v1/events/{draft.pk}/", {"project": theirs.pk}, format="json").status_code == 400
    draft.refresh_from_db()
    assert draft.project == ours


def test_deleting_a_draft_leaves_no_booking(draft, venue, station_manager):
    response = client_for(station_manager).delete(f"/api/v1/events/{draft.pk}/")

    assert response.status_code == 204
    assert holding(venue) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_events_published_at_once_for_one_slot_book_it_once(tree, venue, station_manager):
    from tests.concurrency import run_together

    events = [
        make_event(tree["S1"], day=15, status=EventStatus.DRAFT, venue=venue, created_by=station_manager, title=t)
        for t in ("甲活动", "乙活动")
    ]

    def publish(event):
        return client_for(station_manager).post(f"/api/v1/events/{event.pk}/publish/").status_code

    statuses = sorted(run_together([lambda e=e: publish(e) for e in events]))

    assert statuses == [200, 409]
    assert len(holding(venue)) == 1
    assert Event.objects.filter(status=EventStatus.PUBLISHED).count() == 1
    assert datetime.timedelta(hours=2) == holding(venue)[0].ends_at - holding(venue)[0].starts_at


def test_taking_the_venue_off_a_published_event_frees_it(draft, venue, station_manager):
    event = published(draft, station_manager)

    response = client_for(station_manager).patch(f"/api/v1/events/{event.pk}/", {"venue": None}, format="json")

    assert response.status_code == 200
    assert holding(venue) == []
    event.refresh_from_db()
    assert event.venue_booking is None


def test_a_title_change_or_the_same_times_in_utc_leave_the_booking_alone(draft, venue, station_manager):
    event = published(draft, station_manager)
    booking = event.venue_booking
    stamp = booking.updated_at
    client = client_for(station_manager)

    renamed = client.patch(f"/api/v1/events/{event.pk}/", {"title": "改名后的活动"}, format="json")
    same_times = client.patch(
        f"/api/v1/events/{event.pk}/",
        {
            "starts_at": event.starts_at.astimezone(datetime.UTC).isoformat(),
            "ends_at": event.ends_at.astimezone(datetime.UTC).isoformat(),
        },
        format="json",
    )

    assert renamed.status_code == 200 and same_times.status_code == 200
    event.refresh_from_db()
    booking.refresh_from_db()
    assert event.venue_booking_id == booking.pk
    assert (booking.status, booking.updated_at) == (BookingStatus.APPROVED, stamp)
    assert holding(venue) == [booking]


def test_a_venue_of_another_center_is_refused_by_the_event_api(draft, tree, station_manager):
    far = make_venue(tree["S4"], name="别的中心的书屋")

    response = client_for(station_manager).patch(f"/api/v1/events/{draft.pk}/", {"venue": far.pk}, format="json")

    assert response.status_code == 400 and "venue" in response.json()
    draft.refresh_from_db()
    assert draft.venue_id != far.pk


def test_a_venue_closed_after_the_draft_named_it_is_not_booked_by_publishing(draft, venue, station_manager):
    venue.is_active = False
    venue.save()

    response = client_for(station_manager).post(f"/api/v1/events/{draft.pk}/publish/")

    assert response.status_code == 400 and response.json()["code"] == "venue_closed"
    draft.refresh_from_db()
    assert draft.status == EventStatus.DRAFT and holding(venue) == []


def test_publishing_from_the_admin_list_books_in_the_clicking_managers_name(
    client, tree, venue, station_manager, django_user_model
):
    from tests.conftest import make_manager

    colleague = make_manager(django_user_model, tree["S1"], "另一位站管理员")
    draft = make_event(tree["S1"], day=15, status=EventStatus.DRAFT, venue=venue, created_by=colleague)
    client.force_login(station_manager)
    response = client.post(
        "/admin/events/event/", {"action": "publish_selected", "_selected_action": [draft.pk]}, follow=True
    )

    assert response.status_code == 200
    [booking] = holding(venue)
    assert booking.booker == station_manager and booking.decided_by == station_manager
