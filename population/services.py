"""Every change to the population ledger: one function per use case, each in one transaction."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any, cast

from auditlog.models import LogEntry
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from governance.credit_code import credit_code_validate
from governance.identity import id_number_facts
from governance.models import Role, User
from governance.permissions import require_perm
from governance.scoping import area_of, in_scope
from governance.sensitive import blind_index_of
from governance.services import notification_send
from grid.index import grid_index
from grid.models import Area
from population.compound_services import house_compound_check
from population.models import (
    KINDS_WITHOUT_CREDIT_CODE,
    VISIT_SUBJECTS,
    Compound,
    DocumentExpiryReminder,
    EventKind,
    ExportStatus,
    FollowUpReminder,
    House,
    Household,
    HouseholdEvent,
    HouseholdEventKind,
    HouseholdKind,
    Organisation,
    OrganisationKind,
    PassportIndexField,
    Presence,
    Relationship,
    ReminderPurpose,
    Resident,
    ResidentDocument,
    ResidentEvent,
    ResidentStatus,
    Sex,
    SpecialGroupDetails,
    SpecialGroupEvent,
    SpecialGroupEventKind,
    SpecialGroupExportRequest,
    SpecialGroupKind,
    SpecialGroupRecord,
    Visit,
    VisitPurpose,
    VitalPart,
    floating_risk_visible,
)

# What resident_update may change: corrections of what was typed. A move to another grid, a
# status change, moving out and death are dated events (the resident_* event services below).
# The documents and the employer link (以证管人, 以业管人, P3 P10) are corrections too.
DOCUMENT_FIELDS = frozenset(
    {
        "employer_organisation",
        "residence_permit_number",
        "residence_permit_expires_on",
        "high_risk",
        "passport_number",
        "nationality",
        "stay_expires_on",
    }
)
# sex and birth date: a foreign national's without an ID number (otherwise derived from it).
EDITABLE_FIELDS = (
    frozenset({"name", "id_number", "phone", "address", "employer", "sex", "birth_date"})
    | DOCUMENT_FIELDS
)
# No one registered without an ID number was born before this (our bound, no seed's).
EARLIEST_ENTERED_BIRTH_DATE = datetime.date(1900, 1, 1)
# What a reveal shows in full (and names in its audit entry).
REVEALED_FIELDS = ("id_number", "phone", "passport_number")
# A document valid for longer than this, or expired longer ago, is a typing error: residence
# permits run a year and visas at most a few (no seed fixes a bound: these are ours).
DOCUMENT_YEARS_AHEAD = 10
DOCUMENT_YEARS_BACK = 20
# Which fields belong to which status; a status change clears the old status's fields.
FLOATING_FIELDS = ("residence_permit_number", "residence_permit_expires_on", "high_risk")
FOREIGN_FIELDS = ("passport_number", "nationality", "stay_expires_on")
DOCUMENT_EMPTY: dict[str, Any] = {
    "residence_permit_number": "",
    "residence_permit_expires_on": None,
    "high_risk": False,
    "passport_number": "",
    "nationality": "",
    "stay_expires_on": None,
}
REASON_MAX_LENGTH = 200


def already_registered_error(
    *, actor: Any, grid: Area, field: str = "id_number"
) -> ValidationError:
    """One person, one row: the error for a person registered in `grid` already (found by
    `field`: the ID number, or a foreign national's passport). Names the grid only if the
    actor sees it."""
    message = (
        _("This person is already registered (已登记) in “%(grid)s”.") % {"grid": grid}
        if in_scope(actor, grid)
        else _("This person is already registered (已登记) in another area.")
    )
    return ValidationError({field: message})


def _check_not_registered(*, actor: Any, resident: Resident) -> None:
    passport_field = Resident._meta.get_field("passport_index")
    assert isinstance(passport_field, PassportIndexField)
    for field, lookup, index in (
        ("id_number", "id_number_index", blind_index_of(Resident, "id_number", resident.id_number)),
        (
            "passport_number",
            "passport_index",
            passport_field.passport_index_of(resident.nationality, resident.passport_number),
        ),
    ):
        if index is None:
            continue  # no ID number (a foreign national) or no passport
        existing = (
            Resident.objects.filter(**{lookup: index})
            .exclude(pk=resident.pk)
            .select_related("grid")
            .first()
        )
        if existing is not None:
            raise already_registered_error(actor=actor, grid=existing.grid, field=field)


def _entered_facts_checked(resident: Resident, errors: dict[str, list[ValidationError]]) -> None:
    """The sex and birth date of a foreign national without an ID number, as entered."""
    if resident.sex not in Sex.values:
        message = _("Choose the sex: a foreign national without an ID number enters it.")
        errors["sex"] = [ValidationError(message)]
    born = resident.birth_date
    if not isinstance(born, datetime.date):
        message = _("Enter the birth date: a foreign national without an ID number enters it.")
        errors["birth_date"] = [ValidationError(message)]
    elif born < EARLIEST_ENTERED_BIRTH_DATE or born >= timezone.localdate():
        message = _("Enter a birth date in the past, after 1900.")
        errors["birth_date"] = [ValidationError(message)]


def resident_clean(*, resident: Resident, id_number_required: bool = False) -> None:
    """The rules of one resident's own values, without a query: normalises them, derives sex
    and birth date, and raises every field's problem at once. The import checks a whole file
    with it (population/imports.py), then looks up the duplicates of all rows together.

    The ID number is required of registered and floating people, and of everyone when
    `id_number_required` (the import); a foreign national without one (P10) has the sex
    and birth date entered instead of derived."""
    errors: dict[str, list[ValidationError]] = {}
    resident.name = resident.name.strip()
    if not resident.name:
        errors["name"] = [ValidationError(_("The name is required."))]
    resident.phone = resident.phone.strip()
    resident.address = resident.address.strip()
    resident.employer = resident.employer.strip()
    resident.id_number = str(resident.id_number or "").strip()
    if not resident.id_number:
        if id_number_required or resident.status != ResidentStatus.FOREIGN:
            errors["id_number"] = [ValidationError(_("The ID number is required."))]
        else:
            _entered_facts_checked(resident, errors)
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
            exclude=[
                "grid",
                "created_by",
                "employer_organisation",  # a row in hand, checked in scope by the caller
                "id_number",
                "id_number_index",
                "sex",
                "birth_date",
            ]
            + list(errors)
        )
    except ValidationError as error:
        errors.update(error.error_dict)
    if errors:
        raise ValidationError(errors)


def resident_validate(*, actor: Any, resident: Resident) -> None:
    """Every rule a resident must meet before it is saved, normalising the values and
    deriving sex and birth date (the admin's form calls it to show errors early)."""
    # The documents first: they normalise their own fields, which resident_clean then checks.
    _validate_documents(actor=actor, resident=resident)
    resident_clean(resident=resident)
    _check_not_registered(actor=actor, resident=resident)


def _document_date_checked(value: datetime.date | None, field: str) -> None:
    if value is None:
        return
    today = timezone.localdate()
    if value > today.replace(year=today.year + DOCUMENT_YEARS_AHEAD, day=min(today.day, 28)):
        raise ValidationError(
            {
                field: _("No such document runs %(years)d years or more.")
                % {"years": DOCUMENT_YEARS_AHEAD}
            }
        )
    if value < today.replace(year=today.year - DOCUMENT_YEARS_BACK, day=min(today.day, 28)):
        raise ValidationError(
            {
                field: _("This date is more than %(years)d years ago.")
                % {"years": DOCUMENT_YEARS_BACK}
            }
        )


def _validate_documents(*, actor: Any, resident: Resident) -> None:
    """The residence permit and high-risk flag belong to floating people, the passport,
    nationality and stay to foreign ones (P3, P6, P10); the employer is in the actor's area."""
    resident.residence_permit_number = "".join(resident.residence_permit_number.split()).upper()
    resident.passport_number = "".join(resident.passport_number.split()).upper()
    resident.nationality = resident.nationality.strip().upper()
    status = resident.status
    if status != ResidentStatus.FLOATING:
        for field, message in (
            (
                "residence_permit_number",
                _("Only a floating resident holds a residence permit (居住证)."),
            ),
            (
                "residence_permit_expires_on",
                _("Only a floating resident holds a residence permit (居住证)."),
            ),
            ("high_risk", _("Only a floating resident is flagged high-risk.")),
        ):
            if getattr(resident, field):
                raise ValidationError({field: message})
    if resident.residence_permit_number and resident.residence_permit_expires_on is None:
        raise ValidationError(
            {"residence_permit_expires_on": _("Enter the date the residence permit expires.")}
        )
    if resident.residence_permit_expires_on and not resident.residence_permit_number:
        raise ValidationError({"residence_permit_number": _("Enter the residence permit number.")})
    if status == ResidentStatus.FOREIGN:
        if not resident.passport_number:
            raise ValidationError(
                {"passport_number": _("A foreign national's passport number is required.")}
            )
        if not resident.nationality:
            raise ValidationError(
                {"nationality": _("A foreign national's nationality is required.")}
            )
        if resident.nationality == "CHN":
            raise ValidationError(
                {"nationality": _("A Chinese national is registered as registered or floating.")}
            )
    else:
        for field in FOREIGN_FIELDS:
            if getattr(resident, field):
                raise ValidationError(
                    {field: _("Only a foreign national has a passport, nationality or stay.")}
                )
    _document_date_checked(resident.residence_permit_expires_on, "residence_permit_expires_on")
    _document_date_checked(resident.stay_expires_on, "stay_expires_on")
    employer = resident.employer_organisation
    if employer is not None and not in_scope(actor, employer):
        raise ValidationError(
            {"employer_organisation": _("Choose an organisation within your own area.")}
        )


def _save(*, actor: Any, resident: Resident) -> None:
    try:
        with transaction.atomic():  # a savepoint: a concurrent registration of the same person
            resident.save()
    except IntegrityError:
        _check_not_registered(actor=actor, resident=resident)
        raise


def resident_grid_check(*, actor: Any, grid: Area) -> None:
    """The grid a new resident goes into: a grid, within the actor's area (an enterprise's
    people: their organisation's grid, P7)."""
    if not in_scope(actor, grid) and not _employers_grid(actor=actor, grid=grid):
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
    id_number: str = "",
    phone: str = "",
    status: str = ResidentStatus.REGISTERED,
    address: str = "",
    employer: str = "",
    moved_in_on: datetime.date | None = None,
    sex: str = "",
    birth_date: datetime.date | None = None,
    **documents: Any,
) -> Resident:
    """Register a person in a grid; sex and birth date come from the ID number (entered only
    for a foreign national without one, P10). The
    registration is the person's first event: moved in on `moved_in_on` (default today).
    `documents`: the employer in the ledger, residence permit, passport … (DOCUMENT_FIELDS)."""
    unknown = sorted(set(documents) - DOCUMENT_FIELDS)
    if unknown:
        raise ValueError(f"resident_register cannot set {', '.join(unknown)}")
    require_perm(actor, "population.add_resident")
    _check_high_risk_setter(actor=actor, changes=documents)
    resident_grid_check(actor=actor, grid=grid)
    resident = Resident(  # type: ignore[misc]  # birth_date None: resident_clean says so
        grid=grid,
        name=name,
        id_number=id_number,
        phone=phone,
        status=status,
        address=address,
        employer=employer,
        sex=sex or "",
        birth_date=birth_date,
        created_by=actor if getattr(actor, "pk", None) else None,
        **documents,
    )
    require_perm(actor, "population.add_resident", resident)
    resident_validate(actor=actor, resident=resident)
    _save(actor=actor, resident=resident)
    _event_record(
        actor=actor,
        resident=resident,
        kind=EventKind.MOVE_IN,
        happened_on=moved_in_on or timezone.localdate(),
        to_grid=grid,
        new_status=resident.status,
    )
    return resident


def _check_high_risk_setter(
    *, actor: Any, changes: dict[str, Any], current: Resident | None = None
) -> None:
    """Only those who see the high-risk flag (office staff, P6) set or clear it; a grid
    worker's form does not carry it, and an API client's payload may not."""
    if "high_risk" not in changes or floating_risk_visible(actor):
        return
    if bool(changes["high_risk"]) != (current.high_risk if current is not None else False):
        raise ValidationError({"high_risk": _("Only office staff set the high-risk flag.")})


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
    _check_high_risk_setter(actor=actor, changes=changes, current=current)
    for field, value in changes.items():
        setattr(current, field, value)
    resident_validate(actor=actor, resident=current)
    _save(actor=actor, resident=current)
    return current


# --- Dated events (实有人口动态管理) ---------------------------------------------------------
# Each use case locks the person, checks that the event may follow the last one, records it
# and applies its outcome to the resident, in one transaction.


def _locked(resident: Resident) -> Resident:
    return Resident.objects.select_for_update().select_related("grid").get(pk=resident.pk)


def _event_record(*, actor: Any, resident: Resident, kind: str, **fields: Any) -> ResidentEvent:
    """Check the event's date against the person's life so far and save it."""
    happened_on = fields["happened_on"]
    if not isinstance(happened_on, datetime.date):
        raise ValidationError({"happened_on": _("Enter the date of the event.")})
    if happened_on > timezone.localdate():
        raise ValidationError({"happened_on": _("The date cannot be in the future.")})
    if happened_on < resident.birth_date:
        raise ValidationError(
            {"happened_on": _("The date is before the person's birth date (from the ID number).")}
        )
    latest = (
        ResidentEvent.objects.filter(resident=resident)
        .order_by("-happened_on")
        .values_list("happened_on", flat=True)
        .first()
    )
    if latest is not None and happened_on < latest:
        raise ValidationError(
            {
                "happened_on": _(
                    "The person's latest event is dated %(date)s: a later event cannot be "
                    "dated before it."
                )
                % {"date": latest.isoformat()}
            }
        )
    event = ResidentEvent(
        resident=resident,
        kind=kind,
        recorded_by=actor if getattr(actor, "pk", None) else None,
        **fields,
    )
    event.note = event.note.strip()
    require_perm(actor, "population.add_residentevent", event)
    event.full_clean(exclude=["resident", "from_grid", "to_grid", "recorded_by"])
    event.save()
    return event


def _require_present(resident: Resident) -> None:
    if resident.presence != Presence.PRESENT:
        raise ValidationError(
            {
                "kind": _("%(name)s is recorded as “%(presence)s”: no later event applies.")
                % {"name": resident.name, "presence": resident.get_presence_display()}
            }
        )


def _leave_household(*, actor: Any, person: Resident, on: datetime.date) -> None:
    """Moving away or dying ends the person's membership of their household, on that day."""
    if person.household_id is not None:
        household = Household.objects.select_for_update().get(pk=person.household_id)
        _leave(actor=actor, household=household, person=person, on=on)


def _grid_checked(*, actor: Any, grid: Area) -> Area:
    if not in_scope(actor, grid):
        raise ValidationError({"to_grid": _("Choose a grid within your own area.")})
    if not grid.is_grid:
        raise ValidationError({"to_grid": _("Choose a grid, not a larger area.")})
    return grid


@transaction.atomic
def resident_status_change(
    *, actor: Any, resident: Resident, status: str, happened_on: datetime.date, note: str = ""
) -> ResidentEvent:
    """A registered person becomes floating, a floating one registers here (落户), …"""
    current = _locked(resident)
    require_perm(actor, "population.change_resident", current)
    _require_present(current)
    if status not in ResidentStatus.values:
        raise ValidationError({"new_status": _("Choose one of the statuses.")})
    if status == current.status:
        raise ValidationError(
            {
                "new_status": _("The person's status is “%(status)s” already.")
                % {"status": current.get_status_display()}
            }
        )
    if status != ResidentStatus.FOREIGN and not current.id_number:
        # Registered and floating people have a 身份证: a foreign national without one gets
        # it recorded first (a correction of the record), then changes status.
        raise ValidationError(
            {
                "new_status": _("Record the person's ID number first: %(status)s needs one.")
                % {"status": ResidentStatus(status).label}
            }
        )
    event = _event_record(
        actor=actor,
        resident=current,
        kind=EventKind.STATUS_CHANGE,
        happened_on=happened_on,
        old_status=current.status,
        new_status=status,
        note=note,
    )
    # The documents of the old status no longer apply (a permit once the person is
    # registered here, …); the audit trail keeps what they were.
    cleared = {
        ResidentStatus.FLOATING: FLOATING_FIELDS,
        ResidentStatus.FOREIGN: FOREIGN_FIELDS,
    }.get(ResidentStatus(current.status), ())
    for field in cleared:
        setattr(current, field, DOCUMENT_EMPTY[field])
    current.status = status
    current.save(update_fields=["status", "updated_at", *cleared])
    return event


@transaction.atomic
def resident_move_grid(
    *, actor: Any, resident: Resident, grid: Area, happened_on: datetime.date, note: str = ""
) -> ResidentEvent:
    """The person moves house to another grid within the actor's area."""
    current = _locked(resident)
    require_perm(actor, "population.change_resident", current)
    _require_present(current)
    _grid_checked(actor=actor, grid=grid)
    if grid.pk == current.grid_id:
        raise ValidationError({"to_grid": _("The person lives in this grid already.")})
    event = _event_record(
        actor=actor,
        resident=current,
        kind=EventKind.GRID_MOVE,
        happened_on=happened_on,
        from_grid=current.grid,
        to_grid=grid,
        note=note,
    )
    _leave_household(actor=actor, person=current, on=happened_on)
    current.grid = grid
    current.save(update_fields=["grid", "updated_at"])
    return event


@transaction.atomic
def resident_move_out(
    *, actor: Any, resident: Resident, happened_on: datetime.date, note: str = ""
) -> ResidentEvent:
    """The person leaves the district's ledger (note: where to); the row and its history stay."""
    current = _locked(resident)
    require_perm(actor, "population.change_resident", current)
    _require_present(current)
    event = _event_record(
        actor=actor,
        resident=current,
        kind=EventKind.MOVE_OUT,
        happened_on=happened_on,
        from_grid=current.grid,
        note=note,
    )
    _leave_household(actor=actor, person=current, on=happened_on)
    current.presence = Presence.MOVED_OUT
    current.save(update_fields=["presence", "updated_at"])
    return event


@transaction.atomic
def resident_move_in(
    *, actor: Any, resident: Resident, grid: Area, happened_on: datetime.date, note: str = ""
) -> ResidentEvent:
    """A person who moved out comes back, to any grid within the actor's area."""
    current = _locked(resident)
    require_perm(actor, "population.change_resident", current)
    if current.presence != Presence.MOVED_OUT:
        raise ValidationError({"kind": _("Only a person recorded as moved out can move in again.")})
    _grid_checked(actor=actor, grid=grid)
    event = _event_record(
        actor=actor,
        resident=current,
        kind=EventKind.MOVE_IN,
        happened_on=happened_on,
        from_grid=current.grid,
        to_grid=grid,
        new_status=current.status,
        note=note,
    )
    current.grid = grid
    current.presence = Presence.PRESENT
    current.save(update_fields=["grid", "presence", "updated_at"])
    return event


@transaction.atomic
def resident_record_death(
    *, actor: Any, resident: Resident, happened_on: datetime.date, note: str = ""
) -> ResidentEvent:
    """The person died: kept in the ledger with their history, no longer counted as living here."""
    current = _locked(resident)
    require_perm(actor, "population.change_resident", current)
    if current.presence == Presence.DECEASED:
        raise ValidationError({"kind": _("The person's death is recorded already.")})
    event = _event_record(
        actor=actor,
        resident=current,
        kind=EventKind.DEATH,
        happened_on=happened_on,
        from_grid=current.grid,
        note=note,
    )
    _leave_household(actor=actor, person=current, on=happened_on)
    current.presence = Presence.DECEASED
    current.save(update_fields=["presence", "updated_at"])
    return event


def resident_event_add(
    *,
    actor: Any,
    resident: Resident,
    kind: str,
    happened_on: datetime.date,
    new_status: str = "",
    to_grid: Area | None = None,
    note: str = "",
) -> ResidentEvent:
    """The event form's and the API's one entry: the use case its `kind` names."""
    dated = {"actor": actor, "resident": resident, "happened_on": happened_on, "note": note}
    if kind == EventKind.STATUS_CHANGE:
        if not new_status:
            raise ValidationError({"new_status": _("Choose the new status.")})
        return resident_status_change(status=new_status, **dated)
    if kind in {EventKind.GRID_MOVE, EventKind.MOVE_IN}:
        if to_grid is None:
            raise ValidationError({"to_grid": _("Choose the grid the person moves to.")})
        move = resident_move_grid if kind == EventKind.GRID_MOVE else resident_move_in
        return move(grid=to_grid, **dated)
    if kind == EventKind.MOVE_OUT:
        return resident_move_out(**dated)
    if kind == EventKind.DEATH:
        return resident_record_death(**dated)
    raise ValidationError({"kind": _("Choose one of the events.")})


def revealed_fields(resident: Resident) -> list[str]:
    """The fields a reveal shows in full: the passport number only of someone who has one."""
    return [name for name in REVEALED_FIELDS if name == "phone" or getattr(resident, name)]


@transaction.atomic
def resident_reveal(*, actor: Any, resident: Resident, reason: str, via: str = "page") -> Resident:
    """Allow the actor to see the resident's full ID number, phone (and passport number), for a stated reason,
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
        additional_data={"reason": reason, "fields": revealed_fields(resident), "via": via},
    )
    return resident


# --- Organisations (单位和组织) and the vital parts of key units -------------------------------

ORGANISATION_FIELDS = frozenset(
    {
        "name",
        "kind",
        "credit_code",
        "address",
        "employee_count",
        "legal_representative",
        "liaison_name",
        "liaison_phone",
        "safety_officer_name",
        "safety_officer_phone",
        "security_body_notes",
    }
)
VITAL_PART_FIELDS = frozenset({"name", "description", "person_responsible"})
_ORGANISATION_TEXT = (
    "name",
    "credit_code",
    "address",
    "legal_representative",
    "liaison_name",
    "liaison_phone",
    "safety_officer_name",
    "safety_officer_phone",
    "security_body_notes",
)


CONTACT_FIELDS = (
    ("liaison_name", "liaison_phone"),
    ("safety_officer_name", "safety_officer_phone"),
)


def _text(value: Any) -> str:
    return str(value or "").strip()


def _check_credit_code_free(*, actor: Any, organisation: Organisation) -> None:
    """One organisation, one row per credit code; names the grid of the other row only if
    the actor sees it."""
    if not organisation.credit_code:
        return
    existing = (
        Organisation.objects.filter(credit_code=organisation.credit_code)
        .exclude(pk=organisation.pk)
        .select_related("grid")
        .first()
    )
    if existing is None:
        return
    message = (
        _("An organisation with this credit code is already registered: “%(name)s” in %(grid)s.")
        % {"name": existing.name, "grid": existing.grid}
        if in_scope(actor, existing)
        else _("An organisation with this credit code is already registered in another area.")
    )
    raise ValidationError({"credit_code": message})


def _check_contact(organisation: Organisation, *, name_field: str, phone_field: str) -> None:
    # Both or neither: a name nobody can call, or a number without a name, is no contact,
    # and the lists of those lacking one read the name only (the phone is encrypted).
    name, phone = getattr(organisation, name_field), getattr(organisation, phone_field)
    if name and not phone:
        raise ValidationError({phone_field: _("Give this person's phone number as well.")})
    if phone and not name:
        raise ValidationError({name_field: _("Give the name of the person with this phone.")})


def organisation_validate(*, actor: Any, organisation: Organisation) -> None:
    """Every rule an organisation must meet before it is saved, normalising the values (the
    admin's form calls it to show errors early)."""
    for field in _ORGANISATION_TEXT:
        setattr(organisation, field, _text(getattr(organisation, field)))
    if not organisation.name:
        raise ValidationError({"name": _("The name is required.")})
    if organisation.kind not in OrganisationKind.values:
        raise ValidationError({"kind": _("Choose one of the kinds in the list.")})
    if organisation.credit_code:
        try:
            organisation.credit_code = credit_code_validate(organisation.credit_code)
        except ValidationError as error:
            raise ValidationError({"credit_code": error.error_list}) from None
    elif organisation.kind not in KINDS_WITHOUT_CREDIT_CODE:
        raise ValidationError(
            {
                "credit_code": _(
                    "A registered organisation of this kind has a unified social credit code: "
                    "give the one on its licence."
                )
            }
        )
    for name_field, phone_field in CONTACT_FIELDS:
        _check_contact(organisation, name_field=name_field, phone_field=phone_field)
    organisation.clean_fields(exclude=["grid", "created_by"])
    _check_credit_code_free(actor=actor, organisation=organisation)


def _save_organisation(*, actor: Any, organisation: Organisation) -> None:
    try:
        with transaction.atomic():  # a savepoint: a concurrent registration of the same code
            organisation.save()
    except IntegrityError:
        _check_credit_code_free(actor=actor, organisation=organisation)
        raise


@transaction.atomic
def organisation_register(
    *, actor: Any, grid: Area, name: str, kind: str, **details: Any
) -> Organisation:
    """Register an organisation in a grid; `details` are the other ORGANISATION_FIELDS."""
    unknown = sorted(set(details) - ORGANISATION_FIELDS)
    if unknown:
        raise ValueError(f"organisation_register cannot set {', '.join(unknown)}")
    require_perm(actor, "population.add_organisation")
    if not in_scope(actor, grid):
        raise ValidationError({"grid": _("Choose a grid within your own area.")})
    if not grid.is_grid:
        raise ValidationError(
            {"grid": _("An organisation is registered in a grid, not in a larger area.")}
        )
    organisation = Organisation(
        grid=grid,
        name=name,
        kind=kind,
        created_by=actor if getattr(actor, "pk", None) else None,
        **details,
    )
    require_perm(actor, "population.add_organisation", organisation)
    organisation_validate(actor=actor, organisation=organisation)
    _save_organisation(actor=actor, organisation=organisation)
    return organisation


@transaction.atomic
def organisation_update(*, actor: Any, organisation: Organisation, **changes: Any) -> Organisation:
    """Correct an organisation's details (ORGANISATION_FIELDS). A key unit keeps its kind
    while it has vital parts: they would be left under an organisation that has none."""
    unknown = sorted(set(changes) - ORGANISATION_FIELDS)
    if unknown:
        raise ValueError(f"organisation_update cannot change {', '.join(unknown)}")
    current = (
        Organisation.objects.select_for_update().select_related("grid").get(pk=organisation.pk)
    )
    require_perm(actor, "population.change_organisation", current)
    was_key_unit = current.is_key_unit
    for field, value in changes.items():
        setattr(current, field, value)
    # Removing a contact's name removes the contact: its phone goes with it unless given.
    for name_field, phone_field in CONTACT_FIELDS:
        removed = name_field in changes and not _text(changes[name_field])
        if removed and phone_field not in changes:
            setattr(current, phone_field, "")
    if was_key_unit and not current.is_key_unit and current.vital_parts.exists():
        raise ValidationError(
            {
                "kind": _(
                    "This key unit has vital parts on record: it stays a key unit while they do."
                )
            }
        )
    organisation_validate(actor=actor, organisation=current)
    _save_organisation(actor=actor, organisation=current)
    return current


def vital_part_validate(*, vital_part: VitalPart) -> None:
    """Every rule a vital part must meet before it is saved, normalising the values (the
    admin's form calls it to show errors early)."""
    if not vital_part.organisation.is_key_unit:
        raise ValidationError(
            {"organisation": _("Vital parts are recorded for key units (重点单位) only.")}
        )
    for field in ("name", "description", "person_responsible"):
        setattr(vital_part, field, str(getattr(vital_part, field) or "").strip())
    if not vital_part.name:
        raise ValidationError({"name": _("The name is required.")})
    vital_part.clean_fields(exclude=["organisation"])
    duplicate = (
        VitalPart.objects.filter(organisation=vital_part.organisation_id, name=vital_part.name)
        .exclude(pk=vital_part.pk)
        .exists()
    )
    if duplicate:
        raise ValidationError({"name": _("This key unit already has a vital part of this name.")})


@transaction.atomic
def vital_part_add(
    *,
    actor: Any,
    organisation: Organisation,
    name: str,
    description: str = "",
    person_responsible: str = "",
) -> VitalPart:
    """Record a vital part or facility (要害部位) of a key unit (P14)."""
    require_perm(actor, "population.add_vitalpart")
    # Locked: the kind is read here and a concurrent edit must not turn it into another.
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if not in_scope(actor, organisation):
        raise ValidationError({"organisation": _("Choose an organisation within your own area.")})
    vital_part = VitalPart(
        organisation=organisation,
        name=name,
        description=description,
        person_responsible=person_responsible,
    )
    require_perm(actor, "population.add_vitalpart", vital_part)
    vital_part_validate(vital_part=vital_part)
    vital_part.save()
    return vital_part


@transaction.atomic
def vital_part_update(*, actor: Any, vital_part: VitalPart, **changes: Any) -> VitalPart:
    """Correct a vital part's details (VITAL_PART_FIELDS)."""
    unknown = sorted(set(changes) - VITAL_PART_FIELDS)
    if unknown:
        raise ValueError(f"vital_part_update cannot change {', '.join(unknown)}")
    current = (
        VitalPart.objects.select_for_update()
        .select_related("organisation__grid")
        .get(pk=vital_part.pk)
    )
    require_perm(actor, "population.change_vitalpart", current)
    for field, value in changes.items():
        setattr(current, field, value)
    vital_part_validate(vital_part=current)
    current.save()
    return current


# --- Special groups (特殊人群) ------------------------------------------------------------------

# The kind-specific fields a record may carry, by the kind's `details`; the others stay empty.
SPECIAL_GROUP_DETAIL_FIELDS: dict[str, frozenset[str]] = {
    SpecialGroupDetails.CORRECTION: frozenset(
        {"supervision_level", "supervision_start", "supervision_end"}
    ),
    SpecialGroupDetails.RELEASE: frozenset(
        {"release_date", "resettled", "assistance_team", "first_month_aid_on"}
    ),
    SpecialGroupDetails.MENTAL_ILLNESS: frozenset({"risk_level", "guardian_capable"}),
    SpecialGroupDetails.DRUGS: frozenset(),
    SpecialGroupDetails.NONE: frozenset(),
}
ALL_DETAIL_FIELDS = frozenset().union(*SPECIAL_GROUP_DETAIL_FIELDS.values())
RECORD_EDITABLE_FIELDS = ALL_DETAIL_FIELDS | {"responsible", "follow_up_days", "notes"}


def special_group_details_of(kind: SpecialGroupKind) -> str:
    """A sub-kind (e.g. idle youth under key youth) carries its parent's specific fields."""
    return kind.details or (kind.parent.details if kind.parent_id and kind.parent else "")


def default_responsible(grid: Area) -> Any:
    """The grid's own worker: the team's grid worker with an account, else the only grid
    worker whose home area is the grid; None when that is not one person."""
    member = (
        grid.team_members.filter(role__code="grid_worker", user__is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if member is not None:
        return member.user
    workers = list(User.objects.filter(home_area=grid, role=Role.GRID_WORKER, is_active=True)[:2])
    return workers[0] if len(workers) == 1 else None


def _validate_record(record: SpecialGroupRecord) -> None:
    details = special_group_details_of(record.kind)
    allowed = SPECIAL_GROUP_DETAIL_FIELDS[details]
    for field in sorted(ALL_DETAIL_FIELDS - allowed):
        if getattr(record, field) not in (None, ""):
            raise ValidationError(
                {
                    field: _("This field does not apply to the kind “%(kind)s”.")
                    % {"kind": record.kind}
                }
            )
    if record.follow_up_days is not None and record.follow_up_days < 1:
        raise ValidationError({"follow_up_days": _("The follow-up interval is at least one day.")})
    today = timezone.localdate()
    if record.since > today:
        raise ValidationError({"since": _("The start date cannot be in the future.")})
    if record.until is not None and record.until < record.since:
        raise ValidationError({"until": _("The end date cannot be before the start date.")})
    if (
        record.supervision_start
        and record.supervision_end
        and record.supervision_end < record.supervision_start
    ):
        raise ValidationError({"supervision_end": _("The supervision ends before it starts.")})
    if record.release_date is not None and record.release_date > today:
        raise ValidationError({"release_date": _("The release date cannot be in the future.")})
    if record.first_month_aid_on is not None and (
        record.release_date is None or record.first_month_aid_on < record.release_date
    ):
        raise ValidationError(
            {"first_month_aid_on": _("First-month assistance is given after the release date.")}
        )
    responsible = record.responsible
    if responsible is not None and (
        not responsible.is_active
        or responsible.role != Role.GRID_WORKER
        or responsible.home_area_id != record.resident.grid_id
    ):
        raise ValidationError(
            {"responsible": _("Choose an active grid worker of the resident's grid.")}
        )
    record.clean_fields(exclude=["resident", "kind", "responsible", "created_by"])


@transaction.atomic
def special_group_record_create(
    *,
    actor: Any,
    resident: Resident,
    kind: SpecialGroupKind,
    since: datetime.date,
    follow_up_days: int | None = None,
    responsible: Any = None,
    **details: Any,
) -> SpecialGroupRecord:
    """Tag a resident with a special group. The follow-up interval defaults to the kind's, the
    responsible worker to the grid's own; the first follow-up is due one interval after
    `since`."""
    unknown = sorted(set(details) - ALL_DETAIL_FIELDS - {"notes"})
    if unknown:
        raise ValueError(f"special_group_record_create cannot set {', '.join(unknown)}")
    require_perm(actor, "population.add_specialgrouprecord")
    # Locked: two offices tagging the same person at once must not both pass the check below.
    resident = Resident.objects.select_for_update().select_related("grid").get(pk=resident.pk)
    if not in_scope(actor, resident):
        raise ValidationError({"resident": _("Choose a resident within your own area.")})
    record = SpecialGroupRecord(
        resident=resident,
        kind=kind,
        since=since,
        follow_up_days=follow_up_days or kind.follow_up_days,
        responsible=responsible if responsible is not None else default_responsible(resident.grid),
        created_by=actor if getattr(actor, "pk", None) else None,
        **details,
    )
    record.next_follow_up_due = since + datetime.timedelta(days=record.follow_up_days)
    require_perm(actor, "population.add_specialgrouprecord", record)
    _validate_record(record)
    if SpecialGroupRecord.objects.filter(resident=resident, kind=kind, until__isnull=True).exists():
        raise ValidationError({"kind": _("This resident already belongs to this group.")})
    record.save()
    return record


@transaction.atomic
def special_group_record_update(
    *, actor: Any, record: SpecialGroupRecord, **changes: Any
) -> SpecialGroupRecord:
    """Correct a record's details, worker, interval or notes. A new interval moves the next
    due date to one interval after the last follow-up (or the start)."""
    unknown = sorted(set(changes) - RECORD_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"special_group_record_update cannot change {', '.join(unknown)}")
    current = (
        SpecialGroupRecord.objects.select_for_update(of=("self",))
        .select_related("resident__grid", "kind__parent", "responsible")
        .get(pk=record.pk)
    )
    require_perm(actor, "population.change_specialgrouprecord", current)
    for field, value in changes.items():
        setattr(current, field, value)
    _validate_record(current)
    if "follow_up_days" in changes:
        last = current.last_followed_up_at
        start = timezone.localdate(last) if last else current.since
        current.next_follow_up_due = start + datetime.timedelta(days=current.follow_up_days)
    current.save()
    return current


@transaction.atomic
def special_group_record_end(
    *, actor: Any, record: SpecialGroupRecord, until: datetime.date
) -> SpecialGroupRecord:
    """The resident leaves the group (correction ended, recovered, grown up ...): kept with
    its history, no longer followed up."""
    current = (
        SpecialGroupRecord.objects.select_for_update(of=("self",))
        .select_related("resident__grid", "kind__parent", "responsible")
        .get(pk=record.pk)
    )
    require_perm(actor, "population.change_specialgrouprecord", current)
    if current.until is not None:
        raise ValidationError({"until": _("This record has already ended.")})
    current.until = until
    _validate_record(current)
    if until > timezone.localdate():
        raise ValidationError({"until": _("The end date cannot be in the future.")})
    current.save(update_fields=["until"])
    return current


@transaction.atomic
def special_group_event_record(
    *,
    actor: Any,
    record: SpecialGroupRecord,
    kind: str,
    occurred_on: datetime.date,
    notes: str = "",
) -> SpecialGroupEvent:
    """A relapse (复吸, drug users) or a re-offence (重新犯罪, released persons), dated."""
    record = SpecialGroupRecord.objects.select_related("resident__grid", "kind__parent").get(
        pk=record.pk
    )
    event = SpecialGroupEvent(
        record=record,
        kind=kind,
        occurred_on=occurred_on,
        notes=notes.strip(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    require_perm(actor, "population.add_specialgroupevent", event)
    details = special_group_details_of(record.kind)
    expected = {
        SpecialGroupEventKind.RELAPSE: SpecialGroupDetails.DRUGS,
        SpecialGroupEventKind.REOFFENCE: SpecialGroupDetails.RELEASE,
    }
    if kind not in expected:
        raise ValidationError({"kind": _("Choose a relapse or a re-offence.")})
    if details != expected[SpecialGroupEventKind(kind)]:
        raise ValidationError(
            {
                "kind": _("This event is not recorded for the kind “%(kind)s”.")
                % {"kind": record.kind}
            }
        )
    if occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": _("The date cannot be in the future.")})
    if occurred_on < record.since:
        raise ValidationError({"occurred_on": _("The date is before the record's start.")})
    event.save()
    return event


@transaction.atomic
def special_group_followup_recorded(*, resident: Resident, at: datetime.datetime) -> int:
    """A special-group follow-up visit to the resident happened at `at` (the visit service
    calls this once it has checked its own actor): every open record of the resident moves its
    next due date to one interval after the visit. A visit older than the last one recorded
    changes nothing. Returns how many records moved."""
    moved = 0
    records = SpecialGroupRecord.objects.select_for_update().filter(
        resident=resident, until__isnull=True
    )
    for record in records:
        if record.last_followed_up_at is not None and record.last_followed_up_at >= at:
            continue
        record.last_followed_up_at = at
        record.next_follow_up_due = timezone.localdate(at) + datetime.timedelta(
            days=record.follow_up_days
        )
        record.save(update_fields=["last_followed_up_at", "next_follow_up_due"])
        moved += 1
    return moved


def _reminders_plan(today: datetime.date) -> None:
    """Create the reminder rows due today (their unique key makes this idempotent)."""
    open_records = SpecialGroupRecord.objects.filter(until__isnull=True)
    rows = [
        FollowUpReminder(record_id=pk, purpose=ReminderPurpose.FOLLOW_UP, due_date=due)
        for pk, due in open_records.filter(next_follow_up_due__lte=today).values_list(
            "pk", "next_follow_up_due"
        )
    ]
    # 首月救助 (P17): reminded once, as soon as the person is released.
    released = open_records.filter(release_date__lte=today, first_month_aid_on__isnull=True)
    for record in released.only("pk", "release_date", "until", "first_month_aid_on"):
        due = record.first_month_aid_due
        if due is not None:
            rows.append(
                FollowUpReminder(
                    record_id=record.pk, purpose=ReminderPurpose.FIRST_MONTH_AID, due_date=due
                )
            )
    FollowUpReminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)


def _grid_workers(grid_id: int) -> list[Any]:
    return list(User.objects.filter(home_area=grid_id, role=Role.GRID_WORKER, is_active=True))


def _reminder_recipients(record: SpecialGroupRecord) -> list[Any]:
    if record.responsible is not None and record.responsible.is_active:
        return [record.responsible]
    return _grid_workers(record.resident.grid_id)


def _reminders_deliver(
    reminders: QuerySet[Any], notice: Callable[[Any], dict[str, Any] | None]
) -> int:
    """Send every unsent reminder row of `reminders` (a model with `sent_at`), once. Each row
    is locked (skip_locked: two runs side by side share the work) and marked sent in the same
    transaction as its notice, so a run killed half-way leaves the rest unsent for the next
    run, never sent twice. `notice(row)` gives notification_send's arguments, or None when
    there is nobody to tell yet (the row stays unsent and a later run retries)."""
    pending = list(
        reminders.filter(sent_at__isnull=True).order_by("pk").values_list("pk", flat=True)
    )
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for pk in pending:
            with transaction.atomic():
                reminder = (
                    reminders.select_for_update(skip_locked=True, of=("self",))
                    .filter(pk=pk, sent_at__isnull=True)
                    .first()
                )
                if reminder is None:
                    continue  # another run has it, or sent it
                arguments = notice(reminder)
                if arguments is None:
                    continue
                notification_send(**arguments)
                reminder.sent_at = timezone.now()
                reminder.save(update_fields=["sent_at"])
                sent += 1
    return sent


def _follow_up_notice(reminder: FollowUpReminder) -> dict[str, Any] | None:
    """The notice names no one and no group: it links to the record, which only those who may
    see it can open."""
    recipients = _reminder_recipients(reminder.record)
    if not recipients:
        return None  # nobody to tell yet: the due list shows it, a later run retries
    date = reminder.due_date.isoformat()
    title = (
        _("First-month assistance (首月救助) is due by %(date)s")
        if reminder.purpose == ReminderPurpose.FIRST_MONTH_AID
        else _("A special-group follow-up visit is due on %(date)s")
    ) % {"date": date}
    return {
        "recipients": recipients,
        "kind": "special_group_follow_up",
        "title": title,
        "url": reverse("special_groups:detail", args=[reminder.record_id]),
        "dedupe_key": f"special_group_reminder:{reminder.pk}",
    }


def special_group_reminders_send(*, today: datetime.date | None = None) -> int:
    """The beat task's work: remind the responsible worker once of every due follow-up and
    first-month assistance (delivered by _reminders_deliver)."""
    today = today or timezone.localdate()
    _reminders_plan(today)
    return _reminders_deliver(
        FollowUpReminder.objects.select_related("record__resident", "record__responsible"),
        _follow_up_notice,
    )


# --- Document expiry reminders (以证管人 P3, 境外人员 P10) ---------------------------------------


def document_expiry_days() -> int:
    """How many days before a residence permit or a visa/stay expires its holder's grid
    worker is reminded (DOCUMENT_EXPIRY_REMINDER_DAYS; no seed fixes it)."""
    return int(settings.DOCUMENT_EXPIRY_REMINDER_DAYS)


def _document_reminders_plan(today: datetime.date) -> None:
    """A reminder row for every document of a present resident that expires within the
    window or has expired, once per (resident, document, expiry date)."""
    horizon = today + datetime.timedelta(days=document_expiry_days())
    present = Resident.objects.filter(presence=Presence.PRESENT)
    # (cast: the filters leave no empty date)
    rows = [
        DocumentExpiryReminder(
            resident_id=pk,
            document=ResidentDocument.RESIDENCE_PERMIT,
            expires_on=cast(datetime.date, expires),
        )
        for pk, expires in present.filter(
            status=ResidentStatus.FLOATING, residence_permit_expires_on__lte=horizon
        ).values_list("pk", "residence_permit_expires_on")
    ]
    rows += [
        DocumentExpiryReminder(
            resident_id=pk, document=ResidentDocument.STAY, expires_on=cast(datetime.date, expires)
        )
        for pk, expires in present.filter(
            status=ResidentStatus.FOREIGN, stay_expires_on__lte=horizon
        ).values_list("pk", "stay_expires_on")
    ]
    DocumentExpiryReminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)


def _document_notice(reminder: DocumentExpiryReminder) -> dict[str, Any] | None:
    recipients = _grid_workers(reminder.resident.grid_id)
    if not recipients:
        return None  # the expiring list shows it; a later run retries
    expired = reminder.expires_on < timezone.localdate()
    if reminder.document == ResidentDocument.RESIDENCE_PERMIT:
        title = (
            _("A residence permit (居住证) in your grid expired on %(date)s")
            if expired
            else _("A residence permit (居住证) in your grid expires on %(date)s")
        )
    else:
        title = (
            _("A foreign national's visa or stay in your grid expired on %(date)s")
            if expired
            else _("A foreign national's visa or stay in your grid expires on %(date)s")
        )
    return {
        "recipients": recipients,
        "kind": "document_expiry",
        "title": title % {"date": reminder.expires_on.isoformat()},
        "url": reverse("residents:detail", args=[reminder.resident_id]),
        "dedupe_key": f"document_expiry_reminder:{reminder.pk}",
    }


def document_expiry_reminders_send(*, today: datetime.date | None = None) -> int:
    """The beat task's work: remind the grid workers of the resident's grid once, N days
    before a residence permit or a visa/stay expires (or once it has expired, if it was
    entered late). A document renewed or a person moved away meanwhile is not reminded."""
    today = today or timezone.localdate()
    _document_reminders_plan(today)
    horizon = today + datetime.timedelta(days=document_expiry_days())
    still_due = Q(
        document=ResidentDocument.RESIDENCE_PERMIT,
        resident__status=ResidentStatus.FLOATING,
        resident__residence_permit_expires_on=F("expires_on"),
    ) | Q(
        document=ResidentDocument.STAY,
        resident__status=ResidentStatus.FOREIGN,
        resident__stay_expires_on=F("expires_on"),
    )
    return _reminders_deliver(
        DocumentExpiryReminder.objects.select_related("resident").filter(
            still_due, resident__presence=Presence.PRESENT, expires_on__lte=horizon
        ),
        _document_notice,
    )


# --- Houses, households and rental houses (以房管人) ---------------------------------------------
# A house (房屋) is an address in a grid; a rented one carries its landlord, filing date and
# security-responsibility letter (seed 004: 出租房屋登记备案, 出租人、承租人的治安责任). Its
# tenants are the members of the households living in it. A household (户) lives at a house;
# a person belongs to at most one household at a time (Resident.household), and every join
# and leave is a dated HouseholdEvent (P2: 实有人口动态管理), never a silent overwrite.

HOUSE_ADDRESS_FIELDS = ("building", "unit", "room", "address_line")
HOUSE_RENTAL_FIELDS = (
    "landlord_name",
    "landlord_phone",
    "landlord_resident",
    "filed_on",
    "responsibility_letter_signed_on",
)
HOUSE_EDITABLE_FIELDS = frozenset(
    {*HOUSE_ADDRESS_FIELDS, "is_rented", *HOUSE_RENTAL_FIELDS, "compound"}
)
HOUSEHOLD_EDITABLE_FIELDS = frozenset({"number", "kind", "note", "head"})


def _grid_of_the_actor(*, actor: Any, grid: Area, field: str = "grid") -> None:
    if not in_scope(actor, grid):
        raise ValidationError({field: _("Choose a grid within your own area.")})
    if not grid.is_grid:
        raise ValidationError({field: _("A house is registered in a grid, not in a larger area.")})


def _not_in_the_future(value: datetime.date | None, field: str) -> None:
    if value is not None and value > timezone.localdate():
        raise ValidationError({field: _("This date is in the future.")})


def _check_address_free(house: House) -> None:
    taken = (
        House.objects.filter(
            grid_id=house.grid_id, building=house.building, unit=house.unit, room=house.room
        )
        .exclude(pk=house.pk)
        .exists()
    )
    if taken:
        raise ValidationError(
            {
                "room": _("A house at %(address)s is already registered in this grid.")
                % {"address": house.label}
            }
        )


def house_validate(*, actor: Any, house: House, compound_changed: bool = True) -> None:
    """Every rule a house must meet before it is saved, normalising its values (the admin's
    form calls it to show errors early). Its compound is checked when it is set or changed:
    a worker who corrects a house need not see the compound it belongs to."""
    for name in (*HOUSE_ADDRESS_FIELDS, "landlord_name", "landlord_phone"):
        setattr(house, name, (getattr(house, name) or "").strip())
    if not house.building:
        raise ValidationError({"building": _("The building (楼栋) is required.")})
    if house.landlord_resident_id is not None and not in_scope(actor, house.landlord_resident):
        raise ValidationError({"landlord_resident": _("Choose a resident within your own area.")})
    if house.is_rented:
        if house.landlord_resident is not None and not house.landlord_name:
            house.landlord_name = house.landlord_resident.name
        if not house.landlord_name:
            raise ValidationError({"landlord_name": _("A rented house names its landlord.")})
    else:
        # Unticking "rented" does not silently drop what was recorded: the worker clears it.
        recorded = [name for name in HOUSE_RENTAL_FIELDS if getattr(house, name)]
        if recorded:
            raise ValidationError(
                {
                    "is_rented": _(
                        "A house that is not rented out has no landlord, filing date or "
                        "responsibility letter: clear them, or mark the house as rented."
                    )
                }
            )
    _not_in_the_future(house.filed_on, "filed_on")
    _not_in_the_future(house.responsibility_letter_signed_on, "responsibility_letter_signed_on")
    if compound_changed:
        house_compound_check(actor=actor, house=house)  # P27
    house.clean_fields(exclude=["grid", "created_by", "landlord_resident", "compound"])
    _check_address_free(house)


def _house_save(house: House) -> None:
    try:
        with transaction.atomic():  # a savepoint: a concurrent registration of the same address
            house.save()
    except IntegrityError:
        _check_address_free(house)
        raise


@transaction.atomic
def house_register(
    *,
    actor: Any,
    grid: Area,
    building: str,
    unit: str = "",
    room: str = "",
    address_line: str = "",
    is_rented: bool = False,
    landlord_name: str = "",
    landlord_phone: str = "",
    landlord_resident: Resident | None = None,
    filed_on: datetime.date | None = None,
    responsibility_letter_signed_on: datetime.date | None = None,
    compound: Compound | None = None,
) -> House:
    """Register a house at an address in a grid, with its rental data when it is let."""
    require_perm(actor, "population.add_house")
    _grid_of_the_actor(actor=actor, grid=grid)
    house = House(
        grid=grid,
        building=building,
        unit=unit,
        room=room,
        address_line=address_line,
        is_rented=is_rented,
        landlord_name=landlord_name,
        landlord_phone=landlord_phone,
        landlord_resident=landlord_resident,
        filed_on=filed_on,
        responsibility_letter_signed_on=responsibility_letter_signed_on,
        compound=compound,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    require_perm(actor, "population.add_house", house)
    house_validate(actor=actor, house=house)
    _house_save(house)
    return house


@transaction.atomic
def house_update(*, actor: Any, house: House, **changes: Any) -> House:
    """Correct a house's address or its rental data (HOUSE_EDITABLE_FIELDS). The grid is not
    editable: a house does not move."""
    unknown = sorted(set(changes) - HOUSE_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"house_update cannot change {', '.join(unknown)}")
    current = House.objects.select_for_update().select_related("grid").get(pk=house.pk)
    require_perm(actor, "population.change_house", current)
    compound_changed = "compound" in changes and changes["compound"] != current.compound
    for field, value in changes.items():
        setattr(current, field, value)
    house_validate(actor=actor, house=current, compound_changed=compound_changed)
    _house_save(current)
    return current


def _household_in_scope(*, actor: Any, household: Household, field: str = "household") -> None:
    if not in_scope(actor, household):
        raise ValidationError({field: _("Choose a household within your own area.")})
    require_perm(actor, "population.change_household", household)


def _event_date(on: datetime.date | None) -> datetime.date:
    on = on or timezone.localdate()
    _not_in_the_future(on, "on")
    return on


def _validate_kind(kind: str) -> None:
    if kind not in HouseholdKind.values:
        raise ValidationError({"kind": _("Choose one of the household kinds.")})


@transaction.atomic
def household_register(
    *,
    actor: Any,
    house: House,
    kind: str = HouseholdKind.REGISTERED,
    number: str = "",
    note: str = "",
    head: Resident | None = None,
    on: datetime.date | None = None,
) -> Household:
    """Register a household at a house; `head`, when given, joins it as its head (户主)."""
    require_perm(actor, "population.add_household")
    if not in_scope(actor, house):
        raise ValidationError({"house": _("Choose a house within your own area.")})
    _validate_kind(kind)
    household = Household(
        house=house,
        kind=kind,
        number=number.strip(),
        note=note.strip(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    require_perm(actor, "population.add_household", household)
    household.clean_fields(exclude=["house", "head", "created_by"])
    household.save()
    if head is not None:
        try:
            household.head = household_member_add(
                actor=actor, household=household, resident=head, relationship="head", on=on
            )
        except ValidationError as error:
            # The head is named as `head` here: the form or payload has no `resident`.
            raise ValidationError({"head": error.messages}) from None
    return household


@transaction.atomic
def household_update(*, actor: Any, household: Household, **changes: Any) -> Household:
    """Correct a household's number, kind or note, or make another member its head (the
    former head is then recorded as "other" until a worker says what they are)."""
    unknown = sorted(set(changes) - HOUSEHOLD_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"household_update cannot change {', '.join(unknown)}")
    current = (
        Household.objects.select_for_update().select_related("house__grid").get(pk=household.pk)
    )
    _household_in_scope(actor=actor, household=current)
    if "kind" in changes:
        _validate_kind(changes["kind"])
    for field in ("number", "kind", "note"):
        if field in changes:
            setattr(current, field, changes[field].strip())
    current.clean_fields(exclude=["house", "head", "created_by"])
    if "head" in changes and changes["head"] is not None and changes["head"].pk != current.head_id:
        head = Resident.objects.select_for_update().get(pk=changes["head"].pk)
        if head.household_id != current.pk:
            raise ValidationError({"head": _("The head must be a member of this household.")})
        if current.head_id is not None:
            Resident.objects.filter(pk=current.head_id).update(relationship=Relationship.OTHER)
        head.relationship = Relationship.HEAD
        head.save(update_fields=["relationship", "updated_at"])
        current.head = head
    elif "head" in changes and changes["head"] is None:
        raise ValidationError({"head": _("Choose the member who heads the household.")})
    current.save()
    return current


def _record(
    *, actor: Any, household: Household, resident: Resident, kind: str, relationship: str, on: Any
) -> None:
    HouseholdEvent.objects.create(
        household=household,
        resident=resident,
        kind=kind,
        relationship=relationship,
        on=on,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )


@transaction.atomic
def household_member_add(
    *,
    actor: Any,
    household: Household,
    resident: Resident,
    relationship: str,
    on: datetime.date | None = None,
    move: bool = False,
) -> Resident:
    """Make a resident of the house's grid a member of the household from `on` (today by
    default). A member of another household moves only when `move` says so: the person
    then leaves that household on the same day (and it loses its head if they were it)."""
    household = (
        Household.objects.select_for_update().select_related("house__grid").get(pk=household.pk)
    )
    _household_in_scope(actor=actor, household=household)
    if not in_scope(actor, resident):
        raise ValidationError({"resident": _("Choose a resident within your own area.")})
    # Locked: two workers adding the same person to two households must not both succeed.
    person = Resident.objects.select_for_update().select_related("grid").get(pk=resident.pk)
    if relationship not in Relationship.values:
        raise ValidationError({"relationship": _("Choose the relationship to the head.")})
    on = _event_date(on)
    if person.grid_id != household.house.grid_id:
        raise ValidationError(
            {
                "resident": _(
                    "%(name)s is registered in “%(grid)s”; the members of a household live in "
                    "the grid of its house, “%(house_grid)s”."
                )
                % {"name": person.name, "grid": person.grid, "house_grid": household.house.grid}
            }
        )
    if person.household_id == household.pk:
        raise ValidationError(
            {
                "resident": _("%(name)s is already a member of this household.")
                % {"name": person.name}
            }
        )
    if relationship == Relationship.HEAD and household.head_id is not None:
        raise ValidationError(
            {"relationship": _("This household already has a head: choose another relationship.")}
        )
    if person.household_id is not None:
        former = (
            Household.objects.select_for_update()
            .select_related("house")
            .get(pk=person.household_id)
        )
        if not move:
            raise ValidationError(
                {
                    "resident": _(
                        "%(name)s is a member of the household at %(house)s: remove them "
                        "there first, or confirm the move."
                    )
                    % {"name": person.name, "house": former.house.label}
                }
            )
        _leave(actor=actor, household=former, person=person, on=on)
    person.household = household
    person.relationship = relationship
    person.save(update_fields=["household", "relationship", "updated_at"])
    if relationship == Relationship.HEAD:
        household.head = person
        household.save(update_fields=["head", "updated_at"])
    _record(
        actor=actor,
        household=household,
        resident=person,
        kind=HouseholdEventKind.JOINED,
        relationship=relationship,
        on=on,
    )
    return person


def _leave(*, actor: Any, household: Household, person: Resident, on: datetime.date) -> None:
    _record(
        actor=actor,
        household=household,
        resident=person,
        kind=HouseholdEventKind.LEFT,
        relationship=person.relationship,
        on=on,
    )
    if household.head_id == person.pk:
        household.head = None
        household.save(update_fields=["head", "updated_at"])
    person.household = None
    person.relationship = ""
    person.save(update_fields=["household", "relationship", "updated_at"])


@transaction.atomic
def household_member_remove(
    *, actor: Any, household: Household, resident: Resident, on: datetime.date | None = None
) -> Resident:
    """The resident leaves the household on `on` (today by default); a leaving head leaves
    the household without one until another member is made head."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    _household_in_scope(actor=actor, household=household)
    person = Resident.objects.select_for_update().get(pk=resident.pk)
    if person.household_id != household.pk:
        raise ValidationError(
            {"resident": _("%(name)s is not a member of this household.") % {"name": person.name}}
        )
    _leave(actor=actor, household=household, person=person, on=_event_date(on))
    return person


# --- Visits (走访, 民情日记) ---------------------------------------------------------------------

# What visit_correct may change. Where and by whom a visit was made is what the phone and the
# sign-in recorded: a wrong point is kept (and flagged), not edited away.
VISIT_CORRECTABLE_FIELDS = frozenset(
    {*VISIT_SUBJECTS, "subject", "purpose", "notes", "findings", "visited_at"}
)
# A phone's clock may run a little ahead of the server's.
VISIT_CLOCK_SKEW = datetime.timedelta(minutes=5)


def _grid_of(row: Any) -> Area:
    """The grid a visited row (resident, household, organisation) belongs to."""
    grid = area_of(row)
    if grid is None:
        raise ValueError(f"{type(row).__name__} {row.pk} belongs to no grid")
    return grid


def _visit_subjects_check(*, visit: Visit) -> None:
    """Every visited row lies in the visit's grid, and the visit names whom it was about."""
    named = False
    for field in VISIT_SUBJECTS:
        row = getattr(visit, field)
        if row is None:
            continue
        named = True
        if _grid_of(row).pk != visit.grid_id:
            raise ValidationError(
                {field: _("This record belongs to another grid than the visit's.")}
            )
    if not named and not visit.subject:
        raise ValidationError(
            {
                "subject": _(
                    "Say whom the visit was to, or choose a resident, household or organisation."
                )
            }
        )


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
    household: Household | None = None,
    organisation: Organisation | None = None,
    subject: str = "",
    purpose: str = VisitPurpose.ROUTINE,
    visited_at: datetime.datetime | None = None,
    notes: str = "",
    findings: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    location_accuracy: float | None = None,
) -> Visit:
    """Log a visit by the actor. Its grid is the visited row's (resident, household or
    organisation), else `grid` (a grid worker's own grid when they have only that);
    `visited_at` defaults to now."""
    require_perm(actor, "population.add_visit")
    visited = {"resident": resident, "household": household, "organisation": organisation}
    for field, row in visited.items():
        if row is not None and not in_scope(actor, row):
            raise ValidationError({field: _("Choose a record within your own area.")})
    if grid is None:
        named = [row for row in visited.values() if row is not None]
        grid = _grid_of(named[0]) if named else _own_grid(actor)
    if not in_scope(actor, grid):
        raise ValidationError({"grid": _("Choose a grid within your own area.")})
    if not grid.is_grid:
        raise ValidationError({"grid": _("A visit belongs to a grid, not to a larger area.")})
    visit = Visit(
        grid=grid,
        worker=actor,
        resident=resident,
        household=household,
        organisation=organisation,
        subject=subject or next((str(row) for row in visited.values() if row is not None), ""),
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


# --- Special-group ledger exports (重点人员管理台账, P24) --------------------------------------
# Issue 7: office staff request the ledger of an area with a reason; a leader whose scope
# covers the area (the office lead) approves or refuses it; the requester downloads it once,
# within SPECIAL_GROUP_EXPORT_HOURS of the approval. Each download is an ACCESS entry of the
# audit trail naming who, which request and how many rows, never a name or a kind.

EXPORT_REASON_MAX_LENGTH = 500


def _area_leaders(area: Area) -> list[User]:
    """The office leads of an area: active leaders whose home area contains it."""
    leaders = User.objects.filter(
        role=Role.LEADER, is_active=True, home_area__isnull=False
    ).select_related("home_area")
    return [leader for leader in leaders if leader.home_area.contains(area)]


def _export_url() -> str:
    return reverse("special_group_exports:list")


@transaction.atomic
def special_group_export_request(
    *,
    actor: Any,
    area: Area,
    reason: str,
    kinds: list[SpecialGroupKind] | None = None,
) -> SpecialGroupExportRequest:
    """Ask for the special-group ledger of an area in the actor's scope; its leaders are told."""
    require_perm(actor, "population.add_specialgroupexportrequest")
    if area is None or not in_scope(actor, area):
        raise ValidationError({"area": _("Choose an area within your own area.")})
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Say why you need the ledger.")})
    if len(reason) > EXPORT_REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": _("Keep the reason under %(max)d characters.")
                % {"max": EXPORT_REASON_MAX_LENGTH}
            }
        )
    request = SpecialGroupExportRequest(area=area, reason=reason, requested_by=actor)
    require_perm(actor, "population.add_specialgroupexportrequest", request)
    request.save()
    if kinds:
        request.kinds.set(kinds)
    with translation.override(settings.LANGUAGE_CODE):
        notification_send(
            recipients=[leader for leader in _area_leaders(area) if leader.pk != actor.pk],
            kind="special_group_export",
            title=_("A special-group ledger export of %(area)s awaits your approval")
            % {"area": area.name},
            body=_("Requested by %(user)s.") % {"user": actor.display_name},
            url=_export_url(),
        )
    return request


def _locked_request(request: SpecialGroupExportRequest) -> SpecialGroupExportRequest:
    return (
        SpecialGroupExportRequest.objects.select_for_update(of=("self",))
        .select_related("area", "requested_by")
        .get(pk=request.pk)
    )


def _decide(
    *, actor: Any, request: SpecialGroupExportRequest, status: str, comment: str
) -> SpecialGroupExportRequest:
    if request.requested_by_id == actor.pk:
        raise PermissionDenied(_("You cannot decide your own request."))
    require_perm(actor, "population.approve_specialgroupexportrequest", request)
    current = _locked_request(request)
    if current.status != ExportStatus.REQUESTED:
        raise ValidationError(
            {
                "status": _("This request was decided already (%(status)s).")
                % {"status": current.get_status_display()}
            }
        )
    now = timezone.now()
    current.status = status
    current.decided_by = actor
    current.decided_at = now
    current.decision_comment = comment
    if status == ExportStatus.APPROVED:
        current.expires_at = now + datetime.timedelta(hours=settings.SPECIAL_GROUP_EXPORT_HOURS)
    current.save()
    with translation.override(settings.LANGUAGE_CODE):
        notification_send(
            recipients=[current.requested_by],
            kind="special_group_export",
            title=(
                _("Your special-group ledger export of %(area)s was approved")
                if status == ExportStatus.APPROVED
                else _("Your special-group ledger export of %(area)s was refused")
            )
            % {"area": current.area.name},
            body=comment,
            url=_export_url(),
        )
    return current


@transaction.atomic
def special_group_export_approve(
    *, actor: Any, request: SpecialGroupExportRequest, comment: str = ""
) -> SpecialGroupExportRequest:
    """The office lead approves: the requester may download the file once, until it expires."""
    comment = " ".join((comment or "").split())
    return _decide(actor=actor, request=request, status=ExportStatus.APPROVED, comment=comment)


@transaction.atomic
def special_group_export_refuse(
    *, actor: Any, request: SpecialGroupExportRequest, comment: str
) -> SpecialGroupExportRequest:
    """The office lead refuses, saying why."""
    comment = " ".join((comment or "").split())
    if not comment:
        raise ValidationError({"comment": _("Say why the request is refused.")})
    return _decide(actor=actor, request=request, status=ExportStatus.REFUSED, comment=comment)


def special_group_export_download(
    *, actor: Any, request: SpecialGroupExportRequest, via: str = "page"
) -> tuple[SpecialGroupExportRequest, IO[bytes]]:
    """The requester's one download of an approved request: the open records of the area
    (and kinds) that the requester sees by the same rule as the pages, built now, as XLSX.
    Returns the request (downloaded) and the open file. An approval past its time is marked
    expired and refused."""
    from population.exports import special_group_export_xlsx
    from population.selectors import special_group_record_list, within_area

    # Superusers hold every permission (Django): the requester is checked here as well.
    if request.requested_by_id != actor.pk:
        raise PermissionDenied(_("Only whoever asked for this export may download it."))
    require_perm(actor, "population.download_specialgroupexportrequest", request)
    expired = False
    with transaction.atomic():
        current = _locked_request(request)
        if current.status == ExportStatus.APPROVED and current.is_expired:
            current.status = ExportStatus.EXPIRED
            current.save(update_fields=["status"])
            expired = True
        elif current.status != ExportStatus.APPROVED:
            messages = {
                ExportStatus.REQUESTED: _("This request has not been approved yet."),
                ExportStatus.REFUSED: _("This request was refused."),
                ExportStatus.DOWNLOADED: _("This file was downloaded already."),
                ExportStatus.EXPIRED: _("This approval has expired: ask again."),
            }
            raise ValidationError({"status": messages[ExportStatus(current.status)]})
        else:
            records = within_area(
                special_group_record_list(user=actor).filter(until__isnull=True), current.area
            )
            kinds = list(current.kinds.all())
            if kinds:
                records = records.filter(Q(kind__in=kinds) | Q(kind__parent__in=kinds))
            spool, count = special_group_export_xlsx(records)
            current.status = ExportStatus.DOWNLOADED
            current.downloaded_at = timezone.now()
            current.row_count = count
            current.save(update_fields=["status", "downloaded_at", "row_count"])
            LogEntry.objects.log_create(
                current,
                action=LogEntry.Action.ACCESS,
                force_log=True,
                actor=actor,
                additional_data={"export": current.pk, "rows": count, "via": via},
            )
    if expired:
        raise ValidationError({"status": _("This approval has expired: ask again.")})
    return current, spool


def special_group_exports_expire(*, batch_size: int = 500) -> int:
    """Mark the approvals past their time as expired, so that lists, filters and the admin
    read the status as it stands (a download refuses them anyway). Each row is saved on its
    own, so the audit trail records the change; a row another run holds is skipped, and a
    second run finds nothing left to do."""
    expired = 0
    while True:
        with transaction.atomic():
            due = list(
                SpecialGroupExportRequest.objects.select_for_update(skip_locked=True)
                .filter(status=ExportStatus.APPROVED, expires_at__lte=timezone.now())
                .order_by("expires_at", "pk")[:batch_size]
            )
            for request in due:
                request.status = ExportStatus.EXPIRED
                request.save(update_fields=["status"])
        expired += len(due)
        if len(due) < batch_size:
            return expired


# --- Employers register their floating workers (以业管人, P7) ----------------------------------
# An enterprise's own people (department staff of an enterprise unit linked to its row of the
# ledger, or the unit's API token) register the floating people they employ through the same
# registration as everyone (resident_register: the move-in event, the duplicate check, the
# audit trail), with the employer, the grid and the status forced. They see their workers
# masked and may end an employment; they correct and delete nothing.


def _employers_grid(*, actor: Any, grid: Area) -> bool:
    organisation_id = getattr(actor, "employer_organisation_id", None)
    return (
        organisation_id is not None
        and Organisation.objects.filter(pk=organisation_id, grid=grid).exists()
    )


def employer_of(actor: Any) -> Organisation:
    """The organisation whose workers the actor registers; 403 for anyone else."""
    organisation_id = getattr(actor, "employer_organisation_id", None)
    if organisation_id is None:
        raise PermissionDenied(
            _("Only an enterprise's own account registers its floating workers (以业管人).")
        )
    return Organisation.objects.select_related("grid").get(pk=organisation_id)


@dataclass(frozen=True)
class WorkerRegistration:
    resident: Resident
    linked: bool  # already in the ledger: linked as the employer's worker, nothing created


@transaction.atomic
def employer_worker_register(
    *,
    actor: Any,
    name: str,
    id_number: str,
    phone: str = "",
    address: str = "",
    residence_permit_number: str = "",
    residence_permit_expires_on: datetime.date | None = None,
    moved_in_on: datetime.date | None = None,
) -> WorkerRegistration:
    """An enterprise registers a floating person it employs (P7): status floating, employer its
    own organisation and grid its organisation's grid, whatever is asked. A person already in
    the ledger (the same ID number) is not registered twice and their record is not shown:
    when the name given matches the record, they are linked as this employer's worker
    ("already registered; linked as your employee"); when it does not, the number is refused
    without saying whose it is."""
    organisation = employer_of(actor)
    try:
        index = blind_index_of(Resident, "id_number", (id_number or "").strip())
    except ValidationError as error:
        raise ValidationError({"id_number": error.messages}) from error
    existing = (
        Resident.objects.select_for_update().filter(id_number_index=index).first()
        if index is not None
        else None
    )
    if existing is None:
        resident = resident_register(
            actor=actor,
            grid=organisation.grid,
            name=name,
            id_number=id_number,
            phone=phone,
            status=ResidentStatus.FLOATING,
            address=address,
            moved_in_on=moved_in_on,
            employer_organisation=organisation,
            residence_permit_number=residence_permit_number,
            residence_permit_expires_on=residence_permit_expires_on,
        )
        resident.registered_by_employer = organisation
        resident.save(update_fields=["registered_by_employer", "updated_at"])
        return WorkerRegistration(resident=resident, linked=False)
    if existing.name != (name or "").strip():
        raise ValidationError(
            {
                "id_number": _(
                    "This ID number is already registered under another name: check the name "
                    "and the number, or ask the community's office."
                )
            }
        )
    if existing.employer_organisation_id != organisation.pk:
        existing.employer_organisation = organisation
        existing.save(update_fields=["employer_organisation", "updated_at"])
    return WorkerRegistration(resident=existing, linked=True)


@transaction.atomic
def employer_worker_release(*, actor: Any, resident: Resident) -> Resident:
    """The employment ends (P7): the person stays in the ledger, no longer this employer's
    worker (and no longer seen by it)."""
    organisation = employer_of(actor)
    current = _locked(resident)
    if current.employer_organisation_id != organisation.pk:
        raise PermissionDenied(_("This person is not one of your organisation's workers."))
    current.employer_organisation = None
    current.save(update_fields=["employer_organisation", "updated_at"])
    return current
