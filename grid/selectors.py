"""Shared reads of the area tree; every one goes through the scoping rule."""

from collections import defaultdict
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from governance.models import ApiToken, User
from governance.scoping import visible_to
from grid.index import grid_index
from grid.models import Area, AreaLevel, GridTeamMember, Unit
from grid.validation import validate_boundary, validate_code


def area_list(
    *,
    user: Any,
    token: ApiToken | None = None,
    level: int | None = None,
    parent: Area | None = None,
) -> QuerySet[Area]:
    """The areas the user sees (through `token` for an API call)."""
    # A parent's boundary can be large (a district's) and no list shows it.
    areas = visible_to(
        user, Area.objects.select_related("parent").defer("parent__boundary"), token=token
    )
    if level is not None:
        areas = areas.filter(level=level)
    if parent is not None:
        areas = areas.filter(parent=parent)
    return areas


def area_children(*, user, area: Area) -> QuerySet[Area]:
    return area_list(user=user, parent=area).annotate(child_count=Count("children"))


def area_roots(*, user) -> QuerySet[Area]:
    """The topmost areas the user sees: their scope root, or every district for superusers."""
    visible = area_list(user=user)
    top = visible.order_by("level").values_list("level", flat=True).first()
    return visible.filter(level=top).annotate(child_count=Count("children")) if top else visible


def area_ancestors(*, user, area: Area) -> list[Area]:
    """The area's ancestors from the top of the user's scope down: areas above it are not theirs."""
    by_id = area_list(user=user).in_bulk(area.ancestor_ids)
    return [by_id[pk] for pk in area.ancestor_ids if pk in by_id]


def grid_team(*, user, grid: Area) -> QuerySet[GridTeamMember]:
    return visible_to(user, GridTeamMember.objects.filter(grid=grid).select_related("role"))


def grid_locate(*, user: Any, token: ApiToken | None = None, lon: float, lat: float) -> Area | None:
    """The grid containing the point, if it lies in the user's scope."""
    grid_id = grid_index().locate(lon, lat)
    if grid_id is None:
        return None
    return area_list(user=user, token=token).defer("boundary").filter(pk=grid_id).first()


def grid_locate_many(
    *, user: Any, token: ApiToken | None = None, points: list[list[float]]
) -> list[Area | None]:
    grid_ids = grid_index().locate_many(np.asarray(points, dtype=float).reshape(-1, 2))
    found = {pk for pk in grid_ids if pk is not None}
    visible = area_list(user=user, token=token).defer("boundary").in_bulk(found)
    return [visible.get(pk) if pk is not None else None for pk in grid_ids]


def area_tree_problems() -> list[tuple[str, str]]:
    """Everything wrong with the tree: paths, levels, codes and boundaries, as (path, message)
    pairs, the messages in the active language. The path says whose problem it is: the area's own (as its parents say it should
    be), or for an overlap between children, their parent's. Empty when sound."""
    areas = list(Area.objects.order_by("path"))
    by_id: dict[int | None, Area] = {area.pk: area for area in areas}
    expected: dict[int, str] = {}
    cycles: set[int] = set()

    def expected_path(area: Area) -> str:
        """The path its parents say it should have, walked without recursion: a corrupted
        tree may hold a cycle, which is itself a problem to report."""
        chain: list[Area] = []
        seen: set[int] = set()
        node: Area | None = area
        while node is not None and node.pk not in expected:
            if node.pk in seen:
                cycles.add(node.pk)
                break
            seen.add(node.pk)
            chain.append(node)
            node = by_id.get(node.parent_id)
        prefix = expected.get(node.pk, "/") if node is not None and node.pk not in cycles else "/"
        for link in reversed(chain):
            prefix = expected[link.pk] = f"{prefix}{link.pk}/"
        return expected[area.pk]

    children = defaultdict(list)
    problems: list[tuple[str, str]] = []
    for area in areas:
        parent = by_id.get(area.parent_id)
        children[area.parent_id].append(area)
        where, label = expected_path(area), f"{area.name} ({area.code})"
        if area.path != where:
            problems.append(
                (
                    where,
                    _("%(area)s: path %(path)s should be %(expected)s")
                    % {"area": label, "path": area.path, "expected": where},
                )
            )
        expected_level = parent.level + 1 if parent else AreaLevel.DISTRICT
        if area.level != expected_level:
            problems.append(
                (
                    where,
                    _("%(area)s: level %(level)d under a level-%(parent_level)d parent")
                    % {"area": label, "level": area.level, "parent_level": expected_level - 1},
                )
            )
        try:
            validate_code(code=area.code, level=area.level, parent=parent)
        except ValidationError as error:
            problems.append((where, f"{label}: {'; '.join(error.messages)}"))
        if area.level == AreaLevel.GRID and area.boundary is None:
            problems.append(
                (
                    where,
                    _("%(area)s: grid has no boundary, so no point can be placed in it")
                    % {"area": label},
                )
            )
    problems += [
        (
            expected_path(by_id[pk]),
            _("%(area)s: its ancestors form a cycle")
            % {"area": f"{by_id[pk].name} ({by_id[pk].code})"},
        )
        for pk in sorted(cycles)
    ]
    for parent_id, siblings in children.items():
        parent = by_id.get(parent_id)
        for index, area in enumerate(siblings):
            if area.boundary is None:
                continue
            try:
                validate_boundary(
                    boundary=area.boundary, parent=parent, siblings=siblings[index + 1 :]
                )
            except ValidationError as error:
                where = expected_path(parent) if parent else expected_path(area)
                problems.append((where, f"{area.name} ({area.code}): {'; '.join(error.messages)}"))
    return problems


def unit_list(
    *,
    user: Any,
    token: ApiToken | None = None,
    kind: str | None = None,
    area: Area | None = None,
) -> QuerySet[Unit]:
    """The units the user sees: those of their area's subtree, and their own unit."""
    units = visible_to(
        user,
        Unit.objects.select_related(
            "area", "lead", "first_responsible", "reporting_leader", "liaison"
        ).defer("area__boundary"),
        token=token,
    )
    if kind is not None:
        units = units.filter(kind=kind)
    if area is not None:
        units = units.filter(area=area)
    return units


def units_missing_names(*, user: Any) -> QuerySet[Unit]:
    """Active units in the user's sight that have not named every person reminders and
    escalations go to."""
    unnamed = Q()
    for field in Unit.NAMED_PEOPLE:
        unnamed |= Q(**{f"{field}__isnull": True})
    return unit_list(user=user).filter(unnamed, active=True)


def unit_members(*, user: Any, unit: Unit) -> QuerySet[User]:
    """The accounts of a unit the user sees (their own unit's people, or those of their area)."""
    return visible_to(user, User.objects.filter(unit=unit, is_active=True)).order_by(
        "last_name", "first_name", "username"
    )
