"""Rules an area must satisfy: code structure (GB/T 2260 + GB/T 10114) and boundary geometry."""

import json
import re
from collections.abc import Callable

import shapely
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from shapely.validation import explain_validity

from grid.models import CODE_LENGTH, Area, AreaLevel

# GB/T 2260: the first two digits name the province-level division.
PROVINCE_CODES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82",
}  # fmt: skip

# The area of a shared edge is zero; anything above this (in square degrees, ~1 m²) is overlap.
OVERLAP_TOLERANCE = 1e-10
# Coordinates are WGS84 degrees; this slack (~1 cm) absorbs rounding on a shared outer edge.
CONTAINMENT_SLACK = 1e-7


def validate_code(*, code: str, level: int, parent: Area | None) -> None:
    expected = CODE_LENGTH[AreaLevel(level)]
    if not re.fullmatch(r"\d+", code or ""):
        raise ValidationError({"code": _("The code must contain digits only.")})
    if len(code) != expected:
        raise ValidationError(
            {
                "code": _("A %(level)s code has %(n)d digits; “%(code)s” has %(got)d.")
                % {"level": AreaLevel(level).label, "n": expected, "code": code, "got": len(code)}
            }
        )
    if level == AreaLevel.DISTRICT:
        if code[:2] not in PROVINCE_CODES:
            raise ValidationError(
                {"code": _("“%(p)s” is not a province code of GB/T 2260.") % {"p": code[:2]}}
            )
        if code[2:4] == "00" or code[4:6] == "00":
            raise ValidationError(
                {
                    "code": _(
                        "A county-level code of GB/T 2260 cannot end in 00 at city or county level."
                    )
                }
            )
        return
    if parent is None or not code.startswith(parent.code):
        raise ValidationError(
            {
                "code": _("The code must start with the parent's code %(parent)s.")
                % {"parent": parent.code if parent else "—"}
            }
        )
    own = int(code[len(parent.code) :])
    if level == AreaLevel.GRID:
        if not 1 <= own <= 999:
            raise ValidationError({"code": _("The grid serial must be between 001 and 999.")})
    elif not 1 <= own <= 599:
        # GB/T 10114: 001-599 are assigned (streets 001-099, towns 100-199, ...; residents'
        # committees 001-199, villagers' committees 200-399, ...).
        raise ValidationError(
            {"code": _("The last three digits must be between 001 and 599 (GB/T 10114).")}
        )


def validate_parent(*, level: int, parent: Area | None, area: Area | None = None) -> None:
    if level == AreaLevel.DISTRICT:
        if parent is not None:
            raise ValidationError({"parent": _("A district has no parent area.")})
        return
    if parent is None:
        raise ValidationError({"parent": _("This level needs a parent area.")})
    if parent.level != level - 1:
        raise ValidationError(
            {
                "parent": _("The parent of a %(level)s must be a %(expected)s, not a %(got)s.")
                % {
                    "level": AreaLevel(level).label,
                    "expected": AreaLevel(level - 1).label,
                    "got": AreaLevel(parent.level).label,
                }
            }
        )
    if area is not None and area.pk and parent.path.startswith(area.path):
        raise ValidationError(
            {"parent": _("An area cannot be moved under itself or its own descendant.")}
        )


def parse_boundary(boundary: dict) -> shapely.Geometry:
    if (
        not isinstance(boundary, dict)
        or boundary.get("type") not in {"Polygon", "MultiPolygon"}
        or "coordinates" not in boundary
    ):
        raise ValidationError(
            {"boundary": _("The boundary must be a GeoJSON Polygon or MultiPolygon geometry.")}
        )
    try:
        geometry = shapely.force_2d(shapely.geometry.shape(boundary))
    except (ValueError, TypeError, IndexError, AttributeError, KeyError, OverflowError,
            shapely.errors.GEOSException) as error:  # fmt: skip
        raise ValidationError(
            {"boundary": _("The boundary is not readable GeoJSON: %(error)s") % {"error": error}}
        ) from error
    if geometry.is_empty:
        raise ValidationError({"boundary": _("The boundary is empty.")})
    if not geometry.is_valid:
        raise ValidationError(
            {
                "boundary": _("The boundary is not a valid polygon (%(reason)s).")
                % {"reason": explain_validity(geometry)}
            }
        )
    min_x, min_y, max_x, max_y = geometry.bounds
    if min_x < -180 or max_x > 180 or min_y < -90 or max_y > 90:
        raise ValidationError(
            {"boundary": _("Coordinates must be WGS84 longitude, latitude in degrees.")}
        )
    return geometry


def normalize_boundary(boundary: dict | None) -> dict | None:
    """The geometry as it is stored: plain 2-D GeoJSON, rings closed, foreign members dropped."""
    if boundary is None:
        return None
    return json.loads(json.dumps(shapely.geometry.mapping(parse_boundary(boundary))))


def validate_boundary(
    *,
    boundary: dict,
    parent: Area | None,
    siblings: list[Area],
    may_name: Callable[[Area], bool] = lambda area: True,
) -> None:
    """`may_name` says whether the actor may learn an area's name (it may lie outside their scope)."""
    geometry = parse_boundary(boundary)
    parent_geometry = parent.geometry if parent is not None else None
    if parent_geometry is not None and not parent_geometry.buffer(CONTAINMENT_SLACK).contains(
        geometry
    ):
        if not may_name(parent):  # the parent of the actor's own root lies above their area
            raise ValidationError({"boundary": _("The boundary leaves its parent area.")})
        raise ValidationError(
            {
                "boundary": _("The boundary leaves its parent area “%(parent)s”.")
                % {"parent": parent.name}
            }
        )
    for sibling in siblings:
        if sibling.geometry is None:
            continue
        if geometry.intersection(sibling.geometry).area > OVERLAP_TOLERANCE:
            if not may_name(sibling):
                raise ValidationError(
                    {"boundary": _("The boundary overlaps a neighbouring area outside your own.")}
                )
            raise ValidationError(
                {
                    "boundary": _(
                        "The boundary overlaps the neighbouring area “%(name)s” (%(code)s)."
                    )
                    % {"name": sibling.name, "code": sibling.code}
                }
            )
