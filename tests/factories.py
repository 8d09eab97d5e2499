"""Factories for test rows, and `row_in(model, area)`: a new row of any area-bound model
located in an area.

`row_in` follows the model's `scope_path`: `area__path` puts the row's `area` there,
`recipient__home_area__path` makes a recipient who lives there (and so on down the chain),
`path` is the area itself. A foreign key named `grid` (or limited to grids by
`limit_choices_to`) gets a grid inside the area. All it needs of a model is its factory,
found by name: `<Model>Factory` here or in `tests/<app>/factories.py`.

Areas and API tokens are made through the grid and token services, so that their codes,
paths and key hashes are the real thing.
"""

from __future__ import annotations

import datetime
import importlib
import pkgutil
from pathlib import Path

import factory
from django.db.models import Model
from django_otp.plugins.otp_totp.models import TOTPDevice
from factory.django import DjangoModelFactory

from governance.models import ApiToken, Notification, Role, User
from governance.services import api_token_issue, user_create
from grid.models import CODE_LENGTH, Area, AreaLevel, GridTeamMember, TeamRole, Unit, UnitKind
from grid.services import area_create, unit_create
from population.identities import id_number_make
from population.models import EventKind, Resident, ResidentEvent, ResidentStatus
from population.services import resident_register

PASSWORD = "Test@Portal2026"

# The factories act as the system: a superuser that exists only in memory, so that no extra
# account shows up in a test's counts of users or administrators.
SYSTEM = User(username="factories", is_superuser=True, is_active=True)


# --- Areas -----------------------------------------------------------------------------------


def free_code(parent: Area | None) -> str:
    """The next unused code below `parent` (a county code of Zhejiang for a district)."""
    if parent is None:
        taken = set(Area.objects.filter(level=AreaLevel.DISTRICT).values_list("code", flat=True))
        return next(f"3301{n:02d}" for n in range(1, 100) if f"3301{n:02d}" not in taken)
    level = AreaLevel(parent.level + 1)
    width = CODE_LENGTH[level] - len(parent.code)
    taken = set(Area.objects.filter(code__startswith=parent.code).values_list("code", flat=True))
    # GB/T 10114 assigns 001-599 to streets and communities; a grid serial runs to 999.
    last = 999 if level == AreaLevel.GRID else 599
    return next(
        code
        for code in (f"{parent.code}{n:0{width}d}" for n in range(1, last + 1))
        if code not in taken
    )


class AreaFactory(DjangoModelFactory):
    """A district by default; with `parent`, an area one level below it."""

    class Meta:
        model = Area

    parent = None
    name = factory.Sequence(lambda n: f"测试区域{n}")
    level = factory.LazyAttribute(
        lambda o: AreaLevel.DISTRICT if o.parent is None else o.parent.level + 1
    )
    code = factory.LazyAttribute(lambda o: free_code(o.parent))
    boundary = None

    @classmethod
    def _create(cls, model_class, **fields):
        return area_create(actor=SYSTEM, **fields)


class DistrictFactory(AreaFactory):
    name = factory.Sequence(lambda n: f"测试区{n}")


class StreetFactory(AreaFactory):
    parent = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"测试街道{n}")


class CommunityFactory(AreaFactory):
    parent = factory.SubFactory(StreetFactory)
    name = factory.Sequence(lambda n: f"测试社区{n}")


class GridFactory(AreaFactory):
    parent = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"测试网格{n}")


# --- People ----------------------------------------------------------------------------------


class UserFactory(DjangoModelFactory):
    """An account with a role and a home area (a new district unless given one); grid workers
    when the home area is a grid, office staff otherwise. `superuser=True` for a superuser."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    class Params:
        superuser = factory.Trait(is_superuser=True, role=Role.ADMIN, home_area=None)

    username = factory.Sequence(lambda n: f"t_user{n}")
    password = PASSWORD
    home_area = factory.SubFactory(DistrictFactory)
    role = factory.LazyAttribute(
        lambda o: Role.GRID_WORKER if o.home_area and o.home_area.is_grid else Role.OFFICE_STAFF
    )
    is_superuser = False

    @classmethod
    def _create(cls, model_class, **fields):
        # Through the service, so that a test account is what a real one is (is_staff included).
        return user_create(actor=None, **fields)


class ApiTokenFactory(DjangoModelFactory):
    """A token issued by the token service (by `created_by`, an administrator of its area
    unless given); its key, shown once, is on `.key`."""

    class Meta:
        model = ApiToken

    area = factory.SubFactory(DistrictFactory)
    client = factory.SubFactory(
        UserFactory, role=Role.API_CLIENT, home_area=factory.SelfAttribute("..area")
    )
    created_by = factory.SubFactory(
        UserFactory, role=Role.ADMIN, home_area=factory.SelfAttribute("..area")
    )
    name = factory.Sequence(lambda n: f"token {n}")

    @classmethod
    def _create(cls, model_class, *, created_by, **fields):
        token, key = api_token_issue(actor=created_by, **fields)
        token.key = key
        return token


class NotificationFactory(DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = "test"
    title = factory.Sequence(lambda n: f"通知{n}")


class TOTPDeviceFactory(DjangoModelFactory):
    """A confirmed authenticator (second factor) of a person."""

    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "phone"
    confirmed = True


# --- Grid teams ------------------------------------------------------------------------------


class TeamRoleFactory(DjangoModelFactory):
    class Meta:
        model = TeamRole
        django_get_or_create = ("code",)

    code = "grid_manager"
    name = factory.LazyAttribute(lambda o: o.code)


class GridTeamMemberFactory(DjangoModelFactory):
    class Meta:
        model = GridTeamMember

    grid = factory.SubFactory(GridFactory)
    role = factory.SubFactory(TeamRoleFactory)
    name = factory.Sequence(lambda n: f"成员{n}")
    phone = "13800000000"


# --- Units -----------------------------------------------------------------------------------


class UnitFactory(DjangoModelFactory):
    """A member department of its area's committee unless given another kind."""

    class Meta:
        model = Unit

    area = factory.SubFactory(DistrictFactory)
    kind = UnitKind.DEPARTMENT
    name = factory.Sequence(lambda n: f"测试部门{n}")

    @classmethod
    def _create(cls, model_class, **fields):
        return unit_create(actor=None, **fields)


