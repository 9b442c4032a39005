"""The volunteer's page shows their own absences this year, with a neutral explanation.

The clock starts at 08:00 on DAY (2026-12-05, Shanghai) by the ``clock`` fixture; the events run 09:00-11:00.
"""

import re

from events.no_shows import mark_no_shows
from events.services import sign_up
from tests.events.conftest import at, make_event


def absences_card(html: str) -> str:
    found = re.search(r'<div class="card" id="my-absences">(.*?)</div>', html, re.S)
    assert found, "no absences card"
    return found.group(1)


def test_my_page_shows_my_absences_this_year(client, tree, volunteer, other_volunteer, clock):
    missed = make_event(tree["S1"], title="错过的清洁")
    kept = make_event(tree["S1"], title="别人的活动")
    sign_up(missed, volunteer, at=at(8))
    sign_up(kept, other_volunteer, at=at(8))
    clock.move_to(at(12))
    mark_no_shows()
    client.force_login(volunteer.user)

    card = absences_card(client.get("/me/").content.decode())

    assert "错过的清洁" in card and "别人的活动" not in card
    assert re.search(r"\b1\b.*\b1\b", card) and "(100%)" in card


def test_no_places_no_absences(client, volunteer, clock):
    client.force_login(volunteer.user)

    card = absences_card(client.get("/me/").content.decode())

    assert "%" not in card and "<li>" not in card
