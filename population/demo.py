"""Believable residents for the demo district (made-up names, valid made-up ID numbers)."""

import datetime
from typing import Any

from grid.models import Area, AreaLevel
from population.identities import id_number_make
from population.models import Resident, ResidentStatus
from population.services import resident_register

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


# --- Imports: one loaded by the district administrator, one left checked for the office ----

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["秀兰", "建华", "玉梅", "志明", "海燕", "国强", "丽娟", "文斌", "春花", "永红"]
STATUS_WORDS = ["户籍", "户籍", "流动", "户籍", "流动", "境外"]
LOADED_FILE = "2026年第四季度居民补录.csv"
CHECKED_FILE = "街道流动人口登记表.csv"


def _import_rows(grids: list[Area], *, per_grid: int, start: int) -> list[str]:
    lines = ["网格编码,姓名,公民身份号码,联系电话,人口类型,居住地址,工作单位"]
    for g, grid in enumerate(grids):
        for k in range(per_grid):
            n = start + g * per_grid + k
            number = id_number_make(
                born=datetime.date(1966, 1, 1) + datetime.timedelta(days=n // 10),
                serial=n % 10,
                female=k % 2 == 1,
            )
            name = SURNAMES[n % len(SURNAMES)] + GIVEN[n % len(GIVEN)]
            status = STATUS_WORDS[n % len(STATUS_WORDS)]
            employer = "某电子厂" if status == "流动" else ""
            lines.append(
                f"{grid.code},{name},{number},137{n:08d},{status},{k + 2}幢1单元{k + 1}02,{employer}"
            )
    return lines


def demo_imports_load(*, admin: Any, office: Any, office_grids: list[Area]) -> int:
    """Two imports, once: the administrator's, loaded, puts two people in every grid outside
    the office's street; the street office's is left checked, with two rows that the check
    refuses (a mistyped ID number, a person already registered), so that the office sees a
    report, loads the valid rows and downloads the rejected ones. Returns residents loaded."""
    from population.imports import resident_import_check, resident_import_load
    from population.models import ResidentImport

    if ResidentImport.objects.filter(file_name__in=[LOADED_FILE, CHECKED_FILE]).exists():
        return 0
    others = list(
        Area.objects.filter(level=AreaLevel.GRID)
        .exclude(pk__in=[grid.pk for grid in office_grids])
        .defer("boundary")
        .order_by("code")
    )
    content = "\n".join(_import_rows(others, per_grid=2, start=0)) + "\n"
    checked = resident_import_check(actor=admin, file_name=LOADED_FILE, content=content.encode())
    loaded = resident_import_load(actor=admin, resident_import=checked).loaded_count

    lines = _import_rows(office_grids, per_grid=3, start=len(others) * 2)
    code, name, number, *rest = lines[1].split(",")
    lines.append(
        ",".join([code, "何丽娟", number[:17] + ("0" if number[17] != "0" else "1"), *rest])
    )
    registered = Resident.objects.filter(grid=office_grids[0]).order_by("pk").first()
    if registered is not None:  # the grid worker's own people, typed in once more
        lines.append(f"{office_grids[0].code},{registered.name},{registered.id_number},,户籍,,")
    resident_import_check(
        actor=office, file_name=CHECKED_FILE, content=("\n".join(lines) + "\n").encode()
    )
    return loaded
