"""Every change to the area tree: one function per use case, each in one transaction."""

import uuid
from types import EllipsisType
from typing import Any

from auditlog.models import LogEntry
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from governance.models import ApiToken, User
from governance.permissions import require_perm
from governance.scoping import in_scope
from governance.services import notification_send
from grid.models import Area, AreaLevel, BoundaryRevision, GridTeamMember, TeamRole, Unit
from grid.selectors import area_tree_problems
from grid.validation import (
    normalize_boundary,
    validate_boundary,
    validate_code,
    validate_parent,
)


def _tree_lock() -> BoundaryRevision:
    """Serialise every change to the tree. Edits are rare; without this, two concurrent edits
    could each pass the overlap check against the other's old boundary, or a child could be
    created under a parent that is moving."""
    row = BoundaryRevision.objects.select_for_update().order_by("pk").first()
    return row or BoundaryRevision.objects.create(revision="")


def boundary_revision_bump() -> None:
    """Tell every process that grid boundaries changed (see grid.index)."""
    revision = uuid.uuid4().hex
    # update() skips auto_now: the map's Last-Modified (grid.geojson) reads changed_at.
    if not BoundaryRevision.objects.update(revision=revision, changed_at=timezone.now()):
        BoundaryRevision.objects.create(revision=revision)


def area_validate(area: Area, *, actor=None, boundary_changed: bool = True) -> None:
    """Every rule an area must meet before it is saved (forms call it to show errors early).
    With an actor, messages name other areas only when they lie in the actor's scope."""

    def may_name(other: Area) -> bool:
        return actor is None or in_scope(actor, other)

    validate_parent(level=area.level, parent=area.parent, area=area)
    if area.expected_households is not None and area.level != AreaLevel.GRID:
        raise ValidationError(
            {
                "expected_households": _(
                    "Only a grid has an expected household count; a larger area's is the sum "
                    "of its grids."
                )
            }
        )
    validate_code(code=area.code, level=area.level, parent=area.parent)
    clash = Area.objects.filter(code=area.code).exclude(pk=area.pk).first()
    if clash is not None:
        message = (
            _("The code %(code)s is already used by “%(name)s”.")
            if may_name(clash)
            else _("The code %(code)s is already used by another area.")
        )
        raise ValidationError({"code": message % {"code": area.code, "name": clash.name}})
    if area.boundary is not None and boundary_changed:
        siblings = Area.objects.filter(parent=area.parent, level=area.level).exclude(pk=area.pk)
        validate_boundary(
            boundary=area.boundary, parent=area.parent, siblings=list(siblings), may_name=may_name
        )
        if area.pk:
            _validate_children_inside(area)


def _validate_children_inside(area: Area) -> None:
    if area.geometry is None:
        return
    outline = area.geometry.buffer(1e-7)
    for child in area.children.exclude(boundary__isnull=True):
        if not outline.contains(child.geometry):
            raise ValidationError(
                {
                    "boundary": _("The new boundary would leave out part of “%(name)s”.")
                    % {"name": child.name}
                }
            )


def _required_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("The name is required.")})
    return name


@transaction.atomic
def area_create(
    *,
    actor,
    name: str,
    level: int,
    code: str,
    parent: Area | None = None,
    boundary: dict | None = None,
    expected_households: int | None = None,
) -> Area:
    _tree_lock()
    if parent is not None:
        parent = Area.objects.get(pk=parent.pk)  # its path as of now, under the lock
    area = Area(
        name=_required_name(name),
        level=level,
        code=code.strip(),
        parent=parent,
        boundary=normalize_boundary(boundary),
        expected_households=expected_households,
    )
    require_perm(actor, "grid.add_area", area)
    area_validate(area, actor=actor, boundary_changed=True)
    area.path = ""
    area.save()
    area.path = f"{parent.path if parent else '/'}{area.pk}/"
    area.save(update_fields=["path"])
    boundary_revision_bump()  # a new area on the map (grid.geojson), a new grid in the index
    return area


