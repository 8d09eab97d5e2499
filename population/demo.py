"""Believable residents for the demo district (made-up names, valid made-up ID numbers)."""

import datetime
from typing import Any

from grid.models import Area
from population.identities import id_number_make
from population.models import Resident, ResidentStatus
from population.services import (
    resident_move_out,
    resident_register,
    resident_reveal,
    resident_status_change,
)

# The first resident of each grid whose worker loads it was seen in full once, so that the
# office's view of the resident's history shows what a logged reveal looks like.
DEMO_REVEAL_REASON = "入户走访，核对身份证与户口簿"

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
            resident = resident_register(
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
                moved_in_on=max(born, datetime.date(2015 + index, 3, 1 + number)),
            )
            created += 1
            _demo_history(actor=actor, resident=resident, grid_number=number)
            if index == 0 and actor.has_perm("population.reveal_resident", resident):
                resident_reveal(actor=actor, resident=resident, reason=DEMO_REVEAL_REASON)
    return created


def _demo_history(*, actor: Any, resident: Resident, grid_number: int) -> None:
    """A few lives that changed: a floating worker settles (落户), a student leaves."""
    if resident.name == "刘芳":
        resident_status_change(
            actor=actor,
            resident=resident,
            status=ResidentStatus.REGISTERED,
            happened_on=datetime.date(2025, 6, 18),
            note="落户本社区",
        )
    elif resident.name == "杨丽" and grid_number % 3 == 0:
        resident_move_out(
            actor=actor,
            resident=resident,
            happened_on=datetime.date(2025, 9, 1),
            note="外出求学(上海)",
        )
