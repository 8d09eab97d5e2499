"""District-scale benchmark data, scaled by one knob.

    .venv/bin/python bench/generate.py --scale 1      # a whole district: 1,000 grids
    .venv/bin/python bench/generate.py --scale 0.036  # about the demo's size (36 grids)

It writes to BENCH_DATABASE_URL only (default: the dedicated PostgreSQL database
`governance_bench`, created and migrated when missing), never to DATABASE_URL, and first wipes
what a previous run generated. It drops, recreates or empties a database only when that
database's comment marks it as the bench's own (BENCH_COMMENT_PREFIX); any other database is
refused. Every table (or group of tables filled together) has one generator function,
registered in GENERATORS in the order they must run.
"""

import argparse
import hashlib
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/governance_bench"
# The bench's mark on its own database (the database's comment): "ggp-bench:<schema hash>".
# A database without it is never dropped, recreated or truncated.
BENCH_COMMENT_PREFIX = "ggp-bench:"
# Written right after CREATE DATABASE, before migrating: the bench's, but not built yet, so
# the next run rebuilds it when migrate failed.
UNBUILT_COMMENT = BENCH_COMMENT_PREFIX + "unbuilt"
BENCH_PASSWORD = "Bench@Grid2026"  # hashed once for every generated account

# Rows at scale 1, a whole district. Each generator takes round(rows * scale), at least 1.
ROWS_AT_SCALE_1 = {
    "grids": 1_000,
    # Added by the generators of later issues:
    "residents": 1_000_000,
    "visits": 3_000_000,
    "disputes": 100_000,  # open cases
    "disputes_due": 1_000,  # of which past their warning and deadline, not carded yet
}


def rows_at(scale: float, what: str) -> int:
    return max(1, round(ROWS_AT_SCALE_1[what] * scale))


class NotTheBenchDatabase(SystemExit):
    """Raised instead of touching a database the bench did not create."""


def bench_database_url() -> str:
    """BENCH_DATABASE_URL, or the dedicated default. DATABASE_URL is never read: it names the
    demo's or production's database, which the bench would wipe."""
    return os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL


def configure_environment() -> None:
    """What Django needs before `django.setup()`: settings module, DEBUG (so that no
    SECRET_KEY is required) and the bench database, overriding any exported DATABASE_URL."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "governance.settings"
    os.environ["DEBUG"] = "1"
    os.environ["DATABASE_URL"] = bench_database_url()


def is_bench_comment(comment: str | None) -> bool:
    return comment is not None and comment.startswith(BENCH_COMMENT_PREFIX)


def refuse(name: str, comment: str | None) -> NotTheBenchDatabase:
    found = "no comment" if comment is None else f"the comment {comment!r}"
    return NotTheBenchDatabase(
        f"bench: refusing to use the database {name!r}: it exists and has {found}, not the "
        f"bench's mark {BENCH_COMMENT_PREFIX!r}, so it was not created by the bench and "
        "dropping, recreating or truncating it could destroy real data. Point "
        "BENCH_DATABASE_URL at a database that does not exist yet (the default is "
        f"{DEFAULT_DATABASE_URL}). If {name!r} really is a bench database made before this "
        f"guard, mark it yourself: COMMENT ON DATABASE \"{name}\" IS '{BENCH_COMMENT_PREFIX}' "
        "(the next run then rebuilds it)."
    )


def schema_fingerprint() -> str:
    """A hash of every migration file and the pinned requirements: when it changes (a new
    migration, or one edited in place), the bench database is rebuilt from scratch."""
    digest = hashlib.sha256()
    for path in sorted([*ROOT.glob("*/migrations/*.py"), ROOT / "requirements.txt"]):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_database(url: str, fingerprint: str) -> bool:
    """Create the PostgreSQL database named in `url`, or drop and recreate it when it was
    migrated from other migration files. True when the database is new (so: migrate it).

    Raises NotTheBenchDatabase, touching nothing, when the database exists without the
    bench's mark (BENCH_COMMENT_PREFIX) in its comment, or is not PostgreSQL."""
    import dj_database_url
    import psycopg2
    from psycopg2 import sql

    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        # No database comment to tell the bench's own database from anyone else's.
        raise NotTheBenchDatabase(
            f"bench: refusing BENCH_DATABASE_URL {url!r}: the bench runs only on PostgreSQL, "
            "where it can mark the database as its own."
        )
    connection = psycopg2.connect(
        dbname="postgres",
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        host=config["HOST"] or None,
        port=config["PORT"] or None,
    )
    connection.autocommit = True  # CREATE / DROP DATABASE cannot run inside a transaction
    name = sql.Identifier(config["NAME"])
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                [config["NAME"]],
            )
            row = cursor.fetchone()
            if row is not None and not is_bench_comment(row[0]):
                raise refuse(config["NAME"], row[0])
            if row is not None and row[0] == BENCH_COMMENT_PREFIX + fingerprint:
                return False
            if row is not None:
                cursor.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(name))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(name))
            cursor.execute(sql.SQL("COMMENT ON DATABASE {} IS %s").format(name), [UNBUILT_COMMENT])
            return True
    finally:
        connection.close()


