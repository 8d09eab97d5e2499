"""Unified social credit codes (统一社会信用代码), GB 32100-2015.

Eighteen characters from a 31-character alphabet (the digits and the capital letters
without I, O, S, V and Z, which are too easily read as 1, 0, 5, U and 2):

- 1: the registration department (登记管理部门代码), e.g. 9 for market regulation (工商);
- 2: the organisation category within that department (机构类别代码), e.g. 91 an enterprise;
- 3-8: the six-digit administrative region code of the registering office (GB/T 2260);
- 9-17: the organisation code (主体标识码, GB 11714): eight characters and their own check
  character (0-9 or X), computed MOD 11 with weights 3, 7, 9, 10, 5, 8, 4, 2;
- 18: the check character of the first seventeen, MOD 31 with weights 3**(i-1) mod 31.

The department and category tables are the standard's, with the two departments added to
it since (A, the CMC's staffing office, and N, agriculture for rural collectives).
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CREDIT_CODE_LENGTH = 18
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # a character's value is its index
# Position i (1-based) weighs 3**(i-1) mod 31.
CHECK_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

# GB 11714: the organisation code's body weights and its check characters.
ORGANISATION_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

# Registration department -> the organisation categories it registers.
CATEGORIES: dict[str, str] = {
    "1": "1239",  # 机构编制: 机关, 事业单位, 中央编办管理的群众团体, 其他
    "2": "19",  # 外交: 外国常驻新闻机构, 其他
    "3": "123459",  # 司法行政: 律师执业机构, 公证处, 基层法律服务所, 司法鉴定机构, 仲裁委员会, 其他
    "4": "19",  # 文化: 外国在华文化中心, 其他
    # 民政: 社会团体, 民办非企业单位, 基金会, 其他; and 4, 5 as given since 2017 to the
    # villagers' and residents' committees (基层群众性自治组织), which the 2015 table predates.
    "5": "123459",
    "6": "129",  # 旅游: 外国/港澳台旅游部门常驻代表机构, 其他
    "7": "129",  # 宗教: 宗教活动场所, 宗教院校, 其他
    "8": "19",  # 工会: 基层工会, 其他
    "9": "123",  # 工商 (now market regulation): 企业, 个体工商户, 农民专业合作社
    "A": "19",  # 中央军委改革和编制办公室: 军队事业单位, 其他
    "N": "1239",  # 农业: 组级, 村级, 乡镇级集体经济组织, 其他
    "Y": "1",  # 其他
}

_SHAPE = re.compile(f"[{ALPHABET}]{{{CREDIT_CODE_LENGTH}}}")


def organisation_code_check_character(body: str) -> str:
    """GB 11714's check character of the eight-character organisation code body (a letter
    counts as 10 for A up to 35 for Z, whatever the alphabet of the code around it)."""
    total = sum(int(c, 36) * w for c, w in zip(body, ORGANISATION_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def credit_code_check_character(first17: str) -> str:
    """The 18th character of a code whose first seventeen are `first17`."""
    total = sum(
        ALPHABET.index(c) * weight for c, weight in zip(first17, CHECK_WEIGHTS, strict=True)
    )
    return ALPHABET[-total % 31]


def credit_code_validate(value: str) -> str:
    """The code in its one stored form (spaces dropped, upper case), or ValidationError
    naming the part that is wrong."""
    code = str(value).strip().upper()
    if not _SHAPE.fullmatch(code):
        raise ValidationError(
            _(
                "A unified social credit code has 18 characters: digits and capital letters "
                "except I, O, S, V and Z."
            ),
            code="credit_code_shape",
        )
    department, category = code[0], code[1]
    if department not in CATEGORIES:
        raise ValidationError(
            _(
                "The credit code's first character (%(character)s) is not a registration "
                "department."
            ),
            code="credit_code_department",
            params={"character": department},
        )
    if category not in CATEGORIES[department]:
        raise ValidationError(
            _(
                "The credit code's second character (%(character)s) is not an organisation "
                "category of its registration department."
            ),
            code="credit_code_category",
            params={"character": category},
        )
    region = code[2:8]
    # GB/T 2260 codes start with the province, 11 to 82 (100000 stands for the whole country).
    if not region.isdigit() or not "1" <= region[0] <= "8":
        raise ValidationError(
            _("The credit code's characters 3 to 8 (%(region)s) are not a region code."),
            code="credit_code_region",
            params={"region": region},
        )
    if organisation_code_check_character(code[8:16]) != code[16]:
        raise ValidationError(
            _(
                "The organisation code inside the credit code (characters 9 to 17) does not "
                "check out: a character was probably mistyped."
            ),
            code="credit_code_organisation_code",
        )
    if credit_code_check_character(code[:17]) != code[17]:
        raise ValidationError(
            _(
                "The credit code's check character (the last one) does not match the other "
                "17 characters: a character was probably mistyped."
            ),
            code="credit_code_checksum",
        )
    return code


def validate_credit_code(value: str) -> None:
    """A Django validator (model and form fields): accepts what credit_code_validate accepts;
    an empty value is the field's business (blank=True), not the validator's."""
    if value:
        credit_code_validate(value)
