"""Believable residents for the demo district (made-up names, valid made-up ID numbers), and\ntheir grid workers' visits."""

import datetime
from typing import Any

from django.utils import timezone
from shapely.geometry import Point

from governance.models import Role, User
from grid.models import Area, AreaLevel
from population.identities import id_number_make
from population.models import Resident, ResidentStatus, Visit, VisitPurpose
from population.services import resident_register, visit_log

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


# days ago, time, purpose, resident (index in PEOPLE) or None, whom, notes, findings
VISITS = [
    (
        1,
        datetime.time(9, 30),
        VisitPurpose.ROUTINE,
        0,
        "1幢1单元301 王家",
        "入户走访，了解家庭近况。",
        "两位老人身体尚好，无异常情况。",
    ),
    (
        2,
        datetime.time(14, 10),
        VisitPurpose.RENTAL_INSPECTION,
        None,
        "3幢2单元502 出租屋",
        "核查租户信息与租赁登记。",
        "新增租户1人，已提醒房东办理登记备案。",
    ),
    (
        4,
        datetime.time(10, 0),
        VisitPurpose.SPECIAL_GROUP_FOLLOWUP,
        4,
        "5幢1单元101 陈志强",
        "例行帮教走访。",
        "情绪稳定，在做个体经营，暂无困难。",
    ),
    (
        6,
        datetime.time(16, 20),
        VisitPurpose.DISPUTE_FOLLOWUP,
        None,
        "5幢1单元101与201住户",
        "回访楼上漏水纠纷的调解情况。",
        "双方已按协议维修完毕，纠纷化解。",
    ),
    (
        9,
        datetime.time(11, 0),
        VisitPurpose.OTHER,
        None,
        "小区北门沿街商铺",
        "宣传防范电信诈骗。",
        "发放宣传资料20份。",
    ),
]
# The last visit of each grid's first worker was logged standing in the neighbouring grid.
OUTSIDE = len(VISITS) - 1


def _inside_point(grid: Area, step: int) -> tuple[float, float]:
    """A point inside the grid, a little different per visit (lon, lat)."""
    geometry = grid.geometry
    centre = geometry.representative_point()
    minx, miny, maxx, maxy = geometry.bounds
    candidate = Point(
        centre.x + (maxx - minx) * 0.04 * (step % 3 - 1),
        centre.y + (maxy - miny) * 0.04 * (step % 2),
    )
    point = candidate if geometry.contains(candidate) else centre
    return point.x, point.y


def _outside_point(grid: Area) -> tuple[float, float]:
    """A point in a neighbouring grid of the same community, else beyond the grid's bounds."""
    neighbour = (
        Area.objects.filter(parent_id=grid.parent_id, level=AreaLevel.GRID, boundary__isnull=False)
        .exclude(pk=grid.pk)
        .order_by("code")
        .first()
    )
    if neighbour is not None:
        point = neighbour.geometry.representative_point()
        return point.x, point.y
    minx, miny, _maxx, _maxy = grid.geometry.bounds
    return minx - 0.01, miny - 0.01


def demo_visits_load(*, grids: list[Area]) -> int:
    """VISITS by each grid worker of each grid with a boundary and no visits yet (a second
    load adds none), to its residents where PEOPLE are registered there."""
    created = 0
    today = timezone.localdate()
    for grid in grids:
        if grid.boundary is None or Visit.objects.filter(grid=grid).exists():
            continue
        residents = list(Resident.objects.filter(grid=grid).order_by("pk"))
        workers = User.objects.filter(home_area=grid, role=Role.GRID_WORKER, is_active=True)
        for number, worker in enumerate(workers.order_by("username")):
            for step, (days, at, purpose, who, subject, notes, findings) in enumerate(VISITS):
                resident = residents[who] if who is not None and who < len(residents) else None
                outside = number == 0 and step == OUTSIDE
                lon, lat = _outside_point(grid) if outside else _inside_point(grid, step)
                day = today - datetime.timedelta(days=days + number)
                visit_log(
                    actor=worker,
                    grid=grid,
                    resident=resident,
                    subject="" if resident else subject,
                    purpose=purpose,
                    visited_at=timezone.make_aware(datetime.datetime.combine(day, at)),
                    notes=notes,
                    findings=findings,
                    latitude=round(lat, 6),
                    longitude=round(lon, 6),
                    location_accuracy=12.0 + 4 * step,
                )
                created += 1
    return created