def setup_django() -> None:
    """Environment, database (created when missing or stale), Django and migrations, once per
    process."""
    configure_environment()
    fingerprint = schema_fingerprint()
    ensure_database(bench_database_url(), fingerprint)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    if connection.vendor == "postgresql":
        # Recorded only once migrate has succeeded, so a failed migration is retried afresh.
        with connection.cursor() as cursor:
            cursor.execute(
                "COMMENT ON DATABASE {} IS %s".format(
                    connection.ops.quote_name(connection.settings_dict["NAME"])
                ),
                [BENCH_COMMENT_PREFIX + fingerprint],
            )


# --- Generators -----------------------------------------------------------------------------


@dataclass
class Bench:
    """What the generators share: the scale and what earlier generators made."""

    scale: float
    district: object = None  # grid.models.Area, set by generate_district
    grid_ids: list[int] = field(default_factory=list)
    household_ids: list[list[int]] = field(default_factory=list)  # per grid, as grid_ids


@dataclass(frozen=True)
class Generator:
    name: str
    # The models whose tables this generator fills; `wipe` empties them before a run.
    models: Callable[[], list]
    run: Callable[[Bench], dict[str, int]]


def generate_district(bench: Bench) -> dict[str, int]:
    """Areas with boundaries (district > streets > communities > grids), staff accounts and
    a full team per grid, all bulk inserted by grid.generation."""
    from grid.generation import DistrictSpec, district_build
    from grid.models import Area, AreaLevel

    spec = DistrictSpec.for_grids(rows_at(bench.scale, "grids"))
    summary = district_build(spec=spec, password=BENCH_PASSWORD)
    bench.district = summary.district
    bench.grid_ids = list(
        Area.objects.filter(level=AreaLevel.GRID).order_by("pk").values_list("pk", flat=True)
    )
    return {
        "areas": summary.areas,
        "grids": len(bench.grid_ids),
        "users": summary.users,
        "team members": summary.team_members,
    }


def _district_models() -> list:
    from governance.models import User
    from grid.models import Area, GridTeamMember

    return [Area, User, GridTeamMember]


