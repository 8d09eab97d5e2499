"""Synthetic districts for the demo and the benchmarks.

The district is a jittered lattice of grid cells. Every lattice edge is cut into a wavy
line once and shared by the two cells on either side, so neighbouring grids meet exactly,
communities and streets are exact unions of their grids, and each level tiles its parent.
"""

import json
import math
import random
from dataclasses import dataclass

import shapely
from django.contrib.auth.hashers import make_password
from django.db import transaction

from governance.models import Role, User
from governance.services import user_build
from grid.models import Area, AreaLevel, GridTeamMember, TeamRole, Unit, UnitKind
from grid.services import boundary_revision_bump, team_member_build

STREET_WORDS = [
    "文新",
    "翠苑",
    "古荡",
    "西溪",
    "灵隐",
    "北山",
    "蒋村",
    "留下",
    "转塘",
    "三墩",
    "双浦",
    "东湖",
    "南星",
    "紫阳",
    "清波",
    "望江",
    "闸弄",
    "湖滨",
    "长庆",
    "潮鸣",
]
COMMUNITY_WORDS = [
    "桂花",
    "丹枫",
    "紫荆",
    "梧桐",
    "青枫",
    "杨柳",
    "松木",
    "竹径",
    "梅园",
    "兰亭",
    "荷塘",
    "菊香",
    "银杏",
    "香樟",
    "玉泉",
    "金沙",
    "白沙",
    "碧水",
    "春晖",
    "夏荷",
    "秋实",
    "冬青",
    "朝阳",
    "晨光",
    "和睦",
    "安康",
    "平安",
    "幸福",
    "友谊",
    "光明",
    "振兴",
    "新华",
    "文华",
    "建设",
    "红星",
    "前进",
]
SURNAMES = [
    "王",
    "李",
    "张",
    "刘",
    "陈",
    "杨",
    "黄",
    "赵",
    "吴",
    "周",
    "徐",
    "孙",
    "马",
    "朱",
    "胡",
    "郭",
    "何",
    "林",
    "罗",
    "高",
]
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "华",
    "平",
    "刚",
    "桂英",
    "建国",
    "志强",
    "海燕",
]
NUMERALS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]

DISTRICT_CODE = "330106"
DISTRICT_NAME = "西湖示范区"
CELL_DX, CELL_DY = 0.006, 0.005  # about 580 m x 555 m at 30°N
ORIGIN = (120.05, 30.20)


