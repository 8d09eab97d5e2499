"""Made-up but valid ID numbers (GB 11643) and credit codes (GB 32100) for the demo and the
tests."""

import datetime

from governance.credit_code import (
    ALPHABET,
    credit_code_check_character,
    organisation_code_check_character,
)
from governance.identity import id_number_check_character


def id_number_make(
    *, region: str = "330106", born: datetime.date, serial: int, female: bool = False
) -> str:
    """An 18-character number with the right check character. `serial` (0-99) picks the
    sequence; its last digit is set odd for a man, even for a woman."""
    sequence = serial % 100 * 10 + (0 if female else 1)
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + id_number_check_character(first17)


def credit_code_make(
    *, region: str = "330106", serial: int, department: str = "9", category: str = "1"
) -> str:
    """An 18-character unified social credit code (GB 32100) with both check characters right;
    `serial` (below 31**8) is written in the code's own alphabet as the organisation code body,
    so that distinct serials give distinct codes."""
    body = ""
    for _ in range(8):
        serial, digit = divmod(serial, len(ALPHABET))
        body = ALPHABET[digit] + body
    first17 = department + category + region + body + organisation_code_check_character(body)
    return first17 + credit_code_check_character(first17)
