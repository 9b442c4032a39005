"""Signing up for a whole series; the clock is frozen at 2026-09-01 08:00 Shanghai (conftest.NOW)."""

import datetime

import pytest

from events.models import SeriesSignup, Signup, SignupStatus
from events.series import SeriesError, cancel_series_signup, generate_occurrences, sign_up_for_series
from events.services import EventError, cancel_signup, sign_up
from tests.conftest import make_volunteer
from tests.series.conftest import NOW, make_series
from volunteers.models import VolunteerStatus

pytestmark = pytest.mark.django_db


def statuses(volunteer, series) -> list[str]:
    rows = Signup.objects.filter(volunteer=volunteer, event__series=series).order_by("event__starts_at")
    return list(rows.values_list("status", flat=True))


def test_a_series_sign_up_takes_a_place_at_each_occurrence_made_and_to_come(weekly, volunteer):
    joined = sign_up_for_series(weekly, volunteer, now=NOW)
    assert len(joined.joined) == 8 and joined.refused == []
    assert statuses(volunteer, weekly) == [SignupStatus.CONFIRMED] * 8
    made = generate_occurrences(now=NOW + datetime.timedelta(days=7))
    assert len(made.created) == 1
    assert made.created[0].signups.get().volunteer == volunteer
    assert statuses(volunteer, weekly) == [SignupStatus.CONFIRMED] * 9


def test_signing_up_twice_keeps_one_series_sign_up(weekly, volunteer):
    sign_up_for_series(weekly, volunteer, now=NOW)
    sign_up_for_series(weekly, volunteer, now=NOW)
    assert SeriesSignup.objects.filter(series=weekly, volunteer=volunteer).count() == 1
    assert Signup.objects.filter(volunteer=volunteer).count() == 8


def test_a_full_occurrence_puts_the_series_volunteer_on_its_waitlist(tree, clock, volunteer, other_volunteer):
    series = make_series(tree["S1"], capacity=1)
    first = series.occurrences.order_by("starts_at").first()
    sign_up(first, other_volunteer, at=NOW)
    joined = sign_up_for_series(series, volunteer, now=NOW)
    assert dict((event.pk, status) for event, status in joined.joined)[first.pk] == SignupStatus.WAITLISTED
    assert statuses(volunteer, series) == [SignupStatus.WAITLISTED] + [SignupStatus.CONFIRMED] * 7


def test_occurrences_the_volunteer_cannot_join_are_skipped_with_the_reason(tree, clock, volunteer):
    series = make_series(tree["S1"], min_age=99)
    joined = sign_up_for_series(series, volunteer, now=NOW)
    assert joined.joined == [] and len(joined.refused) == 8
    assert "最低年龄" in joined.refused[0][1]
    made = generate_occurrences(now=NOW + datetime.timedelta(days=7))
    assert len(made.created) == 1 and made.refused[0][0] == volunteer.pk


def test_cancelling_the_series_sign_up_gives_the_places_back(tree, clock, volunteer):
    series = make_series(tree["S1"], capacity=1)
    waiting = make_volunteer(tree["S1"], "李四")
    sign_up_for_series(series, volunteer, now=NOW)
    first = series.occurrences.order_by("starts_at").first()
    sign_up(first, waiting, at=NOW)
    assert cancel_series_signup(series, volunteer, now=NOW) == 8
    assert statuses(volunteer, series) == [SignupStatus.CANCELLED] * 8
    assert first.signups.get(volunteer=waiting).status == SignupStatus.CONFIRMED
    made = generate_occurrences(now=NOW + datetime.timedelta(days=7))
    assert not made.created[0].signups.exists()
    with pytest.raises(SeriesError) as refused:
        cancel_series_signup(series, volunteer, now=NOW)
    assert refused.value.code == "not_signed_up"


def test_one_occurrence_given_back_is_not_taken_again_by_the_series(weekly, volunteer):
    sign_up_for_series(weekly, volunteer, now=NOW)
    first = weekly.occurrences.order_by("starts_at").first()
    cancel_signup(first, volunteer, at=NOW)
    generate_occurrences(now=NOW + datetime.timedelta(days=1))
    assert first.signups.get(volunteer=volunteer).status == SignupStatus.CANCELLED


def test_a_suspended_volunteer_cannot_sign_up_for_a_series(weekly, volunteer):
    volunteer.status = VolunteerStatus.SUSPENDED
    volunteer.save()
    with pytest.raises(EventError) as refused:
        sign_up_for_series(weekly, volunteer, now=NOW)
    assert refused.value.code == "volunteer_suspended"
    assert not SeriesSignup.objects.exists()
