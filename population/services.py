"""Every change to the population ledger: one function per use case, each in one transaction."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.identity import id_number_birth_date, id_number_sex, id_number_validate
from governance.permissions import require_perm
from governance.scoping import in_scope
from governance.sensitive import blind_index_of
from grid.index import grid_index
from grid.models import Area
from population.models import VISIT_SUBJECTS, Resident, ResidentStatus, Visit, VisitPurpose

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


# --- Visits (走访, 民情日记) ---------------------------------------------------------------------

# What visit_correct may change. Where and by whom a visit was made is what the phone and the
# sign-in recorded: a wrong point is kept (and flagged), not edited away.
VISIT_CORRECTABLE_FIELDS = frozenset(
    {*VISIT_SUBJECTS, "subject", "purpose", "notes", "findings", "visited_at"}
)
# A phone's clock may run a little ahead of the server's.
VISIT_CLOCK_SKEW = datetime.timedelta(minutes=5)


def _visit_subjects_check(*, visit: Visit) -> None:
    """Every visited row lies in the visit's grid, and the visit names whom it was about."""
    named = False
    for field in VISIT_SUBJECTS:
        row = getattr(visit, field)
        if row is None:
            continue
        named = True
        if row.grid_id != visit.grid_id:
            raise ValidationError(
                {field: _("This record belongs to another grid than the visit's.")}
            )
    if not named and not visit.subject:
        raise ValidationError({"subject": _("Say whom the visit was to, or choose a resident.")})


def visit_validate(*, visit: Visit) -> None:
    """Every rule a visit must meet before it is saved, normalising its texts."""
    visit.subject = visit.subject.strip()
    visit.notes = visit.notes.strip()
    visit.findings = visit.findings.strip()
    if visit.visited_at is None:
        raise ValidationError({"visited_at": _("Give the date and time of the visit.")})
    if visit.visited_at > timezone.now() + VISIT_CLOCK_SKEW:
        raise ValidationError({"visited_at": _("A visit cannot be logged for a future time.")})
    if (visit.latitude is None) != (visit.longitude is None):
        missing = "latitude" if visit.latitude is None else "longitude"
        raise ValidationError({missing: _("Give both the latitude and the longitude, or neither.")})
    # grid, worker and the visited rows are rows in hand: no query proves that they exist.
    visit.clean_fields(exclude=["grid", "worker", "located_grid", *VISIT_SUBJECTS])
    _visit_subjects_check(visit=visit)


def _visit_place(*, visit: Visit) -> None:
    """Place the point with the point-to-grid lookup; a point elsewhere is kept and flagged."""
    latitude, longitude = visit.latitude, visit.longitude
    if latitude is None and longitude is None:
        visit.location_accuracy = None
        visit.located_grid_id, visit.outside_grid = None, False
        return
    if latitude is None or longitude is None:
        raise ValueError("visit_validate lets through a whole point or none")
    # The lookup is the index in this process's memory: no query.
    located = grid_index().locate(longitude, latitude)
    visit.outside_grid = located != visit.grid_id
    if visit.outside_grid:
        visit.located_grid_id = located
    else:
        visit.located_grid = visit.grid  # the row in hand: showing it costs no query


@transaction.atomic
def visit_log(
    *,
    actor: Any,
    grid: Area | None = None,
    resident: Resident | None = None,
    subject: str = "",
    purpose: str = VisitPurpose.ROUTINE,
    visited_at: datetime.datetime | None = None,
    notes: str = "",
    findings: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    location_accuracy: float | None = None,
) -> Visit:
    """Log a visit by the actor. Its grid is the visited resident's, else `grid` (a grid
    worker's own grid when they have only that); `visited_at` defaults to now."""
    require_perm(actor, "population.add_visit")
    if resident is not None and not in_scope(actor, resident):
        raise ValidationError({"resident": _("Choose a resident within your own area.")})
    if grid is None:
        grid = resident.grid if resident is not None else _own_grid(actor)
    if not in_scope(actor, grid):
        raise ValidationError({"grid": _("Choose a grid within your own area.")})
    if not grid.is_grid:
        raise ValidationError({"grid": _("A visit belongs to a grid, not to a larger area.")})
    visit = Visit(
        grid=grid,
        worker=actor,
        resident=resident,
        subject=subject or (resident.name if resident is not None else ""),
        purpose=purpose,
        visited_at=visited_at or timezone.now(),
        notes=notes,
        findings=findings,
        latitude=latitude,
        longitude=longitude,
        location_accuracy=location_accuracy,
    )
    require_perm(actor, "population.add_visit", visit)
    visit_validate(visit=visit)
    _visit_place(visit=visit)
    visit.save()
    _visit_followup_notify(visit=visit)
    return visit


def _own_grid(actor: Any) -> Area:
    home = getattr(actor, "home_area", None)
    if home is None or not home.is_grid:
        raise ValidationError({"grid": _("Choose the grid the visit belongs to.")})
    return home


@transaction.atomic
def visit_correct(*, actor: Any, visit: Visit, **changes: Any) -> Visit:
    """Correct a visit (VISIT_CORRECTABLE_FIELDS): its worker at any time, others who keep
    the ledger of its grid on the day it was logged (Visit.Meta.rules_permissions)."""
    unknown = sorted(set(changes) - VISIT_CORRECTABLE_FIELDS)
    if unknown:
        raise ValueError(f"visit_correct cannot change {', '.join(unknown)}")
    current = Visit.objects.select_for_update().select_related("grid").get(pk=visit.pk)
    require_perm(actor, "population.change_visit", current)
    followed_up = current.resident_id if _is_followup(current) else None
    for field in VISIT_SUBJECTS:
        row = changes.get(field)
        if row is not None and not in_scope(actor, row):
            raise ValidationError({field: _("Choose a record within your own area.")})
    for field, value in changes.items():
        setattr(current, field, value)
    visit_validate(visit=current)
    current.save()
    if current.resident_id != followed_up:  # a follow-up it was not already
        _visit_followup_notify(visit=current)
    return current


def _is_followup(visit: Visit) -> bool:
    return visit.purpose == VisitPurpose.SPECIAL_GROUP_FOLLOWUP and visit.resident_id is not None


def _visit_followup_notify(*, visit: Visit) -> None:
    if visit.purpose == VisitPurpose.SPECIAL_GROUP_FOLLOWUP and visit.resident is not None:
        special_group_followup_recorded(resident=visit.resident, at=visit.visited_at)


# replaced when special groups land
def special_group_followup_recorded(*, resident: Resident, at: datetime.datetime) -> None:
    """Called in the same transaction whenever a special-group follow-up visit (特殊人群走访)
    to `resident` at `at` is logged, or a visit is corrected into one: the special-groups
    part records it against the resident's follow-up schedule. Does nothing until then."""
