"""Object permissions as `rules` predicates over the one scoping rule.

Each model declares which predicates guard it in its own `Meta.rules_permissions`
(`rules.contrib.models.RulesModel`); the admin (`ScopedAdminMixin`) and the API
(`governance.api_base.RulesPermission`) ask `user.has_perm(perm, obj)` and services call
`require_perm`. Without an object a predicate answers "may this user do this at all?".
"""

from typing import Any

import rules
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.utils.translation import gettext as _

from governance.scoping import EVERYTHING, area_of, in_scope, scope_root


@rules.predicate
def is_administrator(user: Any) -> bool:
    return user.is_authenticated and user.is_administrator


@rules.predicate
def is_portal_user(user: Any) -> bool:
    return user.is_active and user.is_authenticated


@rules.predicate
def may_keep_ledger(user: Any) -> bool:
    """Whoever keeps the population ledger (User.keeps_ledgers); leaders read it."""
    return user.is_authenticated and user.keeps_ledgers


@rules.predicate
def registers_workers(user: Any) -> bool:
    """One of an enterprise's people, registering its floating workers (以业管人, P7)."""
    return user.is_authenticated and user.employer_organisation_id is not None


@rules.predicate
def employs(user: Any, obj: Model | None) -> bool:
    """The row is a worker of the user's own enterprise (a resident, or a resident's event):
    without one, "may this user register workers at all?"."""
    if obj is None:
        return True
    resident: Any = getattr(obj, "resident", obj)
    return (
        resident.employer_organisation_id is not None
        and resident.employer_organisation_id == user.employer_organisation_id
    )


@rules.predicate
def employs_row(user: Any, obj: Model | None) -> bool:
    """`employs`, for a row that only comes with a worker (a resident's event): never without
    one, so that "may this user add events at all?" is no for an enterprise's people."""
    return obj is not None and employs.test(user, obj)


@rules.predicate
def may_see_personal_data_in_full(user: Any) -> bool:
    """Whoever may unmask an ID number or phone, with a stated reason (User.sees_personal_data_in_full)."""
    return user.is_authenticated and user.sees_personal_data_in_full


@rules.predicate
def reviews_audit_trail(user: Any) -> bool:
    """Whoever reviews the audit trail of records in their area (User.reviews_audit_trail)."""
    return user.is_authenticated and user.reviews_audit_trail


@rules.predicate
def object_in_scope(user: Any, obj: Model | None) -> bool:
    """The row (an area, or anything with a `scope_path`) lies in the user's scope."""
    return obj is None or in_scope(user, obj)


@rules.predicate
def unit_token_in_scope(user: Any, token: Any) -> bool:
    """A unit's API token (it has no area) is the business of the administrators whose area
    holds the unit."""
    return token is not None and token.unit_id is not None and in_scope(user, token.unit)


@rules.predicate
def may_view_record(user: Any, obj: Model | None) -> bool:
    """The user may see the row itself (its model's own `view` rule): a special-group record's
    history is no wider than the record."""
    if obj is None:
        return True
    return user.has_perm(f"{obj._meta.app_label}.view_{obj._meta.model_name}", obj)


# Who reads a ledger record's audit trail (who changed or unmasked it, when, what): office
# staff and administrators, for a record in their area that they may see. Grid workers and
# leaders do not (User.reviews_audit_trail). Every area-bound ledger model names it `history`.
reviews_record_history = reviews_audit_trail & object_in_scope & may_view_record


@rules.predicate
def strictly_below_scope(user: Any, obj: Model | None) -> bool:
    """The row lies in the user's scope but is not their scope root itself: an administrator
    edits what lies below their home area; the root's name, code and boundary are set by the
    level above (GB/T 10114 codes are assigned from above). Superusers have no root."""
    if obj is None:
        return True
    root = scope_root(user)
    if root is EVERYTHING:
        return True
    area = area_of(obj)
    return in_scope(user, obj) and area is not None and area.pk != getattr(root, "pk", None)


@rules.predicate
def parent_area_in_scope(user: Any, area: Any) -> bool:
    """A new area goes under a parent in the user's scope: strictly below their root."""
    if area is None:
        return True
    if area.parent_id is None:
        return scope_root(user) is EVERYTHING  # a new district: only whoever sees everything
    return in_scope(user, area.parent)


@rules.predicate
def user_manageable(actor: Any, target: Any) -> bool:
    """An administrator manages accounts in their area, never a superuser's (unless one)."""
    if target is None or actor.is_superuser:
        return True
    return not target.is_superuser and in_scope(actor, target)


@rules.predicate
def is_recipient(user: Any, notification: Any) -> bool:
    """Notifications are personal: without one, everyone may read and mark their own."""
    return notification is None or notification.recipient_id == user.pk


def require_perm(actor: Any, perm: str, obj: Model | None = None) -> None:
    """Raise PermissionDenied unless the actor holds `perm` on `obj` (services call this)."""
    if not actor.has_perm(perm, obj):
        raise PermissionDenied(_("You are not allowed to do this in this area."))
