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
from grid.models import Area
from population.models import (
    House,
    Household,
    HouseholdEvent,
    HouseholdEventKind,
    HouseholdKind,
    Relationship,
    Resident,
    ResidentStatus,
)

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
HOUSE_EDITABLE_FIELDS = frozenset({*HOUSE_ADDRESS_FIELDS, "is_rented", *HOUSE_RENTAL_FIELDS})
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


def house_validate(*, actor: Any, house: House) -> None:
    """Every rule a house must meet before it is saved, normalising its values (the admin's
    form calls it to show errors early)."""
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
    house.clean_fields(exclude=["grid", "created_by", "landlord_resident"])
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
    for field, value in changes.items():
        setattr(current, field, value)
    house_validate(actor=actor, house=current)
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
