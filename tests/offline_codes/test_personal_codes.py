import datetime

import pytest
from django.core.cache import cache

from events import card_services, offline_codes
from events.checkin_codes import CodeError, make_volunteer_code, read_volunteer_code
from events.models import CardKey
from tests.events.conftest import at

pytestmark = pytest.mark.django_db


def refusal(token: str, moment: datetime.datetime) -> str:
    with pytest.raises(CodeError) as error:
        read_volunteer_code(token, moment)
    return error.value.code


def test_the_phone_code_is_signed_with_ed25519_and_read_back(clock, volunteer):
    token = make_volunteer_code(volunteer.pk, at(9))
    assert token.startswith("P1.1.") and offline_codes.parse(token).volunteer_id == volunteer.pk
    # It verifies with the public key alone, as a scanner does offline.
    assert offline_codes.verify(token, at(9), {1: CardKey.objects.get(generation=1).public_key}).serial == 0
    assert read_volunteer_code(token, at(9)) == volunteer.pk
    assert read_volunteer_code(token, at(9, 0, 59)) == volunteer.pk


def test_a_phone_code_expires_after_its_windows_and_is_refused_before_its_window(clock, volunteer):
    token = make_volunteer_code(volunteer.pk, at(9))
    assert refusal(token, at(9, 1, 30)) == "token_expired"
    assert refusal(token, at(8, 59)) == "token_invalid"


def test_an_altered_code_is_refused(clock, volunteer, other_volunteer):
    token = make_volunteer_code(volunteer.pk, at(9))
    swapped = token.replace(f".{volunteer.pk}.", f".{other_volunteer.pk}.", 1)
    assert refusal(swapped, at(9)) == "token_invalid"
    assert refusal(token[:-2] + ("AA" if not token.endswith("AA") else "BB"), at(9)) == "token_invalid"
    assert refusal("not a code", at(9)) == "token_invalid"


def test_the_old_hmac_codes_are_no_longer_personal_codes(clock, volunteer):
    from django.core import signing

    old = signing.dumps({"v": volunteer.pk, "w": 1}, salt="events.volunteer-code")
    assert refusal(old, at(9)) == "token_invalid"


def test_reading_a_phone_code_reads_no_key_from_the_database_once_cached(clock, volunteer, django_assert_num_queries):
    read_volunteer_code(make_volunteer_code(volunteer.pk, at(9)), at(9))
    with django_assert_num_queries(0):
        token = make_volunteer_code(volunteer.pk, at(9, 0, 30))
        assert read_volunteer_code(token, at(9, 0, 30)) == volunteer.pk
    cache.clear()
    with django_assert_num_queries(1):
        read_volunteer_code(token, at(9, 0, 30))


def test_a_card_is_accepted_until_revoked(clock, volunteer, station_manager, card):
    token = offline_codes.card_code(card)
    assert token == offline_codes.card_code(card), "a reprint gives the same code"
    assert read_volunteer_code(token, at(9)) == volunteer.pk
    # A card has no window: the same code days later.
    assert read_volunteer_code(token, at(9) + datetime.timedelta(days=300)) == volunteer.pk
    card_services.revoke_card(card, station_manager, "丢失")
    assert refusal(token, at(9)) == "card_revoked"
    assert offline_codes.revoked_cards() == [(volunteer.pk, 1)]


def test_a_new_card_replaces_the_old_one(clock, volunteer, station_manager, card):
    old = offline_codes.card_code(card)
    new_card = card_services.issue_card(volunteer, station_manager)
    assert new_card.serial == 2
    card.refresh_from_db()
    assert card.revoked_at is not None and card.revoked_by == station_manager and "2" in card.revoke_reason
    assert refusal(old, at(9)) == "card_revoked"
    assert read_volunteer_code(offline_codes.card_code(new_card), at(9)) == volunteer.pk
    assert offline_codes.revoked_cards() == [(volunteer.pk, 1)]


def test_a_card_serial_never_issued_is_refused_even_if_signed(clock, volunteer, card):
    assert refusal(offline_codes.make_card_code(volunteer.pk, 7), at(9)) == "card_revoked"


