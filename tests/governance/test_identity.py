"""Citizen identity numbers: GB 11643-1999 structure, ISO 7064 MOD 11-2 check character."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from governance.identity import (
    id_number_birth_date,
    id_number_mask,
    id_number_sex,
    id_number_validate,
    validate_id_number,
)

# The example in GB 11643-1999's appendix and a second well-known specimen.
STANDARD_EXAMPLE = "11010519491231002X"
SPECIMEN = "440524188001010014"


def check_character(first17: str) -> str:
    """Written here from the standard's definition (2**(18-i) mod 11 weights), not copied from
    the module under test."""
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    return "10X98765432"[total % 11]


regions = st.integers(min_value=110000, max_value=829999).map(str)
birth_dates = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2024, 12, 31))
sequences = st.integers(min_value=0, max_value=999).map(lambda n: f"{n:03d}")


@st.composite
def valid_numbers(draw: st.DrawFn) -> str:
    first17 = draw(regions) + draw(birth_dates).strftime("%Y%m%d") + draw(sequences)
    return first17 + check_character(first17)


def test_the_standards_example_is_valid_and_reads_as_a_man_born_on_new_years_eve_1949():
    assert id_number_validate(STANDARD_EXAMPLE) == STANDARD_EXAMPLE
    assert id_number_birth_date(STANDARD_EXAMPLE) == datetime.date(1949, 12, 31)
    assert id_number_sex(STANDARD_EXAMPLE) == "female"  # 17th digit 2: even
    assert id_number_sex(SPECIMEN) == "male"  # 17th digit 1: odd
    assert id_number_birth_date(SPECIMEN) == datetime.date(1880, 1, 1)


def test_it_strips_spaces_and_upper_cases_the_check_character():
    assert id_number_validate("  11010519491231002x \n") == STANDARD_EXAMPLE


@given(valid_numbers())
def test_every_number_with_the_right_check_character_is_valid_and_keeps_its_facts(number):
    assert id_number_validate(number) == number
    assert id_number_birth_date(number).strftime("%Y%m%d") == number[6:14]
    assert id_number_sex(number) == ("male" if int(number[16]) % 2 else "female")


@given(valid_numbers(), st.integers(min_value=0, max_value=17), st.integers(0, 100))
def test_every_single_character_change_is_caught(number, position, shift):
    alphabet = "0123456789X" if position == 17 else "0123456789"
    shift = 1 + shift % (len(alphabet) - 1)  # never back to the same character
    replacement = alphabet[(alphabet.index(number[position]) + shift) % len(alphabet)]
    changed = number[:position] + replacement + number[position + 1 :]
    assert changed != number
    with pytest.raises(ValidationError):
        id_number_validate(changed)


@given(valid_numbers(), st.integers(min_value=0, max_value=16))
def test_every_swap_of_two_different_neighbours_is_caught(number, position):
    swapped = number[:position] + number[position + 1] + number[position] + number[position + 2 :]
    if swapped != number:
        with pytest.raises(ValidationError):
            id_number_validate(swapped)


@pytest.mark.parametrize(
    "value",
    ["", "1101051949123100", "11010519491231002XX", "1101051949123100X2", "11010519491231002Y"],
)
def test_a_wrong_length_or_character_is_refused_as_such(value):
    with pytest.raises(ValidationError) as caught:
        id_number_validate(value)
    assert caught.value.code == "id_number_shape"


def with_check(first17: str) -> str:
    return first17 + check_character(first17)


@pytest.mark.parametrize("birth", ["19490230", "19491301", "18000101", "00000000"])
def test_an_impossible_birth_date_is_refused_with_the_date_named(birth):
    number = with_check("110105" + birth + "002")
    with pytest.raises(ValidationError) as caught:
        id_number_validate(number)
    assert caught.value.code == "id_number_birth_date"
    assert birth in caught.value.messages[0]


def test_a_birth_date_after_today_is_refused():
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        id_number_validate(with_check("110105" + tomorrow.strftime("%Y%m%d") + "002"))
    assert caught.value.code == "id_number_birth_date"
    today = timezone.localdate().strftime("%Y%m%d")
    assert id_number_validate(with_check("110105" + today + "002"))


def test_a_region_code_starting_with_zero_is_refused():
    with pytest.raises(ValidationError) as caught:
        id_number_validate(with_check("010105194912310021"[:17]))
    assert caught.value.code == "id_number_region"


def test_a_wrong_check_character_is_refused_as_a_mistyped_digit():
    with pytest.raises(ValidationError) as caught:
        id_number_validate("110105194912310021")
    assert caught.value.code == "id_number_checksum"


def test_the_messages_are_in_chinese_for_chinese_users():
    with translation.override("zh-hans"):
        for value in ("123", "110105194912310021", with_check("11010519491330002")):
            with pytest.raises(ValidationError) as caught:
                id_number_validate(value)
            message = caught.value.messages[0]
            assert "身份证号" in message, message


def test_the_validator_accepts_what_the_function_accepts():
    validate_id_number(STANDARD_EXAMPLE)
    with pytest.raises(ValidationError):
        validate_id_number("110105194912310021")


def test_the_mask_shows_only_the_first_and_last_character():
    assert id_number_mask(STANDARD_EXAMPLE) == "1" + "*" * 16 + "X"
    assert id_number_mask("") == ""
    assert id_number_mask("12") == "**"


@given(valid_numbers())
def test_the_mask_hides_the_region_birth_date_and_sequence(number):
    masked = id_number_mask(number)
    assert len(masked) == 18
    assert masked[1:17] == "*" * 16
    assert number[1:17] not in masked
