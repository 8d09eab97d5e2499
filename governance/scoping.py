"""The ONE scoping rule: what an actor may see is the subtree of one area.

- superusers see everything;
- an API call sees the subtree of its token's area;
- everyone else sees the subtree of their home area (a grid worker: their grid;
  office staff, leaders and administrators: their street or district);
- a user without a home area sees nothing.

Pages, API, admin, exports and tasks all call `visible_to` / `in_scope`; every model that
holds area-bound rows names the path lookup to its area in `scope_path`.
"""

from typing import TypeVar

from django.db.models import Model, QuerySet

from grid.models import Area

EVERYTHING = object()
M = TypeVar("M", bound=Model)


def scope_root(actor) -> Area | object | None:
    """The area whose subtree the actor may see; EVERYTHING for superusers; None for nothing."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return None
    token = getattr(actor, "api_token", None)
    if token is not None:
        return token.area
    if actor.is_superuser:
        return EVERYTHING
    return actor.home_area


def visible_to(actor, queryset: QuerySet[M]) -> QuerySet[M]:
    root = scope_root(actor)
    if root is EVERYTHING:
        return queryset
    if root is None:
        return queryset.none()
    return queryset.filter(**{f"{queryset.model.scope_path}__startswith": root.path})


def in_scope(actor, area: Area | None) -> bool:
    root = scope_root(actor)
    if root is EVERYTHING:
        return True
    return root is not None and area is not None and area.path.startswith(root.path)