def test_rotation_signs_new_codes_with_the_new_generation_and_old_codes_still_verify(clock, volunteer, card):
    before = make_volunteer_code(volunteer.pk, at(9))
    key = card_services.rotate_key()
    assert key.generation == 2
    after = make_volunteer_code(volunteer.pk, at(9))
    assert after.startswith("P1.2.")
    assert read_volunteer_code(before, at(9)) == read_volunteer_code(after, at(9)) == volunteer.pk
    assert read_volunteer_code(offline_codes.card_code(card), at(9)) == volunteer.pk
    assert set(offline_codes.active_public_keys()) == {1, 2}


def test_a_retired_generation_is_refused_and_its_cards_read_as_revoked(clock, volunteer, station_manager, card):
    phone = make_volunteer_code(volunteer.pk, at(9))
    card_services.rotate_key()
    assert card_services.retire_key(1) == 1
    assert refusal(phone, at(9)) == "token_invalid"
    assert refusal(offline_codes.card_code(card), at(9)) == "card_revoked"
    # The card issued again is signed with the generation in use.
    again = card_services.issue_card(volunteer, station_manager)
    assert again.generation == 2 and read_volunteer_code(offline_codes.card_code(again), at(9)) == volunteer.pk


def test_a_forged_card_of_a_retired_generation_is_invalid_not_revoked(clock, volunteer, card):
    card_services.rotate_key()
    card_services.retire_key(1)
    forged = offline_codes.card_code(card)[:-4] + "AAAA"
    assert refusal(forged, at(9)) == "token_invalid"


def test_the_last_generation_in_use_cannot_be_retired(clock, volunteer):
    make_volunteer_code(volunteer.pk, at(9))
    with pytest.raises(card_services.CardError) as error:
        card_services.retire_key(1)
    assert error.value.code == "last_key"
    card_services.rotate_key()
    card_services.retire_key(1)
    for generation, code in ((1, "already_retired"), (9, "unknown_generation")):
        with pytest.raises(card_services.CardError) as error:
            card_services.retire_key(generation)
        assert error.value.code == code


def test_a_process_with_stale_cached_keys_still_accepts_a_generation_made_since(clock, volunteer):
    make_volunteer_code(volunteer.pk, at(9))
    stale = offline_codes.active_public_keys()
    card_services.rotate_key()
    # Another process: its cache still holds generation 1 only.
    cache.set(offline_codes.KEYS_CACHE, stale)
    token = offline_codes.sign(2, volunteer.pk, 0, offline_codes.window_of(at(9)))
    assert read_volunteer_code(token, at(9)) == volunteer.pk
    assert set(offline_codes.active_public_keys()) == {1, 2}


def test_a_card_is_refused_where_only_the_phone_code_may_serve(clock, volunteer, card):
    """The shop takes points with the phone's code only: a card never expires, so a found card
    would spend someone's points without them."""
    from events.checkin_codes import read_phone_code

    assert read_phone_code(make_volunteer_code(volunteer.pk, at(9)), at(9)) == volunteer.pk
    with pytest.raises(CodeError) as error:
        read_phone_code(offline_codes.card_code(card), at(9))
    assert error.value.code == "card_not_accepted"


def test_a_signature_with_other_spare_bits_is_not_another_text_of_the_same_code(clock, volunteer, card):
    """86 base64 characters carry 4 bits more than a signature's 64 bytes: a code whose last
    character differs only in them is refused, so one card has exactly one text."""
    token = offline_codes.card_code(card)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(token[-1])
    twins = [token[:-1] + alphabet[(last & ~0b1111) | bits] for bits in range(16) if (last & 0b1111) != bits]
    assert offline_codes.unb64(twins[0].rsplit(".", 1)[1]) == offline_codes.unb64(token.rsplit(".", 1)[1])
    for twin in twins:
        assert refusal(twin, at(9)) == "token_invalid"
    assert read_volunteer_code(token, at(9)) == volunteer.pk


@pytest.mark.parametrize(
    "token",
    [
        "",
        "P1." + "9" * 100_000,
        "P1.1.١٢.0.1.".ljust(100, "A"),
        "P1.99999.999999999999.999999999.999999999999." + "A" * 86,
        "P1.1.1.0.1." + "A" * 86 + "\x00",
        "P1.1.1.0.1.\ud800" + "A" * 85,
        "😀" * 50_000,
    ],
)
def test_a_huge_malformed_or_unicode_code_is_only_invalid(clock, volunteer, token):
    from events.checkin_codes import read_event_code

    assert refusal(token, at(9)) == "token_invalid"
    with pytest.raises(CodeError):
        read_event_code(token, at(9))
