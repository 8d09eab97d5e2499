"""Believable residents for the demo district (made-up names, valid made-up ID numbers)."""

import datetime
from typing import Any

from grid.models import Area
from population.identities import id_number_make
from population.models import House, HouseholdKind, Resident, ResidentStatus
from population.services import (
    house_register,
    household_member_add,
    household_register,
    resident_register,
)

# name, born, female, status, address, employer
PEOPLE = [
    ("王建国", datetime.date(1958, 4, 17), False, ResidentStatus.REGISTERED, "1幢1单元301", ""),
    ("李秀英", datetime.date(1961, 9, 3), True, ResidentStatus.REGISTERED, "1幢1单元301", ""),
    (
        "张伟",
        datetime.date(1987, 12, 25),
        False,
        ResidentStatus.FLOATING,
        "3幢2单元502",
        "杭州某物流公司",
    ),
    ("刘芳", datetime.date(1993, 6, 8), True, ResidentStatus.FLOATING, "3幢2单元502", "社区便利店"),
    ("陈志强", datetime.date(1975, 2, 14), False, ResidentStatus.REGISTERED, "5幢1单元101", "个体"),
    ("杨丽", datetime.date(2001, 10, 30), True, ResidentStatus.REGISTERED, "5幢1单元101", ""),
]


def demo_residents_load(*, actor: Any, grids: list[Area]) -> int:
    """Register PEOPLE in each grid once (a second load skips those already there); up to
    sixteen grids, whose ID numbers are all distinct."""
    created = 0
    offset = Resident.objects.count()  # a second call (other grids) continues the serials
    for number, grid in enumerate(grids):
        if Resident.objects.filter(grid=grid).exists():
            continue
        for index, (name, born, female, status, address, employer) in enumerate(PEOPLE):
            resident_register(
                actor=actor,
                grid=grid,
                name=name,
                # One serial per grid and person: every ID number in the demo is distinct.
                id_number=id_number_make(
                    born=born, serial=offset + number * len(PEOPLE) + index, female=female
                ),
                phone=f"139{number:04d}{index:04d}",
                status=status,
                address=address,
                employer=employer,
            )
            created += 1
    return created


# --- Houses, households and rental houses ------------------------------------------------------

# building, unit, room, rented: (landlord, phone suffix, filed, letter signed) or None
HOUSES = [
    ("1", "1", "301", None),
    ("3", "2", "502", ("赵国庆", 1, True, True)),
    ("5", "1", "101", None),
    ("7", "3", "602", ("钱桂兰", 2, False, False)),
    ("9", "1", "201", ("孙海涛", 3, False, True)),
]
# The households living in them: house index, kind, members' (name, relationship) by PEOPLE.
HOUSEHOLDS = [
    (0, HouseholdKind.REGISTERED, [("王建国", "head"), ("李秀英", "spouse")]),
    (1, HouseholdKind.FLOATING, [("张伟", "head"), ("刘芳", "tenant")]),
    (2, HouseholdKind.REGISTERED, [("陈志强", "head"), ("杨丽", "child")]),
    (3, HouseholdKind.FLOATING, []),
]


def demo_households_load(*, actor: Any, grids: list[Area]) -> int:
    """HOUSES in every grid, some rented (one filed, two not), with HOUSEHOLDS at four of
    them; the grid's demo residents (demo_residents_load) join them where the grid has them.
    A grid that has its houses already is skipped."""
    created = 0
    today = datetime.date.today()
    for number, grid in enumerate(grids):
        if House.objects.filter(grid=grid).exists():
            continue
        houses = []
        for building, unit, room, rental in HOUSES:
            fields: dict[str, Any] = {}
            if rental is not None:
                landlord, suffix, filed, signed = rental
                since = today - datetime.timedelta(days=90 + 30 * suffix)
                fields = {
                    "is_rented": True,
                    "landlord_name": landlord,
                    "landlord_phone": f"137{number:04d}{suffix:04d}",
                    "filed_on": since if filed else None,
                    "responsibility_letter_signed_on": since if signed else None,
                }
            houses.append(
                house_register(
                    actor=actor, grid=grid, building=building, unit=unit, room=room, **fields
                )
            )
        residents = {r.name: r for r in Resident.objects.filter(grid=grid, household=None)}
        for index, (house_index, kind, members) in enumerate(HOUSEHOLDS):
            household = household_register(
                actor=actor,
                house=houses[house_index],
                kind=kind,
                number=f"{grid.code[-6:]}{index + 1:02d}"
                if kind == HouseholdKind.REGISTERED
                else "",
            )
            for name, relationship in members:
                if name in residents:
                    household_member_add(
                        actor=actor,
                        household=household,
                        resident=residents[name],
                        relationship=relationship,
                        on=today - datetime.timedelta(days=365),
                    )
        created += len(houses)
    return created
