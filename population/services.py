"""Every change to the population ledger: one function per use case, each in one transaction."""

from typing import Any

from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from governance.identity import id_number_birth_date, id_number_sex, id_number_validate
from governance.permissions import require_perm
from governance.scoping import in_scope
from governance.sensitive import blind_index_of
from grid.models import Area
from population.models import Resident, ResidentStatus

# What a reveal shows in full (and names in its audit entry).
REVEALED_FIELDS = ("id_number", "phone")
REASON_MAX_LENGTH = 200

# What resident_update may change. A move to another grid is a dated event (a later slice),
# not an edit.
EDITABLE_FIELDS = frozenset({"name", "id_number", "phone", "status", "address", "employer"})


def _normalized_id_number(value: str) -> str:
    try:
        return id_number_validate(value)
    except ValidationError as error:
        raise ValidationError({"id_number": error.error_list}) from None


def _check_not_registered(*, actor: Any, resident: Resident) -> None:
    """One person, one row. Names the grid of the existing row only if the actor sees it."""
    index = blind_index_of(Resident, "id_number", resident.id_number)
    existing = (
        Resident.objects.filter(id_number_index=index)
        .exclude(pk=resident.pk)
        .select_related("grid")
        .first()
    )
    if existing is None:
        return
    message = (
        _("This person is already registered (已登记) in “%(grid)s”.") % {"grid": existing.grid}
        if in_scope(actor, existing)
        else _("This person is already registered (已登记) in another area.")
    )
    raise ValidationError({"id_number": message})


def resident_validate(*, actor: Any, resident: Resident) -> None:
    """Every rule a resident must meet before it is saved, normalising the values and
    deriving sex and birth date (the admin's form calls it to show errors early)."""
    resident.name = resident.name.strip()
    if not resident.name:
        raise ValidationError({"name": _("The name is required.")})
    resident.phone = resident.phone.strip()
    resident.address = resident.address.strip()
    resident.employer = resident.employer.strip()
    resident.id_number = _normalized_id_number(resident.id_number)
    resident.sex = id_number_sex(resident.id_number)
    resident.birth_date = id_number_birth_date(resident.id_number)
    # grid and created_by are rows in hand: no query is needed to prove they exist.
    resident.clean_fields(exclude=["grid", "created_by"])
    _check_not_registered(actor=actor, resident=resident)


def _save(*, actor: Any, resident: Resident) -> None:
    try:
        with transaction.atomic():  # a savepoint: a concurrent registration of the same person
            resident.save()
    except IntegrityError:
        _check_not_registered(actor=actor, resident=resident)
        raise


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
    if not in_scope(actor, grid):
        raise ValidationError({"grid": _("Choose a grid within your own area.")})
    if not grid.is_grid:
        raise ValidationError(
            {"grid": _("A resident is registered in a grid, not in a larger area.")}
        )
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


@transaction.atomic
def resident_reveal(*, actor: Any, resident: Resident, reason: str, via: str = "page") -> Resident:
    """Allow the actor to see the resident's full ID number and phone, for a stated reason,
    and record it in the audit trail: an ACCESS entry with who (actor), whom (the object),
    when (timestamp) and why (additional_data). The reason is kept there only, never written
    to a log line: it may itself say something about the person. Returns the resident, whose
    values the caller may then show."""
    require_perm(actor, "population.reveal_resident", resident)
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": _("Say why you need to see the full numbers.")})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {"reason": _("Keep the reason under %(max)d characters.") % {"max": REASON_MAX_LENGTH}}
        )
    LogEntry.objects.log_create(
        resident,
        action=LogEntry.Action.ACCESS,
        force_log=True,
        actor=actor,
        additional_data={"reason": reason, "fields": list(REVEALED_FIELDS), "via": via},
    )
    return resident