@dataclass(frozen=True)
class DistrictSpec:
    streets: int = 3
    communities_per_street: int = 3
    grids_per_community: int = 4
    points_per_edge: int = 14  # 4 corners + 4 x 14 = 60 vertices per grid
    seed: int = 2026

    @property
    def grids(self) -> int:
        return self.streets * self.communities_per_street * self.grids_per_community

    @classmethod
    def for_grids(cls, grids: int) -> "DistrictSpec":
        """A district of about `grids` grids: ~10 grids per community, ~10 communities per street."""
        per_community = min(10, max(1, grids // 4))
        communities = max(1, round(grids / per_community))
        per_street = min(10, communities)
        return cls(
            streets=max(1, round(communities / per_street)),
            communities_per_street=per_street,
            grids_per_community=per_community,
        )


@dataclass
class DistrictSummary:
    district: Area
    areas: int
    users: int
    team_members: int


def _block(n: int) -> tuple[int, int]:
    """The most nearly square (columns, rows) with columns * rows == n."""
    rows = max(r for r in range(1, int(math.isqrt(n)) + 1) if n % r == 0)
    return n // rows, rows


class Lattice:
    def __init__(self, cols: int, rows: int, spec: DistrictSpec):
        self.rng = random.Random(spec.seed)
        self.k = spec.points_per_edge
        self.cols, self.rows = cols, rows
        self.vertex = {}
        for i in range(cols + 1):
            for j in range(rows + 1):
                jx = self.rng.uniform(-0.22, 0.22) if 0 < i < cols else 0.0
                jy = self.rng.uniform(-0.22, 0.22) if 0 < j < rows else 0.0
                self.vertex[i, j] = (ORIGIN[0] + (i + jx) * CELL_DX, ORIGIN[1] + (j + jy) * CELL_DY)
        self.edges: dict[tuple, list[tuple[float, float]]] = {}

    def _edge(self, a: tuple[int, int], b: tuple[int, int]) -> list[tuple[float, float]]:
        """Intermediate points from vertex a to vertex b; the same line for both neighbours."""
        key = (a, b) if a < b else (b, a)
        if key not in self.edges:
            (x0, y0), (x1, y1) = self.vertex[key[0]], self.vertex[key[1]]
            length = math.hypot(x1 - x0, y1 - y0)
            nx, ny = -(y1 - y0) / length, (x1 - x0) / length
            amplitude = self.rng.uniform(0.02, 0.06) * length
            phase, waves = self.rng.uniform(0, math.tau), self.rng.choice((1, 2, 3))
            points = []
            for step in range(1, self.k + 1):
                t = step / (self.k + 1)
                offset = amplitude * math.sin(math.pi * t) * math.sin(waves * math.pi * t + phase)
                points.append(
                    (
                        round(x0 + (x1 - x0) * t + nx * offset, 7),
                        round(y0 + (y1 - y0) * t + ny * offset, 7),
                    )
                )
            self.edges[key] = points
        points = self.edges[key]
        return points if key == (a, b) else points[::-1]

    def cell(self, i: int, j: int) -> shapely.Polygon:
        corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)]
        ring = []
        for a, b in zip(corners, corners[1:] + corners[:1], strict=True):
            ring.append(tuple(round(c, 7) for c in self.vertex[a]))
            ring.extend(self._edge(a, b))
        ring.append(ring[0])
        return shapely.Polygon(ring)


def _as_geojson(geometry: shapely.Geometry) -> dict:
    # A JSON round trip turns shapely's tuples into the lists a JSONField reads back.
    return json.loads(json.dumps(shapely.geometry.mapping(geometry)))


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _phone(rng: random.Random) -> str:
    return rng.choice(("138", "139", "150", "186", "187")) + f"{rng.randrange(10**8):08d}"


