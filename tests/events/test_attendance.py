"""A volunteer's answer to a reminder or a promotion: "I am coming", give the place back, and the release
of promoted places nobody confirmed. The clock is frozen by tests/events/conftest.py's ``clock`` (DAY 08:00)."""

import pytest
from django.core.management import call_command
from django.test import Client

from events import attendance
from events.attendance import AttendanceError
from events.models import Signup, SignupStatus
from events.services import cancel_signup, sign_up
from tests.conftest import client_for, make_volunteer
from tests.events.conftest import at, make_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_event(tree, clock):
    """One place (taken by the first volunteer) and two volunteers waiting, in order."""
    event = make_event(tree["S1"], capacity=1)
    people = [make_volunteer(tree["S1"], name) for name in ("甲", "乙", "丙")]
    for minute, person in enumerate(people):
        sign_up(event, person, at=at(7, minute))
    return event, people


def signup_of(event, volunteer) -> Signup:
    return Signup.objects.get(event=event, volunteer=volunteer)


def test_i_am_coming_is_kept_with_its_first_time(event, signed_up):
    signup = signup_of(event, signed_up)
    attendance.reconfirm(signup, by_volunteer=signed_up, at=at(8))
    attendance.reconfirm(signup, by_volunteer=signed_up, at=at(8, 30))
    assert signup_of(event, signed_up).reconfirmed_at == at(8)


def test_a_promoted_place_is_confirmed_before_its_deadline_and_not_after(full_event, settings):
    settings.SIGNUP_CONFIRM_HOURS = 12
    event, (first, second, _third) = full_event
    cancel_signup(event, first, at=at(7, 30))
    promoted = signup_of(event, second)
    assert promoted.confirm_by == event.starts_at  # 12 hours would pass the start
    with pytest.raises(AttendanceError) as refused:
        attendance.reconfirm(promoted, by_volunteer=second, at=at(9))
    assert refused.value.code == "event_started"
    event.starts_at, event.ends_at = at(23), at(23, 30)
    event.save()
    Signup.objects.filter(pk=promoted.pk).update(confirm_by=at(8, 30))
    with pytest.raises(AttendanceError) as late:
        attendance.reconfirm(promoted, by_volunteer=second, at=at(8, 31))
    assert late.value.code == "deadline_passed" and late.value.status_code == 409
    assert attendance.reconfirm(promoted, by_volunteer=second, at=at(8, 30)).reconfirmed_at == at(8, 30)


@pytest.mark.parametrize(
    ("who", "code"),
    [("waiting", "not_confirmed"), ("given_back", "given_back"), ("someone_else", "not_yours")],
)
def test_only_the_volunteer_of_a_confirmed_place_confirms_it(full_event, who, code):
    event, (first, second, third) = full_event
    signup = {"waiting": signup_of(event, third), "given_back": signup_of(event, first)}.get(who)
    by = third if who == "waiting" else first
    if who == "given_back":
        cancel_signup(event, first, at=at(7, 30))
    if who == "someone_else":
        signup, by = signup_of(event, first), second
    with pytest.raises(AttendanceError) as refused:
        attendance.reconfirm(signup, by_volunteer=by, at=at(8))
    assert refused.value.code == code


def test_a_cancelled_event_takes_no_confirmation(event, signed_up):
    event.status = "cancelled"
    event.save()
    with pytest.raises(AttendanceError) as refused:
        attendance.reconfirm(signup_of(event, signed_up), by_volunteer=signed_up, at=at(8))
    assert refused.value.code == "event_not_open"


def test_giving_back_a_place_promotes_the_first_in_the_queue_once(full_event):
    event, (first, second, third) = full_event
    attendance.give_back(signup_of(event, first), at=at(8))
    attendance.give_back(signup_of(event, first), at=at(8, 1))
    assert [signup_of(event, person).status for person in (first, second, third)] == [
        SignupStatus.CANCELLED,
        SignupStatus.CONFIRMED,
        SignupStatus.WAITLISTED,
    ]
    assert signup_of(event, second).confirm_by is not None


def test_after_the_start_a_place_is_not_given_back(event, signed_up):
    with pytest.raises(AttendanceError) as refused:
        attendance.give_back(signup_of(event, signed_up), at=at(9))
    assert refused.value.code == "event_started"
    assert signup_of(event, signed_up).status == SignupStatus.CONFIRMED


def test_promoted_places_not_confirmed_in_time_go_to_the_next_in_the_queue(tree, clock, settings):
    settings.SIGNUP_CONFIRM_HOURS = 1
    event = make_event(tree["S1"], capacity=2, starts_at=at(20), ends_at=at(22))
    people = [make_volunteer(tree["S1"], name) for name in ("甲", "乙", "丙", "丁", "戊")]
    for minute, person in enumerate(people):
        sign_up(event, person, at=at(7, minute))
    first, second, _third, fourth, fifth = people
    cancel_signup(event, first, at=at(8))
    cancel_signup(event, second, at=at(8))  # the third and fourth are promoted until 09:00
    attendance.reconfirm(signup_of(event, fourth), by_volunteer=fourth, at=at(8, 30))

    assert attendance.release_unconfirmed(now=at(9)) == {"released": 0}  # the deadline itself still counts
    assert attendance.release_unconfirmed(now=at(9, 1), dry_run=True) == {"released": 1}
    assert attendance.release_unconfirmed(now=at(9, 1)) == {"released": 1}
    assert attendance.release_unconfirmed(now=at(9, 2)) == {"released": 0}
    statuses = {person.real_name: signup_of(event, person).status for person in people}
    assert statuses == {"甲": "cancelled", "乙": "cancelled", "丙": "cancelled", "丁": "confirmed", "戊": "confirmed"}
    assert signup_of(event, fifth).confirm_by == at(10, 1)


