"""Citizen identity numbers (公民身份号码), GB 11643-1999.

Eighteen characters: a six-digit administrative region code (GB/T 2260, where the number was
first issued), the birth date as YYYYMMDD, a three-digit sequence whose last digit is odd for
men and even for women, and a check character computed over the first seventeen digits by
ISO 7064 MOD 11-2 (0-9 or X for ten).

The fifteen-digit numbers issued before 1999 are not accepted: every living holder's card
was reissued with eighteen characters, and a ledger keeps one form only.
"""

import datetime
import operator
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ID_NUMBER_LENGTH = 18

# ISO 7064 MOD 11-2: weight of position i (1-based from the left) is 2**(18 - i) mod 11.
CHECK_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"  # indexed by (weighted sum mod 11)

_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
# No one alive was born before this; a year such as 0987 is a typing error, not a date.
EARLIEST_BIRTH_DATE = datetime.date(1850, 1, 1)


def id_number_check_character(first17: str) -> str:
    """The check character of the first seventeen digits."""
    if len(first17) != len(CHECK_WEIGHTS):
        raise ValueError("the check character is computed over 17 digits")
    total = sum(map(operator.mul, map(int, first17), CHECK_WEIGHTS))
    return CHECK_CHARACTERS[total % 11]


def _birth_date(number: str) -> datetime.date | None:
    try:
        return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def _maybe_future(born: datetime.date) -> bool:
    """Whether the date lies after today in the portal's time zone. Asking the time zone costs
    ~20 µs, a fifth of a whole check: only a date within two days of the machine's today
    (either side of any time zone's midnight) needs it (an import checks 100,000 numbers)."""
    if born < datetime.date.today() - datetime.timedelta(days=2):
        return False
    return born > timezone.localdate()


def id_number_validate(value: str) -> str:
    """The number in its one stored form, or ValidationError naming what is wrong.

    Normalises first: surrounding spaces dropped, a lower-case check character x
    upper-cased (people type both)."""
    number = str(value).strip().upper()
    if not _SHAPE.fullmatch(number):
        raise ValidationError(
            _("An ID number has 18 characters: 17 digits and a check character (a digit or X)."),
            code="id_number_shape",
        )
    if number[0] == "0":
        # GB/T 2260 region codes start with the province (11 to 82): none starts with 0.
        raise ValidationError(
            _("The ID number's first six digits are not a region code."),
            code="id_number_region",
        )
    born = _birth_date(number)
    if born is None or born < EARLIEST_BIRTH_DATE or _maybe_future(born):
        raise ValidationError(
            _(
                "The ID number's birth date (digits 7 to 14: %(date)s) is not a real date "
                "in the past."
            ),
            code="id_number_birth_date",
            params={"date": number[6:14]},
        )
    if id_number_check_character(number[:17]) != number[17]:
        raise ValidationError(
            _(
                "The ID number's check character (the last one) does not match the other "
                "17 digits: a digit was probably mistyped."
            ),
            code="id_number_checksum",
        )
    return number


def id_number_facts(value: str) -> tuple[str, str, datetime.date]:
    """(the number in its stored form, "male" or "female", the birth date), validating once:
    what a registration derives from the number (ValidationError for an invalid one)."""
    number = id_number_validate(value)
    born = _birth_date(number)
    assert born is not None  # id_number_validate checked it
    return number, "male" if int(number[16]) % 2 else "female", born


def id_number_birth_date(value: str) -> datetime.date:
    """The holder's birth date (raises ValidationError for an invalid number)."""
    born = _birth_date(id_number_validate(value))
    assert born is not None  # id_number_validate checked it
    return born


def id_number_sex(value: str) -> str:
    """ "male" or "female": the parity of the 17th digit (odd for men)."""
    return "male" if int(id_number_validate(value)[16]) % 2 else "female"


def id_number_mask(value: str) -> str:
    """The number as shown to someone without the right to see it: first and last
    character only, e.g. 3****************4.

    Why not the common 330106********1234: the region code, the birth date and the
    sequence each narrow a person down, and together with a name on the same screen the
    first six and last four (sex included) all but identify a resident of a small grid.
    The first digit only names a large group of provinces, and the check character is a
    function of the rest: together they tell a worker which of two records is which
    without telling anyone who the person is. Whoever needs more has the right to see the
    whole number, and that viewing is logged."""
    text = str(value).strip()
    if len(text) <= 2:
        return "*" * len(text)
    return text[0] + "*" * (len(text) - 2) + text[-1]


def validate_id_number(value: str) -> None:
    """A Django validator (model and form fields): accepts what id_number_validate accepts."""
    id_number_validate(value)