@transaction.atomic
def area_update(
    *,
    actor,
    area: Area,
    name: str | None = None,
    code: str | None = None,
    parent: Area | None | EllipsisType = ...,
    boundary: dict | None | EllipsisType = ...,
    expected_households: int | None | EllipsisType = ...,
) -> Area:
    """Rename, recode, move (a new parent) or redraw an area, or set a grid's expected
    household count; a move carries its subtree."""
    _tree_lock()
    area = Area.objects.get(pk=area.pk)
    require_perm(actor, "grid.change_area", area)
    old_path, old_code, old_name = area.path, area.code, area.name
    new_parent = area.parent if isinstance(parent, EllipsisType) else parent
    moving = new_parent != area.parent
    if moving:
        if new_parent is not None:
            new_parent = Area.objects.get(pk=new_parent.pk)
            if not in_scope(actor, new_parent):
                raise PermissionDenied(_("You cannot move an area outside your own area."))
        area.parent = new_parent  # None: validate_parent says this level needs a parent
    if name is not None:
        area.name = _required_name(name)
    if code is not None:
        area.code = code.strip()
    if not isinstance(expected_households, EllipsisType):
        area.expected_households = expected_households
    boundary_changed = False
    if not isinstance(boundary, EllipsisType):
        normalized = normalize_boundary(boundary)
        boundary_changed = normalized != area.boundary
        area.boundary = normalized
        area.__dict__.pop("geometry", None)
    area_validate(area, actor=actor, boundary_changed=boundary_changed or moving)
    if moving:
        area.path = f"{new_parent.path if new_parent else '/'}{area.pk}/"
    area.save()
    # Selected by the old path, so the code update must run before the path update.
    descendants = Area.objects.filter(path__startswith=old_path).exclude(pk=area.pk)
    carried = (
        list(descendants.only("pk", "name", "path", "code"))
        if area.code != old_code or area.path != old_path
        else []
    )
    if area.code != old_code:
        # Children's codes start with their parent's: a recoded area recodes its subtree.
        descendants.update(code=Concat(Value(area.code), Substr("code", len(old_code) + 1)))
    if area.path != old_path:
        descendants.update(path=Concat(Value(area.path), Substr("path", len(old_path) + 1)))
    _audit_carried(carried, area=area, old_path=old_path, old_code=old_code)
    # The revision also keys the cached map (grid.geojson), which shows names and codes.
    if boundary_changed or moving or area.name != old_name or area.code != old_code:
        boundary_revision_bump()
    return area


def _audit_carried(carried: list[Area], *, area: Area, old_path: str, old_code: str) -> None:
    """The subtree moves by bulk UPDATE, which auditlog does not see: log each area it carried."""
    for child in carried:
        new_path = area.path + child.path[len(old_path) :]
        new_code = area.code + child.code[len(old_code) :]
        changes = {"path": [child.path, new_path]} if new_path != child.path else {}
        if new_code != child.code:
            changes["code"] = [child.code, new_code]
        LogEntry.objects.log_create(child, action=LogEntry.Action.UPDATE, changes=changes)


@transaction.atomic
def area_delete(*, actor, area: Area) -> None:
    _tree_lock()
    require_perm(actor, "grid.delete_area", area)
    if area.children.exists():
        raise ValidationError(
            _("“%(name)s” still has sub-areas; move or delete them first.") % {"name": area.name}
        )
    accounts = area.users.count()
    if accounts:
        raise ValidationError(
            _("%(n)d account(s) have “%(name)s” as their home area; reassign them first.")
            % {"n": accounts, "name": area.name}
        )
    tokens = ApiToken.objects.filter(area=area).count()
    if tokens:
        raise ValidationError(
            _(
                "%(n)d API token(s), revoked ones included, are scoped to “%(name)s”; "
                "delete them first."
            )
            % {"n": tokens, "name": area.name}
        )
    area.delete()
    boundary_revision_bump()  # gone from the map (grid.geojson), and from the index


def area_tree_check_and_notify() -> int:
    """Run the integrity check; tell each administrator, once a day, the problems in their
    own area (the same scoping rule as everywhere: a street's administrator learns nothing
    of another street)."""
    # A notice is stored as text, so it is written in its reader's language: the portal's
    # (users have no language of their own yet), not whatever the worker process has active.
    with translation.override(settings.LANGUAGE_CODE):
        return _area_tree_check_and_notify()


def _area_tree_check_and_notify() -> int:
    problems = area_tree_problems()
    today = timezone.localdate().isoformat()
    for admin in User.objects.administrators().select_related("home_area"):
        mine = [message for path, message in problems if in_scope(admin, Area(path=path))]
        if not mine:
            continue
        more = len(mine) - 200
        notification_send(
            recipients=[admin],
            kind="area_tree_check",
            title=_("Area tree check found %(n)d problem(s)") % {"n": len(mine)},
            body="\n".join(mine[:200]) + (f"\n… (+{more})" if more > 0 else ""),
            url=reverse("admin:grid_area_changelist"),
            dedupe_key=f"area_tree_check:{today}",
        )
    return len(problems)


# --- Grid teams (一格多元) ---------------------------------------------------------------------