def test_no_place_is_released_once_the_event_has_started(full_event, settings):
    event, (first, second, _third) = full_event
    cancel_signup(event, first, at=at(7, 30))
    Signup.objects.filter(event=event, volunteer=second).update(confirm_by=at(8))
    assert attendance.release_unconfirmed(now=at(9, 30)) == {"released": 0}
    assert signup_of(event, second).status == SignupStatus.CONFIRMED


def test_the_release_command_says_what_it_did(full_event, capsys):
    event, (first, second, third) = full_event
    cancel_signup(event, first, at=at(7, 30))
    Signup.objects.filter(event=event, volunteer=second).update(confirm_by=at(7, 45))
    call_command("release_unconfirmed", "--dry-run")
    call_command("release_unconfirmed")
    assert capsys.readouterr().out.splitlines() == [
        "Would give back 1 unconfirmed places.",
        "Gave back 1 unconfirmed places.",
    ]
    assert signup_of(event, third).status == SignupStatus.CONFIRMED


# API ----------------------------------------------------------------------------------------------


def test_a_volunteer_confirms_and_gives_back_by_the_api(full_event):
    event, (first, second, _third) = full_event
    client = client_for(first.user)
    signup = signup_of(event, first)
    confirmed = client.post(f"/api/v1/signups/{signup.pk}/confirm/")
    assert confirmed.status_code == 200 and confirmed.json()["reconfirmed_at"] is not None
    given = client.post(f"/api/v1/signups/{signup.pk}/give-back/")
    assert given.status_code == 200 and given.json()["status"] == "cancelled"
    assert signup_of(event, second).status == SignupStatus.CONFIRMED


def test_the_api_answers_a_refusal_with_its_code(full_event):
    event, (_first, _second, third) = full_event
    response = client_for(third.user).post(f"/api/v1/signups/{signup_of(event, third).pk}/confirm/")
    assert response.status_code == 409 and response.json()["code"] == "not_confirmed"


def test_nobody_answers_for_someone_else(full_event, station_manager, anon_client):
    event, (first, second, _third) = full_event
    signup = signup_of(event, first)
    for path in ("confirm", "give-back"):
        assert client_for(second.user).post(f"/api/v1/signups/{signup.pk}/{path}/").status_code == 404
        assert client_for(station_manager).post(f"/api/v1/signups/{signup.pk}/{path}/").status_code == 404
        assert anon_client.post(f"/api/v1/signups/{signup.pk}/{path}/").status_code == 401
    assert signup_of(event, first).status == SignupStatus.CONFIRMED and signup_of(event, first).reconfirmed_at is None


# The page ---------------------------------------------------------------------------------------


def page_client(volunteer) -> Client:
    client = Client()
    client.force_login(volunteer.user)
    return client


def test_the_page_shows_the_event_and_the_two_answers(event, signed_up):
    signup = signup_of(event, signed_up)
    html = page_client(signed_up).get(f"/signups/{signup.pk}/confirm/").content.decode()
    assert "社区环境清洁" in html and "东门社区广场" in html and "09:00" in html
    assert 'id="coming-button"' in html and 'id="give-back-button"' in html


def test_a_promoted_volunteer_sees_the_deadline(full_event):
    event, (first, second, _third) = full_event
    cancel_signup(event, first, at=at(7, 30))
    html = page_client(second).get(f"/signups/{signup_of(event, second).pk}/confirm/").content.decode()
    assert 'id="confirm-by"' in html and 'data-state="promoted"' in html


def test_one_tap_confirms_and_one_tap_gives_back(full_event):
    event, (first, second, _third) = full_event
    url = f"/signups/{signup_of(event, first).pk}/confirm/"
    client = page_client(first)
    response = client.post(url, {"answer": "coming"}, follow=True)
    assert 'data-state="coming"' in response.content.decode() and 'id="coming-button"' not in response.content.decode()
    response = client.post(url, {"answer": "give_back"}, follow=True)
    assert 'data-state="given_back"' in response.content.decode()
    assert signup_of(event, second).status == SignupStatus.CONFIRMED


def test_an_unknown_answer_changes_nothing(event, signed_up):
    url = f"/signups/{signup_of(event, signed_up).pk}/confirm/"
    response = page_client(signed_up).post(url, {"answer": "maybe"}, follow=True)
    assert response.status_code == 200
    assert signup_of(event, signed_up).reconfirmed_at is None


def test_the_page_is_its_volunteers_only(event, signed_up, other_volunteer, station_manager):
    url = f"/signups/{signup_of(event, signed_up).pk}/confirm/"
    assert page_client(other_volunteer).get(url).status_code == 404
    manager = Client()
    manager.force_login(station_manager)
    assert manager.get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page


def test_the_answer_needs_the_csrf_token(event, signed_up):
    client = Client(enforce_csrf_checks=True)
    client.force_login(signed_up.user)
    response = client.post(f"/signups/{signup_of(event, signed_up).pk}/confirm/", {"answer": "coming"})
    assert response.status_code == 403
    assert signup_of(event, signed_up).reconfirmed_at is None


def test_after_the_start_the_page_offers_no_answer(event, signed_up, clock):
    clock.move_to(at(9, 5))
    html = page_client(signed_up).get(f"/signups/{signup_of(event, signed_up).pk}/confirm/").content.decode()
    assert 'data-state="started"' in html and "give-back-button" not in html