@transaction.atomic
def district_build(*, spec: DistrictSpec, password: str) -> DistrictSummary:
    """Create a whole district with boundaries, grid teams and staff accounts, in bulk."""
    rng = random.Random(spec.seed + 1)
    street_block = _block(spec.streets)
    # Turned a quarter: blocks of one shape at every level would stack into a long strip.
    community_block = _block(spec.communities_per_street)[::-1]
    grid_block = _block(spec.grids_per_community)
    cols = street_block[0] * community_block[0] * grid_block[0]
    rows = street_block[1] * community_block[1] * grid_block[1]
    lattice = Lattice(cols, rows, spec)

    # Grid cells grouped by street and community, in code order.
    layout: list[list[list[shapely.Polygon]]] = []
    for s in range(spec.streets):
        sx, sy = s % street_block[0], s // street_block[0]
        communities = []
        for c in range(spec.communities_per_street):
            cx, cy = c % community_block[0], c // community_block[0]
            cells = []
            for g in range(spec.grids_per_community):
                gx, gy = g % grid_block[0], g // grid_block[0]
                i = (sx * community_block[0] + cx) * grid_block[0] + gx
                j = (sy * community_block[1] + cy) * grid_block[1] + gy
                cells.append(lattice.cell(i, j))
            communities.append(cells)
        layout.append(communities)

    community_shapes = [[shapely.union_all(cells) for cells in street] for street in layout]
    street_shapes = [shapely.union_all(shapes) for shapes in community_shapes]
    district_shape = shapely.union_all(street_shapes)

    district = Area.objects.create(
        name=DISTRICT_NAME,
        level=AreaLevel.DISTRICT,
        code=DISTRICT_CODE,
        path="",
        boundary=_as_geojson(district_shape),
    )
    district.path = f"/{district.pk}/"
    district.save(update_fields=["path"])

    def create_level(rows_: list[tuple[Area, Area]]) -> list[Area]:
        created = Area.objects.bulk_create([area for area, _ in rows_])
        for area, parent in zip(created, (parent for _, parent in rows_), strict=True):
            area.path = f"{parent.path}{area.pk}/"
        Area.objects.bulk_update(created, ["path"], batch_size=1000)
        return created

    street_rows = []
    for s, shape in enumerate(street_shapes):
        name = STREET_WORDS[s % len(STREET_WORDS)] + (
            f"{s // len(STREET_WORDS) + 1}" if s >= len(STREET_WORDS) else ""
        )
        street_rows.append(
            (
                Area(
                    name=f"{name}街道",
                    level=AreaLevel.STREET,
                    code=f"{DISTRICT_CODE}{s + 1:03d}",
                    parent=district,
                    path="",
                    boundary=_as_geojson(shape),
                ),
                district,
            )
        )
    streets = create_level(street_rows)

    community_rows = []
    for street, shapes in zip(streets, community_shapes, strict=True):
        for c, shape in enumerate(shapes):
            word = COMMUNITY_WORDS[(len(community_rows)) % len(COMMUNITY_WORDS)]
            suffix = (
                ""
                if len(community_rows) < len(COMMUNITY_WORDS)
                else str(len(community_rows) // len(COMMUNITY_WORDS) + 1)
            )
            community_rows.append(
                (
                    Area(
                        name=f"{word}{suffix}社区",
                        level=AreaLevel.COMMUNITY,
                        code=f"{street.code}{c + 1:03d}",
                        parent=street,
                        path="",
                        boundary=_as_geojson(shape),
                    ),
                    street,
                )
            )
    communities = create_level(community_rows)

    grid_rows = []
    cells_by_community = [cells for street in layout for cells in street]
    for community, cells in zip(communities, cells_by_community, strict=True):
        for g, cell in enumerate(cells):
            label = NUMERALS[g] if g < len(NUMERALS) else str(g + 1)
            grid_rows.append(
                (
                    Area(
                        name=f"{community.name}第{label}网格",
                        level=AreaLevel.GRID,
                        code=f"{community.code}{g + 1:03d}",
                        parent=community,
                        path="",
                        boundary=_as_geojson(cell),
                    ),
                    community,
                )
            )
    grids = create_level(grid_rows)

    users, members = _staff_and_teams(district, streets, communities, grids, password, rng)
    boundary_revision_bump()
    return DistrictSummary(
        district=district,
        areas=1 + len(streets) + len(communities) + len(grids),
        users=users,
        team_members=members,
    )


def _staff_and_teams(district, streets, communities, grids, password, rng) -> tuple[int, int]:
    """One grid worker account per grid, office staff per street and community, leaders for the
    district; each grid gets a full team (一格多元)."""
    hashed = make_password(password)  # hashed once: PBKDF2 per user would dominate the run
    accounts = []

    def account(username: str, role: str, area: Area) -> User:
        name = _person_name(rng)
        # The account rules of user_create, without a save per account: bulk_create below.
        user = user_build(
            actor=None,
            username=username,
            role=role,
            home_area=area,
            last_name=name[0],
            first_name=name[1:],
            phone=_phone(rng),
            password_hash=hashed,
        )
        accounts.append(user)
        return user

    for n in range(3):
        account(f"leader{district.code}_{n + 1}", Role.LEADER, district)
    account(f"admin{district.code}", Role.ADMIN, district)
    for street in streets:
        account(f"office{street.code}_1", Role.OFFICE_STAFF, street)
        account(f"office{street.code}_2", Role.OFFICE_STAFF, street)
    for community in communities:
        account(f"office{community.code}", Role.OFFICE_STAFF, community)
    workers = [account(f"gw{grid.code}", Role.GRID_WORKER, grid) for grid in grids]
    User.objects.bulk_create(accounts, batch_size=2000)

    roles = {role.code: role for role in TeamRole.objects.all()}
    members = []
    for grid, worker in zip(grids, workers, strict=True):
        # The team rules of team_member_add, saved at once by bulk_create below.
        members.append(
            team_member_build(
                actor=None,
                grid=grid,
                role=roles["grid_worker"],
                name=worker.display_name,
                phone=worker.phone,
                user=worker,
            )
        )
        for code in ("grid_manager", "community_police", "assistant", "supervisor"):
            members.append(
                team_member_build(
                    actor=None,
                    grid=grid,
                    role=roles[code],
                    name=_person_name(rng),
                    phone=_phone(rng),
                )
            )
    GridTeamMember.objects.bulk_create(members, batch_size=5000)
    return len(accounts), len(members)


# The member departments of a district's committee most often handed cases (DESIGN: an
# editable list per district; these are the usual ones, 安监 under its present name).
DISTRICT_DEPARTMENTS = (
    "公安分局",
    "司法局",
    "人力资源和社会保障局",
    "卫生健康局",
    "住房和城乡建设局",
    "应急管理局",
    "信访局",
)


@transaction.atomic
def units_build(*, district: Area) -> int:
    """The units of a district, once: an office (综治中心) for the district and each street and
    community, the district's member departments, and one reporting enterprise per street.
    Each office names its area's office staff as lead and liaison (the district office its
    first leader as reporting leader), and its office staff become its people; departments
    are left for the administrators to name. Returns how many units it made."""
    areas = list(
        Area.objects.filter(path__startswith=district.path, level__lt=AreaLevel.GRID)
        .defer("boundary")
        .order_by("path")
    )
    existing = set(Unit.objects.filter(area__in=areas).values_list("area_id", "name"))
    staff: dict[int, list[User]] = {}
    for user in User.objects.filter(
        home_area__in=areas, role__in=[Role.OFFICE_STAFF, Role.LEADER], is_active=True
    ).order_by("username"):
        staff.setdefault(user.home_area_id, []).append(user)
    units = []

    def unit(area: Area, kind: str, name: str, **people: User | None) -> None:
        if (area.pk, name) not in existing:
            built = Unit(area=area, kind=kind, name=name, **people)
            built.full_clean(validate_unique=False)  # the set above stands for the lookups
            units.append(built)

    for area in areas:
        office_staff = [u for u in staff.get(area.pk, []) if u.role == Role.OFFICE_STAFF]
        leaders = [u for u in staff.get(area.pk, []) if u.role == Role.LEADER]
        unit(
            area,
            UnitKind.OFFICE,
            f"{area.name}综治中心",
            lead=office_staff[0] if office_staff else None,
            liaison=office_staff[-1] if office_staff else None,
            reporting_leader=leaders[0] if leaders else None,
            first_responsible=leaders[-1] if leaders else None,
        )
        if area.level == AreaLevel.DISTRICT:
            for name in DISTRICT_DEPARTMENTS:
                unit(area, UnitKind.DEPARTMENT, f"{area.name}{name}")
        elif area.level == AreaLevel.STREET:
            unit(area, UnitKind.ENTERPRISE, f"{area.name}工业园区企业联合会")
    Unit.objects.bulk_create(units)
    offices = {u.area_id: u.pk for u in Unit.objects.filter(area__in=areas, kind=UnitKind.OFFICE)}
    for area_id, people in staff.items():
        User.objects.filter(
            pk__in=[u.pk for u in people if u.role == Role.OFFICE_STAFF], unit__isnull=True
        ).update(unit_id=offices[area_id])
    return len(units)
