"""Made-up but valid ID numbers (GB 11643) for the demo and the tests."""

import datetime

from governance.identity import id_number_check_character


def id_number_make(
    *, region: str = "330106", born: datetime.date, serial: int, female: bool = False
) -> str:
    """An 18-character number with the right check character. `serial` (0-99) picks the
    sequence; its last digit is set odd for a man, even for a woman."""
    sequence = serial % 100 * 10 + (0 if female else 1)
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + id_number_check_character(first17)