# --- Population ------------------------------------------------------------------------------


def id_number_for(n: int) -> str:
    """A distinct valid ID number per n (a different birth day per hundred serials)."""
    born = datetime.date(1950, 1, 1) + datetime.timedelta(days=n // 100)
    return id_number_make(born=born, serial=n % 100, female=bool(n % 2))


class ResidentFactory(DjangoModelFactory):
    """A resident registered through the service (sex and birth date derived)."""

    class Meta:
        model = Resident

    grid = factory.SubFactory(GridFactory)
    name = factory.Sequence(lambda n: f"居民{n}")
    id_number = factory.Sequence(id_number_for)
    phone = ""

    @classmethod
    def _create(cls, model_class, **fields):
        return resident_register(actor=SYSTEM, **fields)


class ResidentEventFactory(DjangoModelFactory):
    """A status change on a registered resident's record, saved as it is (a fact in the
    history); the services that record events are tested in tests/population."""

    class Meta:
        model = ResidentEvent

    resident = factory.SubFactory(ResidentFactory)
    kind = EventKind.STATUS_CHANGE
    happened_on = factory.LazyFunction(datetime.date.today)
    old_status = ResidentStatus.REGISTERED
    new_status = ResidentStatus.FLOATING


# --- A row of any area-bound model in an area ------------------------------------------------


def _factory_modules():
    """This module and every tests/<app>/factories.py."""
    tests_dir = Path(__file__).resolve().parent
    for package in pkgutil.iter_modules([str(tests_dir)]):
        if package.ispkg and (tests_dir / package.name / "factories.py").exists():
            yield importlib.import_module(f"tests.{package.name}.factories")


def factory_for(model: type[Model]) -> type[DjangoModelFactory]:
    """The factory of a model's rows: `<Model>Factory`, here or in tests/<app>/factories.py."""
    name = f"{model.__name__}Factory"
    for module in (importlib.import_module(__name__), *_factory_modules()):
        found = getattr(module, name, None)
        if found is not None and found._meta.model is model:
            return found
    raise LookupError(
        f"No factory makes rows of {model._meta.label}: add `class {name}(DjangoModelFactory)` "
        f"with `Meta.model = {model.__name__}` to tests/{model._meta.app_label}/factories.py "
        "(or tests/factories.py); row_in() places its rows in an area through the model's "
        "scope_path, so the factory needs no area of its own."
    )


def grid_in(area: Area, *, avoid: Area | None = None) -> Area:
    """A grid inside `area`, outside `avoid` where there is one (a row in a "parent" position
    must then lie outside the actor's own area); a new grid if the area has none."""
    grids = list(Area.objects.filter(level=AreaLevel.GRID, path__startswith=area.path))
    outside = [grid for grid in grids if avoid is None or not grid.path.startswith(avoid.path)]
    if outside or grids:
        return (outside or grids)[0]
    parent = area
    while parent.level < AreaLevel.GRID:
        parent = AreaFactory(parent=parent)
    return parent


def _wants_a_grid(field) -> bool:
    limits = field.remote_field.limit_choices_to
    return field.name == "grid" or (
        isinstance(limits, dict) and limits.get("level") == AreaLevel.GRID
    )


def row_in(model: type[Model], area: Area, *, avoid: Area | None = None, **fields) -> Model:
    """A new row of `model` located in `area` by its `scope_path` (an Area is its own place).
    `avoid`: where the area leaves a choice (a grid inside it), choose outside this area."""
    link, *rest = model.scope_path.split("__")
    if not rest:  # "path": the row is an area
        return area
    field = model._meta.get_field(link)
    target = field.related_model
    if target is Area:
        place = grid_in(area, avoid=avoid) if _wants_a_grid(field) else area
    else:
        place = row_in(target, area, avoid=avoid)
    return factory_for(model)(**{link: place, **fields})


def area_of(row: Model) -> Area | None:
    """Where a row is, by its model's `scope_path` (e.g. recipient__home_area__path)."""
    *links, _path = type(row).scope_path.split("__")
    for link in links:
        row = getattr(row, link) if row is not None else None
    return row