def copy_rows(model, columns: list[str], rows) -> int:
    """COPY `rows` (tuples of database-ready values, None for NULL) into `model`'s table,
    streamed in chunks, so that millions of rows need no list of millions."""
    import csv
    import io
    import itertools

    from django.db import connection

    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    statement = (
        f"COPY {connection.ops.quote_name(model._meta.db_table)} ({quoted}) "
        "FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    )
    copied = 0
    rows = iter(rows)
    while chunk := list(itertools.islice(rows, 50_000)):
        buffer = io.StringIO()
        csv.writer(buffer).writerows(
            ["\\N" if value is None else value for value in row] for row in chunk
        )
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.copy_expert(statement, buffer)
        copied += len(chunk)
    return copied


def copy_instances(model, instances, *, preset: frozenset[str] = frozenset()) -> int:
    """COPY unsaved `instances` of `model`, each value prepared by its field as save() would
    (encrypted fields encrypted, blind indexes computed, auto_now filled), except the fields
    named in `preset`, whose attribute is taken as it is (a generated created_at, say)."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]

    def rows():
        for obj in instances:
            yield tuple(
                f.get_db_prep_save(
                    getattr(obj, f.attname) if f.name in preset else f.pre_save(obj, add=True),
                    connection,
                )
                for f in fields
            )

    return copy_rows(model, [f.column for f in fields], rows())


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂兰华建国志红玉梅文斌辉鹏飞欣怡子涵浩宇晨阳俊"


def generate_residents(bench: Bench) -> dict[str, int]:
    """ROWS_AT_SCALE_1["residents"] people spread evenly over the grids, each with a valid,
    unique ID number (GB 11643), a phone, a status mix like a city district's (most
    registered, a fifth floating, a few foreign) and registration dates over five years,
    COPYed through the model's own fields (encrypted, indexed)."""
    import datetime
    import random

    from django.db import connection
    from django.utils import timezone

    from governance.identity import id_number_birth_date, id_number_sex
    from population.identities import id_number_make
    from population.models import Resident, ResidentStatus

    count = rows_at(bench.scale, "residents")
    rng = random.Random(2026)
    oldest = datetime.date(1940, 1, 1)
    days = 365 * 80
    now = timezone.now()
    statuses = [ResidentStatus.REGISTERED] * 16 + [ResidentStatus.FLOATING] * 4
    statuses[-1] = ResidentStatus.FOREIGN

    households = bench.household_ids  # per grid, from generate_households

    def people():
        for number in range(count):
            grid_number = number % len(bench.grid_ids)
            in_grid = number // len(bench.grid_ids)  # the person's rank in their grid
            homes = households[grid_number]
            home = homes[in_grid % len(homes)] if homes else None
            # Distinct (birth date, serial) pairs: every number is unique across the district.
            born = oldest + datetime.timedelta(days=number % days)
            id_number = id_number_make(
                born=born, serial=number // days, female=bool(rng.getrandbits(1))
            )
            name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
            yield Resident(
                grid_id=bench.grid_ids[grid_number],
                household_id=home,
                # The first person of each household is its head.
                relationship="head" if in_grid < len(homes) else rng.choice(RELATIVES),
                name=name,
                id_number=id_number,
                sex=id_number_sex(id_number),
                birth_date=id_number_birth_date(id_number),
                phone=f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
                status=rng.choice(statuses),
                address=f"{rng.randint(1, 30)}栋{rng.randint(1, 4)}单元{rng.randint(1, 30)}0{rng.randint(1, 4)}室",
                created_at=now - datetime.timedelta(seconds=rng.randrange(5 * 365 * 86400)),
                updated_at=now,
            )

    copied = copy_instances(Resident, people(), preset=frozenset({"created_at", "updated_at"}))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE population_household h SET head_id = r.id FROM population_resident r "
            "WHERE r.household_id = h.id AND r.relationship = 'head'"
        )
    return {"residents": copied}


RELATIVES = ["spouse", "spouse", "child", "child", "parent", "tenant", "other"]
PEOPLE_PER_HOUSEHOLD = 2.6  # roughly a Chinese city's average household size
HOUSES_PER_COMPOUND = 40  # a compound (小区) of a few buildings; no seed gives a size


