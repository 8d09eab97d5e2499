"""Unified social credit codes: GB 32100-2015 structure, GB 11714 and MOD 31 check characters."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from governance.credit_code import credit_code_validate, validate_credit_code

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

# Codes of well-known companies as printed on their published business licences (and in the
# national enterprise credit information system, 国家企业信用信息公示系统): 深圳市腾讯计算机
# 系统有限公司, 华为技术有限公司, 小米科技有限责任公司, 北京百度网讯科技有限公司, 阿里巴巴(中国)
# 有限公司. Recalled, then checked here: a misremembered code would pass both check characters
# by chance about once in 341 (11 x 31).
PUBLISHED = [
    "91440300708461136T",
    "914403001922038216",
    "91110108551385082Q",
    "91110000802100433B",
    "91330100716105852F",
]

# The tables of GB 32100-2015 (and the codes added since: departments A and N, the committees'
# categories 54 and 55), restated.
CATEGORIES = {
    "1": "1239",
    "2": "19",
    "3": "123459",
    "4": "19",
    "5": "123459",
    "6": "129",
    "7": "129",
    "8": "19",
    "9": "123",
    "A": "19",
    "N": "1239",
    "Y": "1",
}


def organisation_check(body: str) -> str:
    """Brute force from the definition of GB 11714: the one check character (0-9, X for ten)
    that makes the weighted sum of all nine a multiple of 11."""
    total = sum(int(c, 36) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    return next(c for c in "0123456789X" if (total + "0123456789X".index(c)) % 11 == 0)


def final_check(first17: str) -> str:
    """Brute force from GB 32100's definition: the one alphabet character that, added to the sum
    of the first seventeen values weighted 3**(position-1), makes a multiple of 31."""
    total = sum(ALPHABET.index(c) * 3**i for i, c in enumerate(first17))
    return next(c for c in ALPHABET if (total + ALPHABET.index(c)) % 31 == 0)


departments = st.sampled_from(sorted(CATEGORIES))
regions = st.integers(min_value=100000, max_value=829999).map(str)
bodies = st.text(alphabet=ALPHABET, min_size=8, max_size=8)


@st.composite
def valid_codes(draw: st.DrawFn) -> str:
    department = draw(departments)
    category = draw(st.sampled_from(CATEGORIES[department]))
    body = draw(bodies)
    first17 = department + category + draw(regions) + body + organisation_check(body)
    return first17 + final_check(first17)


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code):
    assert credit_code_validate(code) == code


def test_it_strips_spaces_and_upper_cases():
    assert credit_code_validate("  91440300708461136t \n") == "91440300708461136T"


@given(valid_codes())
def test_every_generated_code_is_valid(code):
    assert credit_code_validate(code) == code


@given(valid_codes(), st.integers(min_value=0, max_value=17), st.data())
def test_every_single_character_change_is_rejected(code, position, data):
    # Any other character: of the alphabet, a letter it leaves out, a lower-case letter that is
    # not the same one, punctuation.
    others = [c for c in ALPHABET + "IOSVZaio-* " if c.upper() != code[position]]
    changed = code[:position] + data.draw(st.sampled_from(others)) + code[position + 1 :]
    with pytest.raises(ValidationError):
        credit_code_validate(changed)


@given(valid_codes(), st.integers(min_value=0, max_value=16))
def test_every_transposition_of_two_differing_adjacent_characters_is_rejected(code, position):
    a, b = code[position], code[position + 1]
    if a == b:
        return  # swapping equal characters changes nothing
    swapped = code[:position] + b + a + code[position + 2 :]
    with pytest.raises(ValidationError):
        credit_code_validate(swapped)


def messages_of(code: str) -> str:
    with pytest.raises(ValidationError) as error:
        credit_code_validate(code)
    return " ".join(error.value.messages)


def test_each_part_that_is_wrong_is_named():
    good = PUBLISHED[0]  # 91440300708461136T
    assert "18 characters" in messages_of(good[:17])
    assert "except I, O, S, V and Z" in messages_of("O" + good[1:])
    assert "registration department" in messages_of("B" + good[1:])
    assert "organisation category" in messages_of("95" + good[2:])
    assert "not a region code" in messages_of(good[:2] + "040300" + good[8:])
    assert "characters 9 to 17" in messages_of(good[:16] + "9" + good[17])
    assert "check character (the last one)" in messages_of(good[:17] + "U")


def test_the_field_validator_leaves_an_empty_value_to_the_field():
    validate_credit_code("")
    with pytest.raises(ValidationError):
        validate_credit_code("91440300708461136U")
