"""The offline pack: what a scanner stores to judge an event's scans without the network."""

import base64
import datetime
import json

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.models import Signup, SignupStatus, VolunteerCard
from events.offline_codes import active_public_keys, current_key
from events.offline_scanning import register_device
from events.services import sign_up
from tests.conftest import client_for, make_user, make_volunteer
from tests.events.conftest import at, make_event
from tests.offline_devices.conftest import scanner_headers
from volunteers.models import Volunteer

# The bound for the download of an event with 2,000 sign-ups (gzip not counted).
MAX_PACK_BYTES = 500_000


def pack_url(event) -> str:
    return f"/api/v1/scanner/events/{event.pk}/pack/"


@pytest.fixture
def signup_event(tree, clock):
    return make_event(tree["S1"], signup_required=True, walk_ins_allowed=False, capacity=30)


def test_the_pack_holds_the_event_its_keys_and_the_confirmed_signups_with_masked_names(
    signup_event, station_manager, registered, tree
):
    device, secret = registered
    people = [make_volunteer(tree["S1"], name) for name in ("李四", "欧阳娜娜", "王五")]
    for person in people:
        sign_up(signup_event, person, at=at(7))
    Signup.objects.filter(volunteer=people[2]).update(status=SignupStatus.CANCELLED)
    VolunteerCard.objects.create(volunteer=people[0], serial=1, revoked_at=at(7))
    VolunteerCard.objects.create(volunteer=people[0], serial=2)

    response = client_for(station_manager).get(pack_url(signup_event), **scanner_headers(device, secret))

    assert response.status_code == 200
    pack = response.json()
    assert pack["device"] == {"id": device.pk, "name": device.name}
    assert pack["event"]["id"] == signup_event.pk
    assert pack["event"]["signup_required"] is True and pack["event"]["walk_ins_allowed"] is False
    assert pack["event"]["capacity"] == 30
    assert pack["event"]["checkin_opens_at"] == signup_event.checkin_opens_at.isoformat()
    assert pack["event"]["checkout_closes_at"] == signup_event.checkout_closes_at.isoformat()
    assert pack["signups"] == [[people[0].pk, "李*", 2], [people[1].pk, "欧*", 0]]
    assert [people[0].pk, 1] in pack["revoked_cards"]
    keys = {key["generation"]: key["public_key"] for key in pack["keys"]}
    assert keys == active_public_keys() and current_key().generation in keys
    assert all(len(base64.urlsafe_b64decode(key + "=")) == 32 for key in keys.values())
    assert pack["clock_bound_seconds"] == 600
    assert pack["window_seconds"] > 0 and pack["accepted_windows"] >= 1
    assert pack["server_time"] == timezone.localtime().isoformat()


def test_the_pack_holds_no_id_or_phone_number(signup_event, station_manager, registered, tree):
    device, secret = registered
    person = make_volunteer(tree["S1"], "李四", phone="13912345678")
    sign_up(signup_event, person, at=at(7))
    raw = client_for(station_manager).get(pack_url(signup_event), **scanner_headers(device, secret)).content.decode()
    volunteer = Volunteer.objects.get(pk=person.pk)
    for secret_text in (volunteer.id_number, volunteer.id_number[6:14], volunteer.user.phone, "12345678", "李四"):
        assert secret_text not in raw


def test_the_pack_version_changes_with_the_signups_and_not_with_the_clock(
    signup_event, station_manager, registered, tree, clock
):
    device, secret = registered
    client = client_for(station_manager)

    def version() -> str:
        return client.get(pack_url(signup_event), **scanner_headers(device, secret)).json()["pack_version"]

    first = version()
    clock.shift(60)
    assert version() == first
    sign_up(signup_event, make_volunteer(tree["S1"]), at=at(8))
    assert version() != first


def _bulk_signups(tree, event, count: int, start: int) -> None:
    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        [user_model(phone=f"1570{start + i:07d}", name=f"志愿者{i}") for i in range(count)]
    )
    volunteers = Volunteer.objects.bulk_create(
        [
            # The longest names an ID card holds: the pack keeps only their first character.
            Volunteer(
                user=user,
                real_name="买买提·艾力" * 5,
                id_number=f"X{start + i}",
                home_station=tree["S1"],
                consented_at=at(7),
            )
            for i, user in enumerate(users)
        ]
    )
    Signup.objects.bulk_create(
        [Signup(event=event, volunteer=v, status=SignupStatus.CONFIRMED, queued_at=at(7)) for v in volunteers]
    )
    VolunteerCard.objects.bulk_create([VolunteerCard(volunteer=v, serial=1, revoked_at=at(7)) for v in volunteers])
    VolunteerCard.objects.bulk_create([VolunteerCard(volunteer=v, serial=2) for v in volunteers])


def test_the_pack_of_2000_signups_is_under_500_kb_in_a_constant_number_of_queries(
    tree, clock, station_manager, registered
):
    device, secret = registered
    client = client_for(station_manager)
    small, large = make_event(tree["S1"], title="小活动"), make_event(tree["S1"], title="大活动", capacity=None)
    _bulk_signups(tree, small, 3, 0)
    _bulk_signups(tree, large, 2000, 10_000)
    queries = []
    client.get(pack_url(small), **scanner_headers(device, secret))  # the first key is made on first need
    for event in (small, large):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(pack_url(event), **scanner_headers(device, secret))
        assert response.status_code == 200
        queries.append(len(captured))
    pack = json.loads(response.content)
    size = len(response.content)
    print(f"\npack of {len(pack['signups'])} sign-ups, {len(pack['revoked_cards'])} revoked cards: {size} bytes")
    assert len(pack["signups"]) == 2000 and len(pack["revoked_cards"]) == 2003
    assert size < MAX_PACK_BYTES
    assert queries[0] == queries[1]


def test_an_event_of_another_unit_than_the_devices_is_not_packed(tree, clock, center_manager):
    device, secret = register_device(tree["S1"], "东门站手机", by=center_manager)
    neighbour = make_event(tree["S2"])
    response = client_for(center_manager).get(pack_url(neighbour), **scanner_headers(device, secret))
    assert response.status_code == 404


def test_a_manager_who_does_not_run_the_event_gets_no_pack(event, other_station_manager, registered):
    device, secret = registered
    response = client_for(other_station_manager).get(pack_url(event), **scanner_headers(device, secret))
    assert response.status_code == 404


def test_an_events_leader_downloads_its_pack(event, registered, django_user_model):
    device, secret = registered
    leader = make_user(django_user_model, "领队")
    event.leaders.add(leader)
    response = client_for(leader).get(pack_url(event), **scanner_headers(device, secret))
    assert response.status_code == 200


def test_a_volunteer_gets_no_pack(event, registered, volunteer):
    device, secret = registered
    response = client_for(volunteer.user).get(pack_url(event), **scanner_headers(device, secret))
    assert response.status_code == 404


def test_the_download_samples_the_phones_clock(event, station_manager, registered, clock):
    device, secret = registered
    ahead = (timezone.now() + datetime.timedelta(seconds=42)).isoformat()
    response = client_for(station_manager).get(pack_url(event), **scanner_headers(device, secret, ahead))
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.clock_offset_ms == -42_000
    assert device.last_seen_at == timezone.now()
