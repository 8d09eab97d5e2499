"""Object permissions as `rules` predicates over the one scoping rule."""

import rules
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from governance.models import Role
from governance.scoping import EVERYTHING, in_scope, scope_root


@rules.predicate
def is_administrator(user) -> bool:
    return user.is_active and (user.is_superuser or user.role == Role.ADMIN)


@rules.predicate
def is_portal_user(user) -> bool:
    return user.is_active and user.is_authenticated


@rules.predicate
def area_in_scope(user, area) -> bool:
    # Without an object the question is "may this user do this at all?"
    return area is None or in_scope(user, area)


@rules.predicate
def parent_area_in_scope(user, area) -> bool:
    if area is None:
        return True
    if area.parent_id is None:
        return scope_root(user) is EVERYTHING  # a new district: only whoever sees everything
    return in_scope(user, area.parent)


@rules.predicate
def user_manageable(actor, target) -> bool:
    """An administrator manages accounts in their area, never a superuser's (unless one)."""
    if target is None or actor.is_superuser:
        return True
    return not target.is_superuser and in_scope(actor, target.home_area)


rules.add_perm("grid.view_area", is_portal_user & area_in_scope)
rules.add_perm("grid.add_area", is_administrator & parent_area_in_scope)
rules.add_perm("grid.change_area", is_administrator & area_in_scope)
rules.add_perm("grid.delete_area", is_administrator & area_in_scope & parent_area_in_scope)
for action in ("view", "add", "change", "delete"):
    rules.add_perm(f"grid.{action}_gridteammember", is_administrator)
    rules.add_perm(f"governance.{action}_user", is_administrator & user_manageable)
    rules.add_perm(f"governance.{action}_apitoken", is_administrator)
rules.add_perm("grid.view_teamrole", is_administrator)


def require_perm(actor, perm: str, obj=None) -> None:
    """Raise PermissionDenied unless the actor holds `perm` on `obj` (services call this)."""
    if not actor.has_perm(perm, obj):
        raise PermissionDenied(_("You are not allowed to do this in this area."))
