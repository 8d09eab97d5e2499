"""Shared fixtures: one small real district and one user per role and area, so every test
can ask "and the others cannot"."""

import contextlib
import os
import socket
from dataclasses import dataclass
from urllib.parse import urlparse

import psycopg2
import pytest
from auditlog.context import disable_auditlog
from django.apps import apps
from django.conf import settings
from django.utils import translation

from disputes.defaults import reference_data_ensure
from governance.models import Role, User
from grid.defaults import DEFAULT_TEAM_ROLES
from grid.generation import DistrictSpec, district_build
from grid.models import Area, AreaLevel, TeamRole
from population.defaults import special_group_kinds_ensure
from population.models import SpecialGroupKind
from tests.factories import (
    PASSWORD,
    ApiTokenFactory,
    TOTPDeviceFactory,
    UnitFactory,
    UserFactory,
)


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=3):
            return True
    except OSError:
        return False


def pytest_configure(config):
    if not settings.TEST_DATABASE_KEPT:  # a second run in this checkout: see tests/settings.py
        config.option.reuse_db = False


def _drop_stale_test_databases(connection) -> None:
    """This checkout's test databases of older migrations, and of concurrent runs that died."""
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s",
            [settings.TEST_DATABASE_PREFIX.replace("_", r"\_") + "%"],
        )
        current = settings.DATABASES["default"]["TEST"]["NAME"]
        for (name,) in cursor.fetchall():
            suffix = name.removeprefix(settings.TEST_DATABASE_PREFIX)
            if name == current or (suffix.startswith("run") and _alive(int(suffix[3:]))):
                continue
            with contextlib.suppress(psycopg2.Error):  # in use: left for the next run
                cursor.execute(f'DROP DATABASE "{name}"')


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def pytest_sessionstart(session):
    """The suite is about the real services: say so plainly when one is down, never skip."""
    database = settings.DATABASES["default"]
    redis = urlparse(settings.REDIS_URL)
    missing = []
    if database["ENGINE"] != "django.db.backends.postgresql":
        missing.append(f"PostgreSQL (DATABASE_URL names {database['ENGINE']})")
    elif not _reachable(database["HOST"] or "127.0.0.1", int(database["PORT"] or 5432)):
        missing.append(f"PostgreSQL at {database['HOST']}:{database['PORT']} (DATABASE_URL)")
    else:
        try:
            connection = psycopg2.connect(
                host=database["HOST"], port=database["PORT"] or 5432, user=database["USER"],
                password=database["PASSWORD"] or None, dbname="postgres", connect_timeout=5,
            )  # fmt: skip
        except psycopg2.Error as error:
            missing.append(f"PostgreSQL login as {database['USER']!r} ({error.args[0].strip()})")
        else:
            if settings.TEST_DATABASE_KEPT:
                _drop_stale_test_databases(connection)
            connection.close()
    if not _reachable(redis.hostname or "127.0.0.1", redis.port or 6379):
        missing.append(f"Redis at {settings.REDIS_URL} (REDIS_URL)")
    if missing:
        pytest.exit(
            "Test services not reachable: " + "; ".join(missing) + ". Start them (`.ci/run` "
            "does, as root), or point DATABASE_URL / REDIS_URL at running servers.",
            returncode=3,
        )


@pytest.fixture(autouse=True)
def english_messages():
    """Service-level messages are asserted in English; pages still negotiate their language."""
    with translation.override("en"):
        yield


def team_roles_ensure() -> None:
    """Transactional tests flush the database, data migrations' rows included."""
    for code, name, order in DEFAULT_TEAM_ROLES:
        TeamRole.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})


# The rows each data migration ships, by migration. Transactional tests (the live server,
# the Celery worker) flush the database, these rows with it, so a kept database (--reuse-db)
# would start the next run without them. tests/test_deployment.py fails on a data migration
# missing here.
def special_group_kinds_default() -> None:
    special_group_kinds_ensure(SpecialGroupKind)


def disputes_reference_data_default() -> None:
    reference_data_ensure(lambda name: apps.get_model("disputes", name))


