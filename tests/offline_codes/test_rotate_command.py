import io

import pytest
from django.core.management import CommandError, call_command

from events import card_services, offline_codes
from events.checkin_codes import CodeError, read_volunteer_code
from events.models import CardKey
from tests.events.conftest import at

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("rotate_card_key", *args, stdout=out)
    return out.getvalue()


def test_rotating_then_retiring_says_how_many_cards_to_print_again(
    clock, volunteer, other_volunteer, station_manager, center_manager, card
):
    card_services.issue_card(other_volunteer, center_manager)
    assert "Would make generation 2" in run("--dry-run") and CardKey.objects.count() == 1
    assert "Made generation 2" in run()
    newer = card_services.issue_card(other_volunteer, center_manager)
    assert newer.generation == 2
    assert "1 cards in use to issue again (dry run)" in run("--retire", "1", "--dry-run")
    assert CardKey.objects.get(generation=1).retired_at is None
    output = run("--retire", "1")
    assert "Retired generation 1" in output and "1 cards in use were signed with it" in output
    with pytest.raises(CodeError) as error:
        read_volunteer_code(offline_codes.card_code(card), at(9))
    assert error.value.code == "card_revoked"
    assert read_volunteer_code(offline_codes.card_code(newer), at(9)) == other_volunteer.pk
    listing = run("--list")
    assert "generation 1:" in listing and "retired" in listing and "generation 2:" in listing
    assert "derives it: yes" in listing


def test_the_command_refuses_to_retire_the_last_generation_or_an_unknown_one(clock, volunteer, card):
    with pytest.raises(CommandError, match="last_key"):
        run("--retire", "1")
    with pytest.raises(CommandError, match="unknown_generation"):
        run("--retire", "5")


def test_the_listing_flags_a_key_the_secret_no_longer_derives(clock, settings, card):
    settings.CARD_SIGNING_SECRET = "another secret"
    assert "NO: codes it signs fail" in run("--list")