def generate_households(bench: Bench) -> dict[str, int]:
    """One house per household, about PEOPLE_PER_HOUSEHOLD residents each (the residents
    generator fills them); one house in eight rented out, a third of those not filed; every
    HOUSES_PER_COMPOUND houses of a grid form a compound (小区, P27), its party organisation
    named and its three organisations not linked (四位一体 incomplete)."""
    import datetime
    import random

    from django.utils import timezone

    from population.models import Compound, House, Household, HouseholdKind

    rng = random.Random(2027)
    per_grid = max(
        1, round(rows_at(bench.scale, "residents") / len(bench.grid_ids) / PEOPLE_PER_HOUSEHOLD)
    )
    now = timezone.now()
    today = timezone.localdate()
    per_grid_compounds = -(-per_grid // HOUSES_PER_COMPOUND)
    copy_instances(
        Compound,
        (
            Compound(
                grid_id=grid_id,
                name=f"第{index + 1}小区",
                address=f"{index + 1}号院",
                party_organisation=f"第{index + 1}小区党支部",
                created_at=now,
                updated_at=now,
            )
            for grid_id in bench.grid_ids
            for index in range(per_grid_compounds)
        ),
        preset=frozenset({"created_at", "updated_at"}),
    )
    compounds: dict[int, list[int]] = {grid_id: [] for grid_id in bench.grid_ids}
    for pk, grid_id in Compound.objects.order_by("pk").values_list("pk", "grid_id"):
        compounds[grid_id].append(pk)

    def houses():
        for grid_id in bench.grid_ids:
            for number in range(per_grid):
                rented = number % 8 == 0
                filed = rented and number % 24 != 0
                yield House(
                    grid_id=grid_id,
                    building=str(number // 40 + 1),
                    unit=str(number // 10 % 4 + 1),
                    room=f"{number % 10 // 2 + 1}0{number % 2 + 1}",
                    is_rented=rented,
                    landlord_name=rng.choice(SURNAMES) + "先生" if rented else "",
                    landlord_phone=f"13{rng.randrange(10**9):09d}" if rented else "",
                    filed_on=today - datetime.timedelta(days=rng.randrange(900)) if filed else None,
                    compound_id=compounds[grid_id][number // HOUSES_PER_COMPOUND],
                    created_at=now,
                    updated_at=now,
                )

    copied = copy_instances(House, houses(), preset=frozenset({"created_at", "updated_at"}))
    house_rows = House.objects.order_by("pk").values_list("pk", "grid_id", "is_rented")
    copy_rows(
        Household,
        ["house_id", "number", "kind", "note", "created_at", "updated_at"],
        (
            (
                pk,
                f"H{pk:08d}",
                HouseholdKind.FLOATING if rented else HouseholdKind.REGISTERED,
                "",
                now,
                now,
            )
            for pk, _grid, rented in house_rows.iterator(chunk_size=20_000)
        ),
    )
    by_grid: dict[int, list[int]] = {grid_id: [] for grid_id in bench.grid_ids}
    for pk, grid_id in Household.objects.order_by("pk").values_list("pk", "house__grid_id"):
        by_grid[grid_id].append(pk)
    bench.household_ids = [by_grid[grid_id] for grid_id in bench.grid_ids]
    return {
        "houses": copied,
        "households": copied,
        "compounds": len(compounds) * per_grid_compounds,
    }


def _household_models() -> list:
    from population.models import Compound, House, Household

    return [House, Household, Compound]


VISIT_PURPOSES = ["routine"] * 6 + ["special_group_followup", "rental_inspection", "other"]


def generate_visits(bench: Bench) -> dict[str, int]:
    """ROWS_AT_SCALE_1["visits"] visits over the last two years, each by its grid's worker
    to one of the grid's residents, placed in its grid (no point: as most are logged)."""
    import datetime
    import random

    from django.utils import timezone

    from governance.models import Role, User
    from population.models import Visit

    rng = random.Random(2028)
    count = rows_at(bench.scale, "visits")
    grids = len(bench.grid_ids)
    residents = rows_at(bench.scale, "residents")
    workers = dict(
        User.objects.filter(role=Role.GRID_WORKER, home_area_id__in=bench.grid_ids).values_list(
            "home_area_id", "pk"
        )
    )
    now = timezone.now()
    span = 2 * 365 * 86400

    def rows():
        for number in range(count):
            grid_number = number % grids
            grid_id = bench.grid_ids[grid_number]
            # Residents were generated round-robin over the grids, ids from 1 (RESTART IDENTITY).
            per_grid = max(1, (residents - grid_number + grids - 1) // grids)
            resident_id = grid_number + 1 + rng.randrange(per_grid) * grids
            visited = now - datetime.timedelta(seconds=rng.randrange(span))
            yield (
                grid_id,
                workers.get(grid_id),
                visited,
                resident_id,
                "",
                rng.choice(VISIT_PURPOSES),
                "入户走访，了解家庭近况。",
                "",
                None,
                None,
                None,
                grid_id,
                False,
                visited,
                visited,
            )

    columns = [
        "grid_id",
        "worker_id",
        "visited_at",
        "resident_id",
        "subject",
        "purpose",
        "notes",
        "findings",
        "latitude",
        "longitude",
        "location_accuracy",
        "located_grid_id",
        "outside_grid",
        "created_at",
        "updated_at",
    ]
    return {"visits": copy_rows(Visit, columns, rows())}


def _visit_models() -> list:
    from population.models import Visit

    return [Visit]


def _resident_models() -> list:
    from population.models import Resident

    return [Resident]


# --- The two screenings (issue 8) ---------------------------------------------------------------

SCREENING_HALF_MONTHS = 12  # about six months of periods, opened as the beat task opens them


def generate_screenings(bench: Bench) -> dict[str, int]:
    """The district's units (grid.generation.units_build) and their screening reports of the
    last SCREENING_HALF_MONTHS half-months and the months they fall in, opened by the period
    opener itself (its bulk insert is what the benchmark times). Of the reports past their
    due day, by id: one in ten is missing (late, open), one in ten submitted late, the rest on
    time; one in five submitted carries a dispute from its first grid, the rest are zero
    reports (D4)."""
    import datetime

    from django.db.models import F
    from django.utils import timezone

    from disputes.models import (
        DisputeCategory,
        ScreeningItem,
        ScreeningItemKind,
        ScreeningReport,
        ScreeningState,
    )
    from disputes.screening_services import period_bounds, screening_periods_open
    from grid.generation import units_build
    from grid.models import Area, AreaLevel

    units = units_build(district=bench.district)
    today = timezone.localdate()
    day, opened = today, 0
    for _step in range(SCREENING_HALF_MONTHS):
        opened += screening_periods_open(today=day)
        day = period_bounds("half_monthly", day)[0] - datetime.timedelta(days=1)
    now = timezone.now()
    past = ScreeningReport.objects.filter(period__due_on__lt=today).annotate(
        tenth=F("pk") % 10, fifth=F("pk") % 5
    )
    past.filter(tenth=0).update(late=True)
    submitted = past.exclude(tenth=0)
    submitted.update(state=ScreeningState.SUBMITTED, submitted_at=now)
    submitted.filter(tenth=1).update(late=True)
    with_items = list(
        submitted.filter(fifth=2).values_list("pk", "unit__area_id", "unit__area__level")
    )
    submitted.exclude(fifth=2).update(disputes_zero=True, security_zero=True)
    ScreeningReport.objects.filter(pk__in=[pk for pk, *_ in with_items]).update(security_zero=True)
    first_grid = dict(
        Area.objects.filter(level=AreaLevel.GRID, path__startswith=bench.district.path)
        .order_by("parent_id", "code")
        .distinct("parent_id")
        .values_list("parent_id", "pk")
    )
    category = DisputeCategory.objects.order_by("sort_order", "code").first()
    deadline = today + datetime.timedelta(days=15)
    items = ScreeningItem.objects.bulk_create(
        [
            ScreeningItem(
                report_id=pk,
                kind=ScreeningItemKind.DISPUTE,
                title="邻里纠纷",
                grid_id=first_grid.get(area_id) if level == AreaLevel.COMMUNITY else None,
                category=category,
                parties="当事人双方",
                responsible_leader="综治中心主任",
                deadline=deadline,
            )
            for pk, area_id, level in with_items
        ],
        batch_size=5_000,
    )
    return {"units": units, "screening reports": opened, "screening items": len(items)}


def _screening_models() -> list:
    from disputes.models import ScreeningHotspot, ScreeningItem, ScreeningPeriod, ScreeningReport

    # Not the units: emptying them would take the accounts that name them (they go with the
    # district).
    return [ScreeningItem, ScreeningReport, ScreeningPeriod, ScreeningHotspot]


# In the order they run. Later issues add theirs here, each filling one table at
# round(ROWS_AT_SCALE_1[...] * scale) rows with bulk inserts (COPY for the big ones):
# disputes (disputes).
def _district_grids(bench: Bench) -> None:
    """Fill `bench.district` and `bench.grid_ids` from the database when the district was
    generated by an earlier run (`generate(only=("units", "cases"))`)."""
    from grid.models import Area, AreaLevel

    if bench.district is None:
        bench.district = Area.objects.defer("boundary").get(level=AreaLevel.DISTRICT)
    if not bench.grid_ids:
        bench.grid_ids = list(
            Area.objects.filter(level=AreaLevel.GRID).order_by("pk").values_list("pk", flat=True)
        )


def generate_units(bench: Bench) -> dict[str, int]:
    """The district's units (offices, member departments, enterprises) as the demo has them:
    grid.generation.units_build, which makes only those missing, so it empties no table (the
    units go with the district's areas, and a TRUNCATE of units would cascade to the
    accounts that name them)."""
    from grid.generation import units_build
    from grid.models import Unit

    _district_grids(bench)
    made = units_build(district=bench.district)
    return {"units made": made, "units": Unit.objects.count()}


def _no_models() -> list:
    return []


CASE_STATES = ["registered"] * 3 + ["accepted"] * 4 + ["mediating"] * 1 + ["resolved"] * 2
CASE_TITLES = {
    "neighbour": "邻里漏水纠纷",
    "family": "赡养纠纷",
    "land": "宅基地边界纠纷",
    "labour": "拖欠工资纠纷",
    "medical": "医疗费用纠纷",
}


def generate_cases(bench: Bench) -> dict[str, int]:
    """ROWS_AT_SCALE_1["disputes"] open cases spread over the grids, each registered by its
    community's office staff and owned by the community's office (首问负责), supervised by the
    community; a spread of categories, grades (most general) and states (registered,
    accepted, mediating, resolved) with their stage's start, warning point and deadline as
    `stage_begin` sets them from the deadline policy and the working-day calendar. Exactly
    ROWS_AT_SCALE_1["disputes_due"] of them are past both warning and deadline and carded by
    nobody yet (the deadline scan's work); the others' warning lies a day or more ahead.
    One party (a name) and one "register" action per case. All by COPY."""
    import datetime
    import random

    from django.db import connection
    from django.utils import timezone

    from disputes.models import Case, CaseAction, CaseParty, DisputeCategory, Severity, Stage
    from disputes.selectors import DeadlinePolicies
    from disputes.workdays import WorkCalendar
    from governance.models import Role, User
    from grid.models import Area, AreaLevel, Unit, UnitKind

    _district_grids(bench)
    rng = random.Random(2029)
    count = rows_at(bench.scale, "disputes")
    due_count = min(count, rows_at(bench.scale, "disputes_due"))
    due = set(rng.sample(range(count), due_count))
    parent = dict(Area.objects.filter(level=AreaLevel.GRID).values_list("pk", "parent_id"))
    offices = dict(
        Unit.objects.filter(kind=UnitKind.OFFICE, area__level=AreaLevel.COMMUNITY).values_list(
            "area_id", "pk"
        )
    )
    clerks = dict(
        User.objects.filter(role=Role.OFFICE_STAFF, home_area__level=AreaLevel.COMMUNITY)
        .order_by("-username")
        .values_list("home_area_id", "pk")
    )
    leader = (
        User.objects.filter(role=Role.LEADER, home_area=bench.district)
        .order_by("username")
        .values_list("pk", flat=True)
        .first()
    )
    categories = list(DisputeCategory.objects.filter(active=True).values_list("pk", "code", "name"))
    policies = DeadlinePolicies()
    now = timezone.now()
    calendar = WorkCalendar((now - datetime.timedelta(days=90)).date(), now.date())
    stage_of = {
        "registered": Stage.ACCEPT,
        "accepted": Stage.HANDLE,
        "mediating": Stage.HANDLE,
        "resolved": Stage.VERIFY,
    }
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {Case._meta.db_table}")
        first_id = cursor.fetchone()[0] + 1
    registered: list[tuple[int, int, int, datetime.datetime]] = []  # id, clerk, office, at

    def timing(severity, category_id, stage, start):
        policy = policies.policy_for(severity, category_id)
        days = policy.days_for(stage)
        deadline = calendar.deadline_after(start, days)
        return deadline, start + (deadline - start) * policy.yellow_card_percent / 100

    def cases():
        for number in range(count):
            pk = first_id + number
            grid_id = bench.grid_ids[number % len(bench.grid_ids)]
            community_id = parent[grid_id]
            state = rng.choice(CASE_STATES)
            stage = stage_of[state]
            roll = rng.random()
            severity = (
                Severity.GENERAL
                if roll < 0.95
                else Severity.MAJOR
                if roll < 0.99
                else Severity.MASS_INCIDENT
            )
            category_id, code, name = rng.choice(categories)
            if number in due:
                # Started weeks ago: past its warning and its deadline.
                start = now - datetime.timedelta(days=rng.uniform(25, 45))
                deadline, warn = timing(severity, category_id, stage, start)
                assert deadline < now, "a due case's deadline must be past"
            else:
                # Started within the stage's first fifth, or just now: warning a day ahead.
                start = now - datetime.timedelta(
                    days=rng.uniform(0, policies.policy_for(severity, category_id).days_for(stage))
                    / 5
                )
                deadline, warn = timing(severity, category_id, stage, start)
                if warn < now + datetime.timedelta(hours=12):
                    start = now - datetime.timedelta(seconds=rng.randrange(3600))
                    deadline, warn = timing(severity, category_id, stage, start)
            registered_at = (
                start
                if state == "registered"
                else start - datetime.timedelta(hours=rng.uniform(4, 24 * 10))
            )
            clerk, office = clerks.get(community_id), offices[community_id]
            registered.append((pk, clerk, office, registered_at))
            handling = state != "registered"
            yield Case(
                pk=pk,
                number=f"MD{timezone.localtime(registered_at):%Y}{pk:07d}",
                title=CASE_TITLES.get(code, f"{name}纠纷"),
                summary="当事人双方就相关事项发生争执，请求调处。",
                category_id=category_id,
                severity=severity,
                source=rng.choice(["screening", "visit", "walk_in", "hotline"]),
                grid_id=grid_id,
                address=f"{rng.randint(1, 30)}幢{rng.randint(1, 4)}单元",
                occurred_on=(registered_at - datetime.timedelta(days=rng.randrange(5))).date(),
                people_involved=rng.randint(2, 6),
                state=state,
                registered_by_id=clerk,
                registered_at=registered_at,
                owner_unit_id=office,
                supervising_area_id=community_id,
                responsible_leader_id=leader if handling and severity != Severity.GENERAL else None,
                measures="组织双方调解，限期化解。" if handling else "",
                stage=stage,
                stage_started_at=start,
                stage_due_at=deadline,
                stage_warn_at=warn,
                outcome="resolved" if state == "resolved" else "",
                agreement="双方达成调解协议。" if state == "resolved" else "",
                resolution_method="人民调解" if state == "resolved" else "",
                resolved_at=start if state == "resolved" else None,
            )

    fields = Case._meta.concrete_fields  # the primary key too: parties and actions name it

    def case_rows():
        for case in cases():
            yield tuple(f.get_db_prep_save(getattr(case, f.attname), connection) for f in fields)

    copied = copy_rows(Case, [f.column for f in fields], case_rows())
    table = Case._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT MAX(id) FROM {table}))",
            [table],
        )
    parties = copy_rows(
        CaseParty,
        ["case_id", "role", "resident_id", "organisation_id", "name"],
        (
            (pk, "applicant", None, None, rng.choice(SURNAMES) + rng.choice(GIVEN))
            for pk, *_rest in registered
        ),
    )
    actions = copy_rows(
        CaseAction,
        ["case_id", "action", "actor_id", "unit_id", "at", "from_state", "to_state", "comment"],
        (
            (pk, "register", clerk, office, at, "", "registered", "")
            for pk, clerk, office, at in registered
        ),
    )
    return {"cases": copied, "due cases": due_count, "parties": parties, "actions": actions}


def _case_models() -> list:
    from disputes.models import Case, CaseAction, CaseParty

    return [Case, CaseParty, CaseAction]


# In the order they run, each filling its tables at round(ROWS_AT_SCALE_1[...] * scale) rows
# with bulk inserts (COPY for the big ones).
GENERATORS: list[Generator] = [
    Generator("district", _district_models, generate_district),
    Generator("households", _household_models, generate_households),
    Generator("residents", _resident_models, generate_residents),
    Generator("visits", _visit_models, generate_visits),
    Generator("units", _no_models, generate_units),
    Generator("screenings", _screening_models, generate_screenings),
    Generator("cases", _case_models, generate_cases),
]


def assert_bench_database() -> None:
    """Raise NotTheBenchDatabase unless Django is connected to a PostgreSQL database that
    carries the bench's mark: checked again right before truncating, whoever set Django up."""
    from django.db import connection

    name = connection.settings_dict["NAME"]
    if connection.vendor != "postgresql":
        raise NotTheBenchDatabase(
            f"bench: refusing to wipe {name!r}: not PostgreSQL, so not a bench database"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname = current_database()"
        )
        comment = cursor.fetchone()[0]
    if not is_bench_comment(comment):
        raise refuse(name, comment)


def wipe(only: tuple[str, ...] | None = None) -> None:
    """Empty every table a generator fills (or the generators named in `only`), and whatever
    references them (CASCADE: the district's tables take every other one with them), in the
    bench's own database only."""
    from django.db import connection

    assert_bench_database()
    tables = [
        model._meta.db_table
        for generator in GENERATORS
        if only is None or generator.name in only
        for model in generator.models()
    ]
    if not tables:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE {} RESTART IDENTITY CASCADE".format(
                ", ".join(connection.ops.quote_name(table) for table in tables)
            )
        )


