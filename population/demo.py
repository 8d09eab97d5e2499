"""Believable residents for the demo district (made-up names, valid made-up ID numbers)."""

import datetime
from typing import Any

from grid.models import Area
from population.identities import id_number_make
from population.models import (
    Resident,
    ResidentStatus,
    SpecialGroupEventKind,
    SpecialGroupKind,
    SpecialGroupRecord,
)
from population.services import (
    resident_register,
    special_group_event_record,
    special_group_record_create,
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


def demo_special_groups_load(*, actor: Any) -> int:
    """Tag a few demo residents of every grid that has residents (once per grid): a released
    prisoner whose first-month assistance is open, a drug user with a relapse, a severe
    mental illness patient at high risk without a capable guardian, a person under community
    correction whose follow-up is overdue."""
    today = datetime.date.today()
    kinds = {kind.code: kind for kind in SpecialGroupKind.objects.all()}
    created = 0
    grids = Resident.objects.values_list("grid", flat=True).distinct()
    for grid_id in sorted(set(grids)):
        if SpecialGroupRecord.objects.filter(resident__grid_id=grid_id).exists():
            continue
        people = list(Resident.objects.filter(grid_id=grid_id).order_by("pk"))
        if len(people) < 4:
            continue
        released = today - datetime.timedelta(days=20)
        plans = [
            (people[-2], "released_prisoner", released,
             {"release_date": released, "assistance_team": "社区帮教小组", "resettled": True}),
            (people[2], "drug_user", today - datetime.timedelta(days=200), {}),
            (people[0], "severe_mental_illness", today - datetime.timedelta(days=400),
             {"risk_level": 3, "guardian_capable": False}),
            (people[1], "community_correction", today - datetime.timedelta(days=45),
             {"supervision_level": "ordinary", "supervision_start": today - datetime.timedelta(days=45)}),
        ]  # fmt: skip
        for resident, code, since, details in plans:
            record = special_group_record_create(
                actor=actor, resident=resident, kind=kinds[code], since=since, **details
            )
            created += 1
            if code == "drug_user":
                special_group_event_record(
                    actor=actor,
                    record=record,
                    kind=SpecialGroupEventKind.RELAPSE,
                    occurred_on=today - datetime.timedelta(days=30),
                )
    return created
