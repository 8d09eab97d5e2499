import pytest
from django.core.exceptions import ValidationError

from grid.models import Area, AreaLevel
from grid.validation import validate_code

STREET = Area(code="330106001", level=AreaLevel.STREET)
COMMUNITY = Area(code="330106001002", level=AreaLevel.COMMUNITY)


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("330106", AreaLevel.DISTRICT, None),
        ("110105", AreaLevel.DISTRICT, None),
        ("330106001", AreaLevel.STREET, Area(code="330106")),
        ("330106001002", AreaLevel.COMMUNITY, STREET),
        ("330106001002999", AreaLevel.GRID, COMMUNITY),
    ],
)
def test_it_accepts_well_formed_codes(code, level, parent):
    validate_code(code=code, level=level, parent=parent)


@pytest.mark.parametrize(
    ("code", "level", "parent", "message"),
    [
        ("33010", AreaLevel.DISTRICT, None, "6"),
        ("3301O6", AreaLevel.DISTRICT, None, "digits"),
        ("990106", AreaLevel.DISTRICT, None, "province"),
        ("330100", AreaLevel.DISTRICT, None, "00"),
        ("330107001", AreaLevel.STREET, Area(code="330106"), "330106"),
        ("330106000", AreaLevel.STREET, Area(code="330106"), "001"),
        ("330106700", AreaLevel.STREET, Area(code="330106"), "599"),
        ("330106001002000", AreaLevel.GRID, COMMUNITY, "001"),
        ("3301060010021", AreaLevel.GRID, COMMUNITY, "15"),
    ],
)
def test_it_rejects_malformed_codes_with_a_specific_message(code, level, parent, message):
    with pytest.raises(ValidationError) as error:
        validate_code(code=code, level=level, parent=parent)
    assert message in " ".join(error.value.message_dict["code"])
