"""The ONE scoping rule: what an actor may see is the subtree of one area.

- superusers see everything;
- an API call sees the subtree of its token's area, narrowed to its client's current home
  area (see `token_scope`);
- everyone else sees the subtree of their home area (a grid worker: their grid;
  office staff, leaders and administrators: their street or district);
- a user without a home area sees nothing by area;
- and beside the area, a person who works for a unit (`User.unit`: an office, a department,
  an enterprise) sees the rows handed to that unit: each model that units act on names the
  lookups from a row to a unit in `scope_units` (`("owner_unit", "handoffs__to_unit")`).
  Department staff (`User.sees_by_area` false) see that alone, not the area their unit
  serves;
- an API token is scoped to an area or to a unit, never both. A unit token (the own system
  of a department or an enterprise, P7) sees exactly what its unit's people see through the
  unit rule (`unit_rule`) and nothing by area, for as long as its client is still one of the
  unit's people (`token_unit_id`); an area token sees no unit's rows.

Pages, API, admin, exports and tasks all call `visible_to` / `in_scope`; every model that
holds area-bound rows names the path lookup to its area in `scope_path`
(`"home_area__path"`, `"grid__path"`, or `"path"` on the area itself). An API call passes
its token (DRF's `request.auth`) as `token=`; pages, admin and tasks have none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, TypeVar

from django.db.models import Model, Q, QuerySet

if TYPE_CHECKING:  # the area tree is grid's; the kernel only reads `path` and `contains`
    from governance.models import ApiToken
    from grid.models import Area


class _Everything:
    def __repr__(self) -> str:
        return "EVERYTHING"


EVERYTHING: Final = _Everything()
M = TypeVar("M", bound=Model)


def token_scope(token: ApiToken) -> Area | None:
    """The area a token reaches today: the narrower of the token's area and its client's
    current home area. A token issued for a district keeps working for a client narrowed to
    one grid, but only over that grid; a client moved out of the token's area entirely (the
    two areas are disjoint) holds a token that reaches nothing, and authentication refuses it."""
    home = token.client.home_area
    if home is None or token.area is None:  # a unit token reaches nothing by area
        return None
    if home.contains(token.area):
        return token.area
    if token.area.contains(home):
        return home
    return None


def scope_root(actor: Any, token: ApiToken | None = None) -> Area | _Everything | None:
    """The area whose subtree the actor may see; EVERYTHING for superusers; None for nothing."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return None
    if token is not None:
        return token_scope(token)
    if actor.is_superuser:
        return EVERYTHING
    if not getattr(actor, "sees_by_area", True):
        return None
    return actor.home_area


def scope_path_of(model: type[Model]) -> str:
    """The lookup from a row of `model` to its area's path, e.g. "grid__path"."""
    path: str = model.scope_path  # type: ignore[attr-defined]  # declared by each model
    return path


def area_of(obj: Model) -> Area | None:
    """The area an area-bound row belongs to, found by walking its model's `scope_path`
    (`grid__path` -> obj.grid; `path` on an area -> the area itself). Each step may cost a
    query unless the caller used select_related along the same path."""
    current: Any = obj
    for step in scope_path_of(type(obj)).split("__")[:-1]:  # the last step is the area's `path`
        current = getattr(current, step)
        if current is None:
            return None
    return current


def token_unit_id(token: ApiToken) -> int | None:
    """The unit a unit token reaches today: its unit while its client is still one of the
    unit's people and sees by unit only (department or enterprise staff); None otherwise, and
    authentication then refuses the token."""
    client = token.client
    if token.unit_id is None or client.unit_id != token.unit_id or client.is_superuser:
        return None
    if getattr(client, "sees_by_area", True):
        return None
    return token.unit_id


