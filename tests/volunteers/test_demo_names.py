"""The demo's volunteers have given names that fit the gender their ID numbers state (issue 21 item 14)."""

from volunteers.demo import GIVEN, SURNAMES, load_demo_data
from volunteers.models import Volunteer


def test_every_demo_volunteers_given_name_fits_their_gender(db):
    load_demo_data()
    volunteers = list(Volunteer.objects.filter(user__phone__startswith="137000"))
    assert len(volunteers) >= 20
    for volunteer in volunteers:
        assert volunteer.real_name[0] in SURNAMES
        assert volunteer.real_name[1:] in GIVEN[volunteer.gender], (volunteer.real_name, volunteer.gender)
    assert {volunteer.gender for volunteer in volunteers} == {"male", "female"}
