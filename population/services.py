"""Every change to the population ledger: one function per use case, each in one transaction."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from governance.identity import id_number_facts
from governance.permissions import require_perm
from governance.scoping import in_scope
from governance.sensitive import blind_index_of
from grid.models import Area
from population.models import Resident, ResidentStatus

# What resident_update may change. A move to another grid is a dated event (a later slice),
# not an edit.
EDITABLE_FIELDS = frozenset({"name", "id_number", "phone", "status", "address", "employer"})


def already_registered_error(*, actor: Any, grid: Area) -> ValidationError:
    """One person, one row: the error for a person registered in `grid` already. Names the
    grid only if the actor sees it."""
    message = (
        _("This person is already registered (已登记) in “%(grid)s”.") % {"grid": grid}
        if in_scope(actor, grid)
        else _("This person is already registered (已登记) in another area.")
    )
    return ValidationError({"id_number": message})


def _check_not_registered(*, actor: Any, resident: Resident) -> None:
    index = blind_index_of(Resident, "id_number", resident.id_number)
    existing = (
        Resident.objects.filter(id_number_index=index)
        .exclude(pk=resident.pk)
        .select_related("grid")
        .first()
    )
    if existing is not None:
        raise already_registered_error(actor=actor, grid=existing.grid)


def resident_clean(*, resident: Resident) -> None:
    """The rules of one resident's own values, without a query: normalises them, derives sex
    and birth date, and raises every field's problem at once. The import checks a whole file
    with it (population/imports.py), then looks up the duplicates of all rows together."""
    errors: dict[str, list[ValidationError]] = {}
    resident.name = resident.name.strip()
    if not resident.name:
        errors["name"] = [ValidationError(_("The name is required."))]
    resident.phone = resident.phone.strip()
    resident.address = resident.address.strip()
    resident.employer = resident.employer.strip()
    if not str(resident.id_number).strip():
        errors["id_number"] = [ValidationError(_("The ID number is required."))]
    else:
        try:
            resident.id_number, resident.sex, resident.birth_date = id_number_facts(
                resident.id_number
            )
        except ValidationError as error:
            errors["id_number"] = error.error_list
    try:
        # grid and created_by are rows in hand: no query is needed to prove they exist. The
        # ID number was validated just above, by its field's own validator, and sex and birth
        # date are derived from it (once valid) or meaningless (if not): checking them again
        # would only cost time (an import checks 100,000 rows).
        resident.clean_fields(
            exclude=["grid", "created_by", "id_number", "id_number_index", "sex", "birth_date"]
            + list(errors)
        )
    except ValidationError as error:
        errors.update(error.error_dict)
    if errors:
        raise ValidationError(errors)


def resident_validate(*, actor: Any, resident: Resident) -> None:
    """Every rule a resident must meet before it is saved, normalising the values and
    deriving sex and birth date (the admin's form calls it to show errors early)."""
    resident_clean(resident=resident)
    _check_not_registered(actor=actor, resident=resident)


def _save(*, actor: Any, resident: Resident) -> None:
    try:
        with transaction.atomic():  # a savepoint: a concurrent registration of the same person
            resident.save()
    except IntegrityError:
        _check_not_registered(actor=actor, resident=resident)
        raise


def resident_grid_check(*, actor: Any, grid: Area) -> None:
    """The grid a new resident goes into: a grid, within the actor's area."""
    if not in_scope(actor, grid):
        raise ValidationError({"grid": _("Choose a grid within your own area.")})
    if not grid.is_grid:
        raise ValidationError(
            {"grid": _("A resident is registered in a grid, not in a larger area.")}
        )


@transaction.atomic
def resident_register(
    *,
    actor: Any,
    grid: Area,
    name: str,
    id_number: str,
    phone: str = "",
    status: str = ResidentStatus.REGISTERED,
    address: str = "",
    employer: str = "",
) -> Resident:
    """Register a person in a grid; sex and birth date come from the ID number."""
    require_perm(actor, "population.add_resident")
    resident_grid_check(actor=actor, grid=grid)
    resident = Resident(
        grid=grid,
        name=name,
        id_number=id_number,
        phone=phone,
        status=status,
        address=address,
        employer=employer,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    require_perm(actor, "population.add_resident", resident)
    resident_validate(actor=actor, resident=resident)
    _save(actor=actor, resident=resident)
    return resident


@transaction.atomic
def resident_update(*, actor: Any, resident: Resident, **changes: Any) -> Resident:
    """Correct a resident's details (EDITABLE_FIELDS); a new ID number re-derives sex and
    birth date."""
    unknown = sorted(set(changes) - EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"resident_update cannot change {', '.join(unknown)}")
    # Locked: two workers correcting the same person must not both pass the duplicate check.
    current = Resident.objects.select_for_update().select_related("grid").get(pk=resident.pk)
    require_perm(actor, "population.change_resident", current)
    for field, value in changes.items():
        setattr(current, field, value)
    resident_validate(actor=actor, resident=current)
    _save(actor=actor, resident=current)
    return current