DATA_MIGRATION_ROWS = {
    "grid.0002_default_team_roles": team_roles_ensure,
    # Records the registration of residents already stored as their first event: ships none.
    "population.0003_resident_events": lambda: None,
    # Encrypts the phones already stored: converts rows, ships none.
    "population.0002_resident_phone_encrypted": lambda: None,
    "population.0005_specialgroups": special_group_kinds_default,
    # Indexes the passports of the foreign residents already stored: converts rows, ships none.
    "population.0013_foreign_nationals": lambda: None,
    "disputes.0002_calendar_categories_policies": disputes_reference_data_default,
    # A ticked has_security_body becomes a work-station body: converts rows, ships none.
    "population.0017_compounds_security_bodies": lambda: None,
}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # Without audit entries: a migration writes none, and a kept database flushed by the last
    # run's worker tests would otherwise start with "created" entries for these rows.
    with django_db_blocker.unblock(), disable_auditlog():
        for ensure in DATA_MIGRATION_ROWS.values():
            ensure()


def district_create() -> Area:
    """区 > 2 streets > 2 communities each > 2 grids each, with real tiling boundaries."""
    team_roles_ensure()
    spec = DistrictSpec(streets=2, communities_per_street=2, grids_per_community=2)
    return district_build(spec=spec, password=PASSWORD).district


def named_areas(district: Area) -> dict[str, Area]:
    """street_a holds community_a (grids grid_a, grid_b) and community_b; street_b is its
    sibling."""
    street_a, street_b = Area.objects.filter(parent=district).order_by("code")
    community_a, community_b = Area.objects.filter(parent=street_a).order_by("code")
    grid_a, grid_b = Area.objects.filter(parent=community_a).order_by("code")
    return {
        "district": district,
        "street_a": street_a,
        "street_b": street_b,
        "community_a": community_a,
        "community_b": community_b,
        "grid_a": grid_a,
        "grid_b": grid_b,
        "grid_other_street": Area.objects.filter(
            level=AreaLevel.GRID, path__startswith=street_b.path
        ).first(),
    }


@pytest.fixture
def district(db) -> Area:
    return district_create()


@pytest.fixture
def areas(district) -> dict[str, Area]:
    return named_areas(district)


@dataclass(frozen=True)
class Person:
    username: str
    role: str
    home: str | None  # key in named_areas(); None for the superuser, who sees everything
    superuser: bool = False
    unit: str | None = None  # a department of `home` (department staff)


# The test actors, the one list: the `users` fixture and the scoping matrix's world
# (tests/scoping/world.py) both make exactly these people.
PEOPLE: dict[str, Person] = {
    "grid_worker_a": Person("t_gw_a", Role.GRID_WORKER, "grid_a"),
    "grid_worker_b": Person("t_gw_b", Role.GRID_WORKER, "grid_b"),
    "community_office": Person("t_office_c", Role.OFFICE_STAFF, "community_a"),
    "street_office": Person("t_office_a", Role.OFFICE_STAFF, "street_a"),
    "other_street_office": Person("t_office_b", Role.OFFICE_STAFF, "street_b"),
    "leader": Person("t_leader", Role.LEADER, "district"),
    "street_leader": Person("t_leader_a", Role.LEADER, "street_a"),
    "admin": Person("t_admin", Role.ADMIN, "district"),
    "department": Person("t_dept", Role.DEPARTMENT, "district", unit="区司法局"),
    "street_admin": Person("t_admin_a", Role.ADMIN, "street_a"),
    "api_client": Person("t_client", Role.API_CLIENT, "district"),
    "superuser": Person("t_root", Role.ADMIN, None, superuser=True),
}


def people_create(areas: dict[str, Area]) -> dict[str, User]:
    units = {
        person.unit: UnitFactory(area=areas[person.home], name=person.unit)
        for person in PEOPLE.values()
        if person.unit
    }
    return {
        key: UserFactory(
            username=person.username,
            role=person.role,
            home_area=areas[person.home] if person.home else None,
            unit=units[person.unit] if person.unit else None,
            is_superuser=person.superuser,
        )
        for key, person in PEOPLE.items()
    }


@pytest.fixture
def users(areas) -> dict[str, User]:
    return people_create(areas)


@pytest.fixture
def street_token(users, areas) -> str:
    """An API key scoped to street_a."""
    return ApiTokenFactory(
        client=users["api_client"],
        created_by=users["admin"],
        name="street a",
        area=areas["street_a"],
    ).key


def login(client, user: User) -> None:
    """A session that has passed the second factor where the role needs one."""
    client.force_login(user)
    if user.needs_second_factor:
        device = TOTPDeviceFactory(user=user, name="test")
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
