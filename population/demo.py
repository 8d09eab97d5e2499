"""Believable residents for the demo district (made-up names, valid made-up ID numbers)."""

import datetime
from typing import Any

from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.utils import timezone
from shapely.geometry import Point

from governance.models import Role, User
from grid.models import Area, AreaLevel
from grid.services import area_update
from population.compound_services import compound_register, security_body_add
from population.identities import credit_code_make, id_number_make
from population.models import (
    KINDS_WITHOUT_CREDIT_CODE,
    Compound,
    House,
    HouseholdKind,
    Organisation,
    OrganisationKind,
    Resident,
    ResidentStatus,
    SecurityBodyKind,
    Sex,
    SpecialGroupEventKind,
    SpecialGroupKind,
    SpecialGroupRecord,
    Visit,
    VisitPurpose,
    floating_risk_visible,
)
from population.services import (
    house_register,
    house_update,
    household_member_add,
    household_register,
    organisation_register,
    organisation_update,
    resident_move_out,
    resident_register,
    resident_reveal,
    resident_status_change,
    resident_update,
    special_group_event_record,
    special_group_record_create,
    visit_log,
    vital_part_add,
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


# --- Organisations ---------------------------------------------------------------------------

# name, kind, employees, legal representative, liaison, safety officer, security bodies,
# vital parts (name, person responsible, description). One of each kind a grid worker meets:
# a large enterprise with its security station, a small 两新 firm still without its
# safety-information officer (P11), a social organisation, a key unit with its vital parts
# (P14), and the property company and owners' committee of a compound (四位一体, P27).
ORGANISATIONS: list[tuple[Any, ...]] = [
    (
        "精工机械制造有限公司",
        OrganisationKind.ENTERPRISE,
        320,
        "沈国平",
        ("何建明", "13957100001"),
        ("周立新", "13957100002"),
        [
            (SecurityBodyKind.WORKSTATION, "沈国平", "13957100011", 5, datetime.date(2019, 3, 1)),
            (SecurityBodyKind.SECURITY, "何建明", "13957100001", 8, datetime.date(2015, 6, 1)),
            (SecurityBodyKind.MEDIATION, "陈玉兰", "13957100012", 5, datetime.date(2019, 3, 1)),
            (SecurityBodyKind.MIGRANT_WORKERS, "周立新", "13957100002", 3, None),
            (SecurityBodyKind.GUARD_TEAM, "马骏", "13957100013", 12, datetime.date(2016, 9, 1)),
        ],
        [],
    ),
    (
        "云帆网络科技有限公司",
        OrganisationKind.NEW_ECONOMIC,
        18,
        "林晓峰",
        ("郑雨", "13857100003"),
        None,
        [],
        [],
    ),
    (
        "邻里社工服务中心",
        OrganisationKind.NEW_SOCIAL,
        6,
        "许敏",
        ("许敏", "13657100004"),
        ("吴涛", "13657100005"),
        [],
        [],
    ),
    (
        "城北加油站",
        OrganisationKind.KEY_UNIT,
        24,
        "钱卫东",
        ("孙强", "13757100006"),
        ("孙强", "13757100006"),
        [
            (SecurityBodyKind.SECURITY, "孙强", "13757100006", 4, datetime.date(2012, 5, 1)),
            (SecurityBodyKind.PRODUCTION_SAFETY, "钱卫东", "13757100016", 3, None),
        ],
        [
            ("储油罐区", "钱卫东", "地下储油罐四座, 防爆监控全覆盖"),
            ("配电房", "孙强", "双人双锁, 每日巡查"),
        ],
    ),
    (
        "绿城物业服务有限公司",
        OrganisationKind.PROPERTY_COMPANY,
        45,
        "冯海",
        ("冯海", "13557100007"),
        None,
        [(SecurityBodyKind.GUARD_TEAM, "冯海", "13557100007", 16, datetime.date(2018, 1, 1))],
        [],
    ),
    ("阳光小区业主委员会", OrganisationKind.OWNERS_COMMITTEE, 0, "朱红", None, None, [], []),
]
# Every third grid (the first of each call among them) also has a growing workshop past the size threshold and without its
# security body yet: the size rule's list (P12) is never empty.
GROWING = ("恒达纺织有限公司", OrganisationKind.ENTERPRISE, 150, "韩磊", None, None, [], [])


def demo_organisations_load(*, actor: Any, grids: list[Area]) -> int:
    """Register ORGANISATIONS in each grid once (a second load skips grids that have some);
    their credit codes carry the grid's county code and are distinct per grid."""
    created = 0
    for number, grid in enumerate(grids):
        if Organisation.objects.filter(grid=grid).exists():
            continue
        rows = ORGANISATIONS + ([GROWING] if number % 3 == 0 else [])
        for index, row in enumerate(rows):
            name, kind, employees, representative, liaison, officer, bodies, parts = row
            organisation = organisation_register(
                actor=actor,
                grid=grid,
                name=f"{grid.name}{name}" if kind == OrganisationKind.OWNERS_COMMITTEE else name,
                kind=kind,
                credit_code=""
                if kind in KINDS_WITHOUT_CREDIT_CODE
                else credit_code_make(
                    region=grid.code[:6],
                    serial=100_000 + grid.pk * 10 + index,
                    department="5" if kind == OrganisationKind.NEW_SOCIAL else "9",
                ),
                address=f"{grid.name}{index + 1}号",
                employee_count=employees,
                legal_representative=representative,
                liaison_name=liaison[0] if liaison else "",
                liaison_phone=liaison[1] if liaison else "",
                safety_officer_name=officer[0] if officer else "",
                safety_officer_phone=officer[1] if officer else "",
            )
            # P13: the internal security bodies of the larger ones.
            for kind, head, phone, members, established in bodies:
                security_body_add(
                    actor=actor,
                    organisation=organisation,
                    kind=kind,
                    head_name=head,
                    head_phone=phone,
                    member_count=members,
                    established_on=established,
                )
            for part_name, responsible, description in parts:
                vital_part_add(
                    actor=actor,
                    organisation=organisation,
                    name=part_name,
                    person_responsible=responsible,
                    description=description,
                )
            created += 1
    return created


def demo_special_groups_load(*, actor: Any) -> int:
    """Tag a few demo residents of every grid with four residents or more (once per grid;
    the imported pairs of the outer grids are left alone): a released
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


def demo_permits_load(*, actor: Any, grids: list[Area]) -> int:
    """以证管人、以业管人 and 境外人员 (P3, P6, P7, P10) in every grid with demo residents, once:
    张伟's residence permit expires soon and his employer is the grid's factory; a newly
    arrived worker's permit has expired (flagged high-risk in every other grid); a Korean
    engineer's visa expires soon. Dates are counted from today, so the expiring list always
    has something to show."""
    today = timezone.localdate()
    changed = 0
    for number, grid in enumerate(grids):
        worker = Resident.objects.filter(
            grid=grid, name="张伟", status=ResidentStatus.FLOATING, residence_permit_number=""
        ).first()
        if worker is None:
            continue  # no demo residents here, or loaded already
        employer = (
            Organisation.objects.filter(grid=grid, kind=OrganisationKind.ENTERPRISE)
            .order_by("pk")
            .first()
        )
        resident_update(
            actor=actor,
            resident=worker,
            employer_organisation=employer,
            residence_permit_number=f"3301062024{grid.pk:06d}",
            residence_permit_expires_on=today + datetime.timedelta(days=12),
        )
        resident_register(
            actor=actor,
            grid=grid,
            name="赵磊",
            id_number=id_number_make(
                region="411302",
                born=datetime.date(1996, 1, 1) + datetime.timedelta(days=grid.pk % 3000),
                serial=77,
            ),
            status=ResidentStatus.FLOATING,
            address="3幢2单元502",
            employer_organisation=employer,
            residence_permit_number=f"3301062023{grid.pk:06d}",
            residence_permit_expires_on=today - datetime.timedelta(days=9),
            high_risk=number % 2 == 0 and floating_risk_visible(actor),
            moved_in_on=today - datetime.timedelta(days=40),
        )
        resident_register(
            actor=actor,
            grid=grid,
            name="KIM MINJUN 金敏俊",
            # No 身份证: known by his passport, sex and birth date entered (P10).
            sex=Sex.MALE,
            birth_date=datetime.date(1988, 5, 1) + datetime.timedelta(days=grid.pk % 3000),
            status=ResidentStatus.FOREIGN,
            address="7幢1单元1201",
            employer=employer.name if employer else "",
            employer_organisation=employer,
            passport_number=f"M{70_000_000 + grid.pk:08d}",
            nationality="KOR",
            stay_expires_on=today + datetime.timedelta(days=20),
            moved_in_on=today - datetime.timedelta(days=200),
        )
        changed += 3
    return changed


# 应登记户数 per grid, in turn: against the three demo households of a grid with residents
# (and none elsewhere) the collection rates run from complete to thin.
EXPECTED_HOUSEHOLDS = [3, 4, 6, 10, 5, 8]
# A newcomer not yet visited: no phone, address or household (the ledger-quality gaps).
NEWCOMER = "赵新民"


def demo_ledger_quality_load(*, actor: Any, grids: list[Area]) -> int:
    """Set each grid's expected household count where none is set, and register a newcomer
    with an incomplete record in every second grid that has demo residents. Returns the
    grids given a count."""
    counted = 0
    for number, grid in enumerate(grids):
        if grid.expected_households is None:
            area_update(
                actor=actor,
                area=grid,
                expected_households=EXPECTED_HOUSEHOLDS[number % len(EXPECTED_HOUSEHOLDS)],
            )
            counted += 1
        has_residents = Resident.objects.filter(grid=grid).exists()
        if (
            number % 2
            and has_residents
            and not Resident.objects.filter(grid=grid, name=NEWCOMER).exists()
        ):
            resident_register(
                actor=actor,
                grid=grid,
                name=NEWCOMER,
                # A birth date of its own per grid: no other demo person shares it.
                id_number=id_number_make(
                    born=datetime.date(1990, 1, 1) + datetime.timedelta(days=number), serial=50
                ),
                status=ResidentStatus.FLOATING,
            )
    return counted


# --- The audit trail (issue 7) ---------------------------------------------------------------

# A correction in every grid, made in the name of whoever keeps it, so that the office's view
# of an organisation's history shows who changed what (the registrations the loaders make as
# the system are attributed to "the system"): the factory grew and its liaison changed phone.
DEMO_CORRECTED_ORGANISATION = ORGANISATIONS[0][0]


def demo_corrections_load(*, actor: Any, grids: list[Area]) -> int:
    """Once per grid (a second load finds the correction in the log and skips it)."""
    corrected = 0
    for grid in grids:
        organisation = Organisation.objects.filter(
            grid=grid, name=DEMO_CORRECTED_ORGANISATION
        ).first()
        if (
            organisation is None
            or LogEntry.objects.get_for_object(organisation)
            .filter(action=LogEntry.Action.UPDATE)
            .exists()
        ):
            continue
        with set_actor(actor):
            organisation_update(
                actor=actor,
                organisation=organisation,
                employee_count=organisation.employee_count + 15,
                liaison_phone="13957100009",
            )
        corrected += 1
    return corrected


def demo_special_group_exports_load(*, office: Any, leader: Any) -> int:
    """Two ledger export requests of the office's street, once: one approved by the leader
    (the office downloads it from its requests page), one awaiting the leader's decision.
    Returns how many were made."""
    from population.models import SpecialGroupExportRequest, SpecialGroupKind
    from population.services import special_group_export_approve, special_group_export_request

    if (
        office.home_area is None
        or SpecialGroupExportRequest.objects.filter(requested_by=office).exists()
    ):
        return 0
    street = office.home_area
    approved = special_group_export_request(
        actor=office, area=street, reason="季度重点人员管理台账核对(全部类别)"
    )
    special_group_export_approve(actor=leader, request=approved, comment="同意,仅限台账核对使用")
    special_group_export_request(
        actor=office,
        area=street,
        reason="社区矫正对象走访排期",
        kinds=list(SpecialGroupKind.objects.filter(code="community_correction")),
    )
    return 2


def demo_rental_incidents_load(*, gridworker: Any, office: Any, grids: list[Area]) -> int:
    """P5: in the first grid, a gambling den in an unfiled rental (the street office has
    decided the landlord's part; the community head's awaits it); in the second, a burglary
    at a rental, both people awaiting the street's decision. Skipped once loaded."""
    from population.incident_services import rental_accountability_decide, rental_incident_record
    from population.models import RentalIncident, RentalIncidentKind

    if RentalIncident.objects.exists():
        return 0
    today = datetime.date.today()
    first, second = grids[0], grids[1]
    gambling = rental_incident_record(
        actor=gridworker,
        house=House.objects.get(grid=first, building="7", unit="3", room="602"),
        kind=RentalIncidentKind.PUBLIC_SECURITY,
        occurred_on=today - datetime.timedelta(days=20),
        summary="出租屋内多人聚众赌博，派出所现场查处；房东未办理出租登记备案，未登记租户身份。",
        police_reference="公(治)行决字〔2026〕1187号",
    )
    rental_accountability_decide(
        actor=office,
        incident=gambling,
        person="landlord",
        finding="房东未履行出租房屋登记备案和租户身份登记义务，对租户违法行为未及时报告。",
        sanction="警告，责令十日内办理登记备案并签订治安责任书",
    )
    rental_incident_record(
        actor=office,
        house=House.objects.get(grid=second, building="3", unit="2", room="502"),
        kind=RentalIncidentKind.CRIMINAL,
        occurred_on=today - datetime.timedelta(days=4),
        summary="租户房内财物被盗，门锁有撬压痕迹，已报警立案侦查。",
        police_reference="A3301022026110045",
    )
    return 2


# --- Employers register their floating workers (以业管人, P7) ----------------------------------
# A growing textile mill has its own account: an enterprise unit linked to its row of the
# ledger, and one of its people, who has registered a few floating workers over the last
# months (and linked one who was in the ledger already).

DEMO_EMPLOYER = "恒达纺织有限公司"  # GROWING: in the first grid of every call
# name, region of the ID number, birth date, months ago the worker was registered
DEMO_WORKERS = [
    ("刘洋", "411302", datetime.date(1998, 4, 12), 3),
    ("陈静", "421023", datetime.date(2001, 9, 3), 2),
    ("黄海波", "511129", datetime.date(1993, 11, 27), 1),
    ("杨帆", "341221", datetime.date(2000, 6, 8), 0),
    ("吴晓东", "522121", datetime.date(1996, 2, 19), 0),
]


def _months_ago(today: datetime.date, months: int) -> datetime.date:
    """The 10th of the month `months` before today's, within today's year (the figures are
    per year): January at the earliest."""
    return today.replace(month=max(1, today.month - months), day=min(today.day, 10))


def demo_employer_account_load(*, grid: Area, username: str, password: str) -> User | None:
    """The enterprise unit of DEMO_EMPLOYER in `grid`'s street, linked to its ledger row, its
    account `username` (department staff of the unit) and the workers it registered. A second
    load keeps what is there. None when the grid has no such organisation."""
    from governance.services import user_create, user_update
    from grid.models import Unit, UnitKind  # population's demo, grid's units
    from grid.services import unit_create, unit_update
    from population.services import employer_worker_register

    organisation = Organisation.objects.filter(grid=grid, name=DEMO_EMPLOYER).first()
    if organisation is None:
        return None
    street = grid.parent.parent if grid.parent is not None else None
    assert street is not None
    unit = (
        Unit.objects.filter(organisation=organisation).first()
        or Unit.objects.filter(area=street, name=DEMO_EMPLOYER).first()
    )
    if unit is None:
        unit = unit_create(
            actor=None,
            area=street,
            kind=UnitKind.ENTERPRISE,
            name=DEMO_EMPLOYER,
            organisation=organisation,
        )
    elif unit.organisation_id != organisation.pk:
        unit = unit_update(actor=None, unit=unit, organisation=organisation)
    fields = {
        "role": Role.DEPARTMENT,
        "home_area": street,
        "unit": unit,
        "last_name": "企业填报员",
        "is_active": True,
    }
    account = User.objects.filter(username=username).first()
    if account is None:
        account = user_create(actor=None, username=username, password=password, **fields)
    else:
        account = user_update(actor=None, user=account, password=password, **fields)
    if unit.liaison_id is None:
        unit = unit_update(actor=None, unit=unit, liaison=account)
    if Resident.objects.filter(registered_by_employer=organisation).exists():
        return account
    today = timezone.localdate()
    with set_actor(account):
        for serial, (name, region, born, months) in enumerate(DEMO_WORKERS):
            registered_on = _months_ago(today, months)
            registration = employer_worker_register(
                actor=account,
                name=name,
                id_number=id_number_make(region=region, born=born, serial=60 + serial),
                phone=f"1370571{serial:04d}",
                address="厂区职工宿舍2幢",
                residence_permit_number=f"33010620{born:%y%m%d}{serial:02d}",
                residence_permit_expires_on=registered_on + datetime.timedelta(days=365),
                moved_in_on=registered_on,
            )
            # The demo's history: registered in past months, so the monthly figures show them.
            Resident.objects.filter(pk=registration.resident.pk).update(
                created_at=timezone.make_aware(
                    datetime.datetime.combine(registered_on, datetime.time(9, 30))
                )
            )
        # One of the grid's floating people already in the ledger, linked as an employee.
        known = (
            Resident.objects.filter(
                grid=grid, status=ResidentStatus.FLOATING, employer_organisation__isnull=True
            )
            .order_by("pk")
            .first()
        )
        if known is not None:
            employer_worker_register(actor=account, name=known.name, id_number=known.id_number)
    return account


# --- Care records and re-verification drives (P8, P16, P23) ----------------------------------

# Two young people of the grid worker's grid: the key youth whom last year's 排查帮扶 checked.
DEMO_YOUTH = [
    ("周小雨", 12, True, "left_behind_children", "阳光小学", "关爱帮扶：家访，送去学习用品"),
    ("吴浩", 19, False, "idle_youth", "街道心理咨询室", "心理筛查：情绪平稳，建议职业培训"),
]


def demo_drives_load(*, office: Any, gridworker: Any) -> int:
    """In the office's street, once: last year's key-youth drive (排查帮扶, closed, its
    subjects in the grid worker's grid confirmed) and this month's floating-population
    clean-up (清理清查, running: a few checks done in the worker's grid and one other, the
    rest to do); care and counselling records on the worker's grid's members. Returns how
    many drives it opened."""
    from population.care_services import special_group_care_add
    from population.drive_services import drive_check_record, resident_drive_open
    from population.models import CheckOutcome, DriveKind, ResidentDrive

    street, grid = office.home_area, gridworker.home_area
    if street is None or grid is None or ResidentDrive.objects.filter(area=street).exists():
        return 0
    today = timezone.localdate()
    kinds = {kind.code: kind for kind in SpecialGroupKind.objects.all()}
    for n, (name, age, female, code, provider, note) in enumerate(DEMO_YOUTH):
        born = datetime.date(today.year - age, 3 + n, 12)
        person = resident_register(
            actor=gridworker,
            grid=grid,
            name=name,
            id_number=id_number_make(born=born, serial=60 + n, female=female),
            # 吴浩 came from another county for work: the clean-up checks him too.
            status=ResidentStatus.FLOATING if age >= 18 else ResidentStatus.REGISTERED,
            employer="某电子厂" if age >= 18 else "",
            address="7幢3单元602",
        )
        record = special_group_record_create(
            actor=office,
            resident=person,
            kind=kinds[code],
            since=min(today - datetime.timedelta(days=500), born + datetime.timedelta(days=3650)),
        )
        kind, _, outcome = note.partition("：")
        special_group_care_add(
            actor=office,
            record=record,
            kind="care" if kind == "关爱帮扶" else "screening",
            given_on=today - datetime.timedelta(days=40 + 10 * n),
            provider=provider,
            outcome=outcome,
        )
    patient = SpecialGroupRecord.objects.filter(
        resident__grid=grid, kind__code="severe_mental_illness", until__isnull=True
    ).first()
    if patient is not None:
        special_group_care_add(
            actor=office,
            record=patient,
            kind="counselling",
            given_on=today - datetime.timedelta(days=15),
            provider="区精神卫生中心",
            notes="按时服药，家属配合",
            outcome="病情稳定",
        )
    last = today.year - 1
    youth_drive = resident_drive_open(
        actor=office,
        area=street,
        kind=DriveKind.KEY_YOUTH_CARE,
        title=f"{last}年服刑在教人员未成年子女、留守儿童排查帮扶专项行动",
        starts_on=datetime.date(last, 3, 1),
        ends_on=datetime.date(last, 6, 30),
    )
    for check in youth_drive.checks.filter(grid=grid):
        drive_check_record(
            actor=gridworker,
            check=check,
            outcome=CheckOutcome.CONFIRMED,
            note="已入户核实，落实帮扶责任人",
            today=datetime.date(last, 4, 15),
        )
    cleanup = resident_drive_open(
        actor=office,
        area=street,
        kind=DriveKind.FLOATING_CLEANUP,
        title=f"{today.year}年流动人口清理清查专项行动",
        starts_on=today - datetime.timedelta(days=10),
        ends_on=today + datetime.timedelta(days=20),
    )
    mine = list(cleanup.checks.filter(grid=grid).order_by("pk"))[:-1]  # one left to do
    plans = [
        (CheckOutcome.CONFIRMED, "人证相符，仍在原址居住"),
        (CheckOutcome.NOT_FOUND, "两次上门无人，房东称已回老家"),
        (CheckOutcome.UPDATED, "工作单位已变更，已更正"),
    ]
    for check, (outcome, note) in zip(mine, plans, strict=False):
        drive_check_record(actor=gridworker, check=check, outcome=outcome, note=note)
    other = cleanup.checks.exclude(grid=grid).order_by("grid__code", "pk")[:4]
    for check in other:
        drive_check_record(actor=office, check=check, outcome=CheckOutcome.CONFIRMED)
    return 2


# --- Compounds (四位一体, P27) and their houses ---------------------------------------------------


def demo_compounds_load(*, actor: Any, grids: list[Area]) -> int:
    """Two compounds in each community of `grids` (its first two grids in the order given):
    the first with all four of 四位一体, the second still without its owners' committee
    (业委会); the houses of each grid belong to its grid's compound. The community's
    residents' committee (居委会) is registered once, in its first grid. A community that
    has compounds already is skipped."""
    by_community: dict[int, list[Area]] = {}
    for grid in grids:
        by_community.setdefault(grid.parent_id, []).append(grid)
    created = 0
    for community_id, community_grids in by_community.items():
        if Compound.objects.filter(grid__parent_id=community_id).exists():
            continue
        first = community_grids[0]
        committee = Organisation.objects.filter(
            grid__parent_id=community_id, kind=OrganisationKind.RESIDENTS_COMMITTEE
        ).first() or organisation_register(
            actor=actor,
            grid=first,
            name=f"{first.parent.name}居民委员会",
            kind=OrganisationKind.RESIDENTS_COMMITTEE,
            credit_code=credit_code_make(
                region=first.code[:6], serial=700_000 + community_id, department="5"
            ),
            address=f"{first.name}社区服务中心",
            employee_count=9,
            legal_representative="周桂芳",
        )
        for index, grid in enumerate(community_grids[:2]):
            in_grid = Organisation.objects.filter(grid=grid)
            complete = index == 0
            compound = compound_register(
                actor=actor,
                grid=grid,
                name="阳光小区" if complete else "翠苑小区",
                address=f"{grid.name}{'阳光路8号' if complete else '翠苑街16号'}",
                party_organisation="阳光小区党支部" if complete else "翠苑小区党支部",
                residents_committee=committee,
                owners_committee=in_grid.filter(kind=OrganisationKind.OWNERS_COMMITTEE).first()
                if complete
                else None,
                property_company=in_grid.filter(kind=OrganisationKind.PROPERTY_COMPANY).first(),
            )
            for house in House.objects.filter(grid=grid, compound=None):
                house_update(actor=actor, house=house, compound=compound)
            created += 1
    return created