def scope_unit_id(actor: Any, token: ApiToken | None = None) -> int | None:
    """The unit whose handed rows the actor sees beside their area (pages, admin, tasks), or
    that a unit token reaches (an API call)."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return None
    if token is not None:
        return token_unit_id(token)
    return getattr(actor, "unit_id", None)


def _is_to_many(model: type[Model], lookup: str) -> bool:
    """Whether the lookup is asked as a subquery: it crosses a to-many relation (its rows
    would repeat), or a reverse one-to-one (an organisation's unit, P7: a subquery from the
    few units costs less than joining every row to its organisation and unit)."""
    current = model
    for step in lookup.split("__"):
        if step == "pk":
            return False
        field = current._meta.get_field(step)
        if field.many_to_many or field.one_to_many or (field.one_to_one and not field.concrete):
            return True
        if not field.is_relation:
            return False
        current = field.related_model  # type: ignore[assignment]
    return False


_NOT_THAT_WAY: Final = object()


def _unit_side_rule(model: type[Model], lookup: str, unit_id: int) -> Any:
    """A lookup that reaches the unit last through a reverse one-to-one (an employer's
    workers: `employer_organisation__unit__pk`, the unit naming its organisation) is asked
    from the unit's side: one indexed read gives the row on the way, and the rule is an
    equality on an indexed column (None: the unit names none, nothing is handed that way).
    `area OR pk IN (subquery)` kept PostgreSQL from walking the area's index: a street
    office's resident list took 78 ms a page instead of 9. _NOT_THAT_WAY for other lookups."""
    steps = lookup.split("__")
    if steps[-1] == "pk":
        steps = steps[:-1]
    *prefix, last = steps
    current = model
    for step in prefix:
        field = current._meta.get_field(step)
        if not (field.is_relation and field.concrete and (field.many_to_one or field.one_to_one)):
            return _NOT_THAT_WAY
        current = field.related_model  # type: ignore[assignment]
    reverse = current._meta.get_field(last)
    if not (reverse.one_to_one and not reverse.concrete):
        return _NOT_THAT_WAY
    unit_side = reverse.field  # type: ignore[union-attr]  # the unit's own one-to-one field
    on_the_way = (
        unit_side.model._default_manager.filter(pk=unit_id)
        .values_list(unit_side.attname, flat=True)
        .first()
    )
    if on_the_way is None:
        return None
    return Q(**{"__".join(prefix) if prefix else "pk": on_the_way})


def unit_rule(model: type[Model], unit_id: int) -> Q | None:
    """Rows of `model` handed to the unit, or None when none can be (or units do not act on
    the model). A to-many lookup (a case's hand-offs) is a subquery, so the rows are not
    repeated; one through the unit's own one-to-one is read from the unit's side."""
    lookups: tuple[str, ...] = getattr(model, "scope_units", ())
    rule: Q | None = None
    for lookup in lookups:
        if _is_to_many(model, lookup):
            step = _unit_side_rule(model, lookup, unit_id)
            if step is None:
                continue
            if step is _NOT_THAT_WAY:
                step = Q(pk__in=model._default_manager.filter(**{lookup: unit_id}).values("pk"))
        else:
            step = Q(**{lookup: unit_id})
        rule = step if rule is None else rule | step
    return rule


def visible_to(actor: Any, queryset: QuerySet[M], *, token: ApiToken | None = None) -> QuerySet[M]:
    root = scope_root(actor, token)
    if root is EVERYTHING:
        return queryset
    rule = None
    if root is not None and not isinstance(root, _Everything):
        rule = Q(**{f"{scope_path_of(queryset.model)}__startswith": root.path})
    unit_id = scope_unit_id(actor, token)
    handed = unit_rule(queryset.model, unit_id) if unit_id is not None else None
    if handed is not None:
        rule = handed if rule is None else rule | handed
    return queryset.none() if rule is None else queryset.filter(rule)


def _handed_to_unit(obj: Model, unit_id: int) -> bool:
    model = type(obj)
    for lookup in getattr(model, "scope_units", ()):
        if _is_to_many(model, lookup):
            if (
                obj.pk is not None
                and model._default_manager.filter(pk=obj.pk, **{lookup: unit_id}).exists()
            ):
                return True
            continue
        current: Any = obj
        *steps, last = lookup.split("__")
        for step in steps:
            current = getattr(current, step)
            if current is None:
                break
        else:
            value = current.pk if last == "pk" else getattr(current, f"{last}_id")
            if value == unit_id:
                return True
    return False


def in_scope(actor: Any, obj: Model | None, *, token: ApiToken | None = None) -> bool:
    """Whether an area, or any row with a `scope_path`, lies in the actor's scope (or, for a
    row units act on, is handed to the actor's unit). An unsaved row is judged by its direct
    unit lookups: a department registers a case that its own unit owns."""
    root = scope_root(actor, token)
    if root is EVERYTHING:
        return True
    if obj is None:
        return False
    if root is not None and not isinstance(root, _Everything):
        area = area_of(obj)
        if area is not None and root.contains(area):
            return True
    unit_id = scope_unit_id(actor, token)
    return unit_id is not None and _handed_to_unit(obj, unit_id)
