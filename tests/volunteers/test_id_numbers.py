import datetime

import pytest
from django.core.exceptions import ValidationError

from volunteers.id_numbers import check_character, mask_id_number, normalize_id_number, parse_id_number

# Valid numbers built by hand from the standard's algorithm; the first is the
# sample of GB 11643-1999 itself.
VALID = ["11010519491231002X", "440524193001010010", "110105199001011232", "650102198507154427", "330782200002290044"]
CHARS = "0123456789X"


@pytest.mark.parametrize("number", VALID)
def test_valid_numbers_pass(number):
    parse_id_number(number)


def test_the_standard_sample_says_born_1949_and_female():
    facts = parse_id_number("11010519491231002X")
    assert facts.birth_date == datetime.date(1949, 12, 31)
    assert facts.gender == "female"


def test_a_lowercase_x_is_normalised():
    assert normalize_id_number(" 11010519491231002x ") == "11010519491231002X"


@pytest.mark.parametrize("number", VALID)
def test_every_single_character_corruption_is_rejected(number):
    for position in range(18):
        for char in CHARS if position == 17 else CHARS[:10]:
            if char == number[position]:
                continue
            corrupted = number[:position] + char + number[position + 1 :]
            with pytest.raises(ValidationError):
                parse_id_number(corrupted)


def with_check(first17: str) -> str:
    return first17 + check_character(first17)


def test_a_future_birth_date_is_rejected():
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    with pytest.raises(ValidationError, match="不可能"):
        parse_id_number(with_check(f"110105{tomorrow:%Y%m%d}123"))


@pytest.mark.parametrize("date", ["19990230", "20011301", "19990000"])
def test_an_impossible_birth_date_is_rejected(date):
    with pytest.raises(ValidationError):
        parse_id_number(with_check(f"110105{date}123"))


@pytest.mark.parametrize("number", ["11010519491231002", "11010519491231002XX", "1101051949123100A2", ""])
def test_wrong_length_or_characters_are_rejected(number):
    with pytest.raises(ValidationError):
        parse_id_number(number)


def test_masking_keeps_region_and_tail():
    assert mask_id_number("110105194912310012") == "110105********0012"


def test_a_birth_year_before_1900_is_rejected():
    with pytest.raises(ValidationError):
        parse_id_number(with_check("44052418800101001"))