def _team_member_check(*, actor: Any, member: GridTeamMember, user_chosen: bool = True) -> None:
    """The rules of a team member that need no query. `actor` None: the system (the district
    generator), which places accounts anywhere. `user_chosen`: the actor sets the account now
    (an account kept from before may lie above the actor's area: placed by the level above)."""
    if not member.grid.is_grid:
        raise ValidationError({"grid": _("A team belongs to a grid, not to a larger area.")})
    member.name = _required_name(member.name)
    member.phone = member.phone.strip()
    if (
        actor is not None
        and user_chosen
        and member.user is not None
        and not in_scope(actor, member.user)
    ):
        raise ValidationError({"user": _("Choose an account within your own area.")})
    # grid, role and user are rows in hand: no query is needed to prove they exist.
    member.clean_fields(exclude=["grid", "role", "user"])


def team_member_build(
    *,
    actor: Any,
    grid: Area,
    role: TeamRole,
    name: str,
    phone: str = "",
    user: User | None = None,
) -> GridTeamMember:
    """An unsaved member that meets the team rules. `team_member_add` saves one; the district
    generator saves thousands with bulk_create, where the database's unique constraint
    stands in for `validate_unique` (a query per member would dominate its run)."""
    member = GridTeamMember(grid=grid, role=role, name=name, phone=phone, user=user)
    _team_member_check(actor=actor, member=member)
    return member


@transaction.atomic
def team_member_add(
    *,
    actor: Any,
    grid: Area,
    role: TeamRole,
    name: str,
    phone: str = "",
    user: User | None = None,
) -> GridTeamMember:
    require_perm(actor, "grid.add_gridteammember", GridTeamMember(grid=grid, role=role))
    member = team_member_build(actor=actor, grid=grid, role=role, name=name, phone=phone, user=user)
    member.validate_unique()
    member.save()
    return member


@transaction.atomic
def team_member_update(
    *,
    actor: Any,
    member: GridTeamMember,
    role: TeamRole | None = None,
    name: str | None = None,
    phone: str | None = None,
    user: User | None | EllipsisType = ...,
) -> GridTeamMember:
    """Change a member's role, name, phone or portal account; a member never changes grid."""
    current = GridTeamMember.objects.select_related("grid").get(pk=member.pk)
    require_perm(actor, "grid.change_gridteammember", current)
    if role is not None:
        current.role = role
    if name is not None:
        current.name = name
    if phone is not None:
        current.phone = phone
    kept_user_id = current.user_id
    if not isinstance(user, EllipsisType):
        current.user = user
    _team_member_check(actor=actor, member=current, user_chosen=current.user_id != kept_user_id)
    current.validate_unique()
    current.save()
    return current


@transaction.atomic
def team_member_remove(*, actor: Any, member: GridTeamMember) -> None:
    current = GridTeamMember.objects.select_related("grid").get(pk=member.pk)
    require_perm(actor, "grid.delete_gridteammember", current)
    current.delete()


# --- Units ----------------------------------------------------------------------------------

UNIT_FIELDS = frozenset(
    {"area", "kind", "name", "phone", "active", "organisation", *Unit.NAMED_PEOPLE},
)


def _unit_validate(*, actor: User | None, unit: Unit) -> None:
    unit.full_clean()
    if actor is None:
        return
    require_perm(actor, "grid.change_unit" if unit.pk else "grid.add_unit", unit)
    for field in Unit.NAMED_PEOPLE:
        person = getattr(unit, field)
        if person is not None and not in_scope(actor, person):
            raise ValidationError({field: _("Name someone within your own area.")})
    if unit.organisation is not None and not in_scope(actor, unit.organisation):
        raise ValidationError({"organisation": _("Choose an organisation within your own area.")})


@transaction.atomic
def unit_create(*, actor: User | None, **fields: Any) -> Unit:
    """A new unit; `actor` None: the system (the demo, the generator)."""
    unknown = set(fields) - UNIT_FIELDS
    if unknown:
        raise TypeError(f"unit fields not set through this service: {sorted(unknown)}")
    if actor is not None:
        require_perm(actor, "grid.add_unit")
    unit = Unit(**fields)
    _unit_validate(actor=actor, unit=unit)
    unit.save()
    return unit


@transaction.atomic
def unit_update(*, actor: User | None, unit: Unit, **changes: Any) -> Unit:
    unknown = set(changes) - UNIT_FIELDS
    if unknown:
        raise TypeError(f"unit fields not set through this service: {sorted(unknown)}")
    current = Unit.objects.select_for_update().get(pk=unit.pk)
    if actor is not None:
        require_perm(actor, "grid.change_unit", current)
    for name, value in changes.items():
        setattr(current, name, value)
    _unit_validate(actor=actor, unit=current)
    current.save()
    return current
