"""Volunteer.objects.of_user: the one way to find the volunteer a login belongs to."""

from django.contrib.auth.models import AnonymousUser

from volunteers.models import Volunteer


def test_a_volunteer_finds_their_own_profile(volunteer, other_volunteer):
    assert list(Volunteer.objects.of_user(volunteer.user)) == [volunteer]


def test_a_manager_who_never_registered_and_a_visitor_have_none(station_manager, volunteer):
    assert Volunteer.objects.of_user(station_manager).first() is None
    assert Volunteer.objects.of_user(AnonymousUser()).first() is None


def test_a_manager_without_a_profile_is_sent_from_the_volunteer_page_to_the_workbench(client, station_manager):
    client.force_login(station_manager)
    response = client.get("/me/")
    assert response.status_code == 302 and response["Location"].endswith("/workbench/")
