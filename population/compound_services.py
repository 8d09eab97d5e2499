"""Compounds (小区/院落, 四位一体, P27) and enterprise internal security bodies (P13): every
change, one function per use case, each in one transaction."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.permissions import require_perm
from governance.scoping import in_scope
from grid.models import Area
from population.models import (
    COMPOUND_ORGANISATION_KINDS,
    Compound,
    House,
    Organisation,
    SecurityBody,
    SecurityBodyKind,
)

COMPOUND_FIELDS = frozenset({"name", "address", "party_organisation", *COMPOUND_ORGANISATION_KINDS})
SECURITY_BODY_FIELDS = frozenset(
    {"kind", "head_name", "head_phone", "member_count", "established_on", "notes"}
)


def _text(value: Any) -> str:
    return str(value or "").strip()


# --- Compounds (四位一体) ------------------------------------------------------------------------


def _check_organisation(*, actor: Any, compound: Compound, field: str) -> None:
    """A linked organisation is of the field's kind, in the actor's scope and in the same
    community as the compound (its grid's parent)."""
    organisation = getattr(compound, field)
    if organisation is None:
        return
    if not in_scope(actor, organisation):
        raise ValidationError({field: _("Choose an organisation within your own area.")})
    if organisation.kind != COMPOUND_ORGANISATION_KINDS[field]:
        raise ValidationError(
            {
                field: _("Choose an organisation of the kind “%(kind)s”.")
                % {"kind": COMPOUND_ORGANISATION_KINDS[field].label}
            }
        )
    if organisation.grid.parent_id != compound.grid.parent_id:
        raise ValidationError({field: _("Choose an organisation of the compound's own community.")})


def compound_validate(*, actor: Any, compound: Compound) -> None:
    """Every rule a compound must meet before it is saved, normalising its values (the
    admin's form calls it to show errors early)."""
    for field in ("name", "address", "party_organisation"):
        setattr(compound, field, _text(getattr(compound, field)))
    if not compound.name:
        raise ValidationError({"name": _("The name is required.")})
    for field in COMPOUND_ORGANISATION_KINDS:
        _check_organisation(actor=actor, compound=compound, field=field)
    compound.clean_fields(exclude=["grid", "created_by", *COMPOUND_ORGANISATION_KINDS])
    _check_name_free(compound)


def _check_name_free(compound: Compound) -> None:
    taken = (
        Compound.objects.filter(grid_id=compound.grid_id, name=compound.name)
        .exclude(pk=compound.pk)
        .exists()
    )
    if taken:
        raise ValidationError({"name": _("A compound of this name is already in this grid.")})


def _compound_save(compound: Compound) -> None:
    try:
        with transaction.atomic():  # a savepoint: a concurrent registration of the same name
            compound.save()
    except IntegrityError:
        _check_name_free(compound)
        raise


@transaction.atomic
def compound_register(*, actor: Any, grid: Area, name: str, **details: Any) -> Compound:
    """Register a compound (小区/院落) in a grid; `details` are the other COMPOUND_FIELDS."""
    unknown = sorted(set(details) - COMPOUND_FIELDS)
    if unknown:
        raise ValueError(f"compound_register cannot set {', '.join(unknown)}")
    require_perm(actor, "population.add_compound")
    if not in_scope(actor, grid):
        raise ValidationError({"grid": _("Choose a grid within your own area.")})
    if not grid.is_grid:
        raise ValidationError({"grid": _("A compound lies in a grid, not in a larger area.")})
    compound = Compound(
        grid=grid,
        name=name,
        created_by=actor if getattr(actor, "pk", None) else None,
        **details,
    )
    require_perm(actor, "population.add_compound", compound)
    compound_validate(actor=actor, compound=compound)
    _compound_save(compound)
    return compound


@transaction.atomic
def compound_update(*, actor: Any, compound: Compound, **changes: Any) -> Compound:
    """Correct a compound's details or its four (COMPOUND_FIELDS); the grid is kept."""
    unknown = sorted(set(changes) - COMPOUND_FIELDS)
    if unknown:
        raise ValueError(f"compound_update cannot change {', '.join(unknown)}")
    current = Compound.objects.select_for_update().select_related("grid").get(pk=compound.pk)
    require_perm(actor, "population.change_compound", current)
    for field, value in changes.items():
        setattr(current, field, value)
    compound_validate(actor=actor, compound=current)
    _compound_save(current)
    return current


def house_compound_check(*, actor: Any, house: House) -> None:
    """A house's compound (P27) is one the actor sees, in the community of the house's grid
    (the house services call this)."""
    compound = house.compound
    if compound is None:
        return
    if not in_scope(actor, compound):
        raise ValidationError({"compound": _("Choose a compound within your own area.")})
    if compound.grid.parent_id != house.grid.parent_id:
        raise ValidationError({"compound": _("Choose a compound of the house's own community.")})


# --- Internal security bodies (P13) ---------------------------------------------------------


def _sync_has_security_body(organisation: Organisation) -> None:
    """Organisation.has_security_body is derived: true while a body is on record. Written
    by an UPDATE, not a save: the body's own audit entry (a part of the organisation's
    history) is the change, the flag only follows it."""
    has = organisation.security_bodies.exists()
    if organisation.has_security_body != has:
        Organisation.objects.filter(pk=organisation.pk).update(has_security_body=has)
        organisation.has_security_body = has


def _not_in_the_future(value: datetime.date | None, field: str) -> None:
    if value is not None and value > timezone.localdate():
        raise ValidationError({field: _("This date is in the future.")})


def security_body_validate(*, body: SecurityBody) -> None:
    """Every rule a security body must meet before it is saved (the admin's form calls it)."""
    if body.kind not in SecurityBodyKind.values:
        raise ValidationError({"kind": _("Choose one of the kinds in the list.")})
    body.head_name = _text(body.head_name)
    body.head_phone = _text(body.head_phone)
    body.notes = _text(body.notes)
    if body.head_phone and not body.head_name:
        raise ValidationError({"head_name": _("Give the name of the person with this phone.")})
    _not_in_the_future(body.established_on, "established_on")
    body.clean_fields(exclude=["organisation"])


def _locked_organisation(organisation: Organisation) -> Organisation:
    return Organisation.objects.select_for_update().select_related("grid").get(pk=organisation.pk)


@transaction.atomic
def security_body_add(
    *, actor: Any, organisation: Organisation, kind: str, **details: Any
) -> SecurityBody:
    """Record an internal security body of an organisation (P13); the organisation then has
    one (has_security_body, read by the size rule P12)."""
    unknown = sorted(set(details) - SECURITY_BODY_FIELDS)
    if unknown:
        raise ValueError(f"security_body_add cannot set {', '.join(unknown)}")
    require_perm(actor, "population.add_securitybody")
    # Locked: the derived flag is written here, and two adds at once must both count.
    organisation = _locked_organisation(organisation)
    if not in_scope(actor, organisation):
        raise ValidationError({"organisation": _("Choose an organisation within your own area.")})
    body = SecurityBody(organisation=organisation, kind=kind, **details)
    require_perm(actor, "population.add_securitybody", body)
    security_body_validate(body=body)
    body.save()
    _sync_has_security_body(organisation)
    return body


@transaction.atomic
def security_body_update(*, actor: Any, body: SecurityBody, **changes: Any) -> SecurityBody:
    """Correct a security body's details (SECURITY_BODY_FIELDS)."""
    unknown = sorted(set(changes) - SECURITY_BODY_FIELDS)
    if unknown:
        raise ValueError(f"security_body_update cannot change {', '.join(unknown)}")
    current = (
        SecurityBody.objects.select_for_update()
        .select_related("organisation__grid")
        .get(pk=body.pk)
    )
    require_perm(actor, "population.change_securitybody", current)
    for field, value in changes.items():
        setattr(current, field, value)
    security_body_validate(body=current)
    current.save()
    return current


@transaction.atomic
def security_body_remove(*, actor: Any, body: SecurityBody) -> None:
    """Remove a body that no longer exists; the organisation's flag follows its records."""
    organisation = _locked_organisation(body.organisation)
    current = SecurityBody.objects.select_related("organisation__grid").get(pk=body.pk)
    require_perm(actor, "population.delete_securitybody", current)
    current.delete()
    _sync_has_security_body(organisation)
