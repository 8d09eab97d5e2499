"""The ONE scoping rule: what an actor may see is the subtree of one area.

- superusers see everything;
- an API call sees the subtree of its token's area, narrowed to its client's current home
  area (see `token_scope`);
- everyone else sees the subtree of their home area (a grid worker: their grid;
  office staff, leaders and administrators: their street or district);
- a user without a home area sees nothing.

Pages, API, admin, exports and tasks all call `visible_to` / `in_scope`; every model that
holds area-bound rows names the path lookup to its area in `scope_path`
(`"home_area__path"`, `"grid__path"`, or `"path"` on the area itself). An API call passes
its token (DRF's `request.auth`) as `token=`; pages, admin and tasks have none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, TypeVar

from django.db.models import Model, QuerySet

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
    if home is None:
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


def visible_to(actor: Any, queryset: QuerySet[M], *, token: ApiToken | None = None) -> QuerySet[M]:
    root = scope_root(actor, token)
    if root is EVERYTHING:
        return queryset
    if root is None or isinstance(root, _Everything):
        return queryset.none()
    return queryset.filter(**{f"{scope_path_of(queryset.model)}__startswith": root.path})


def in_scope(actor: Any, obj: Model | None, *, token: ApiToken | None = None) -> bool:
    """Whether an area, or any row with a `scope_path`, lies in the actor's scope."""
    root = scope_root(actor, token)
    if root is EVERYTHING:
        return True
    if root is None or obj is None or isinstance(root, _Everything):
        return False
    area = area_of(obj)
    return area is not None and root.contains(area)