@dataclass
class Report:
    scale: float
    seconds: dict[str, float] = field(default_factory=dict)  # per step, "wipe" first
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


def generate(
    scale: float,
    *,
    only: tuple[str, ...] | None = None,
    log: Callable[[str], None] = lambda line: None,
) -> Report:
    """Wipe, then run every generator (or those named in `only`, in their order: the wipe
    then empties only their tables, and whatever references them), then
    ANALYZE: the planner's statistics of freshly COPYed tables are empty until autovacuum
    comes by, and a street's resident list then picks a plan a hundred times slower.
    Django must be set up (`setup_django`)."""
    from django.db import connection

    report = Report(scale=scale)
    bench = Bench(scale=scale)
    started = time.perf_counter()
    wipe(only)
    report.seconds["wipe"] = time.perf_counter() - started
    log(f"wiped the previous bench data in {report.seconds['wipe']:.2f} s")
    for generator in GENERATORS:
        if only is not None and generator.name not in only:
            continue
        started = time.perf_counter()
        rows = generator.run(bench)
        report.seconds[generator.name] = time.perf_counter() - started
        report.rows.update(rows)
        counts = ", ".join(f"{count:,} {what}" for what, count in rows.items())
        log(f"{generator.name}: {counts} in {report.seconds[generator.name]:.2f} s")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    report.seconds["analyze"] = time.perf_counter() - started
    log(f"analyzed in {report.seconds['analyze']:.2f} s")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="1.0 = a whole district (1,000 grids); 0.036 is about the demo's size",
    )
    args = parser.parse_args()
    if args.scale <= 0:
        parser.error("--scale must be positive")
    setup_django()
    report = generate(args.scale, log=print)
    print(f"generated scale {args.scale:g} in {report.total_seconds:.2f} s")


if __name__ == "__main__":
    main()
