"""What the scoping matrix (the tests of tests/scoping/) expects of every route.

The matrix walks the URL configuration and classifies every route. What it can, it derives
from the model's `scope_path` and the row factories of tests/factories.py (`row_in`):

- a DRF viewset on the router whose model has `scope_path` and which only reads needs
  nothing here; a writable one needs API_KINDS[basename]: who may write and the payloads;
- a ModelAdmin of a model with `scope_path` needs nothing here (it is a ScopedAdmin);
  ADMIN_MODELS[label] only to say more (who may add or delete, extra object URLs), or for a
  model without an area (GlobalAdmin, SuperuserOnlyAdmin);
- PAGES[name]: a portal page. `Page.about(Model)` for a page about one row (its URL is built
  for a row in each area position); `Page()` for a page every signed-in person may open;
- API_OTHER[name], PUBLIC[name] / PUBLIC_PREFIXES, ADMIN_SITE[name]: routes that hold no rows;
- TOKEN_API[name]: JSON routes outside the router that answer API tokens alone (Open311).

A route that cannot be classified fails `test_every_route_is_declared`, saying which line
is missing and where; a model with `scope_path` and no factory fails
`test_every_area_bound_model_has_a_row_factory`.

The expectations are the rules of governance/scoping.py and governance/permissions.py,
restated independently in the section "The rules" below (one place to adjust them): a row is
visible iff its area is inside the actor's scope subtree (the token's area for API tokens;
everything for superusers), and personal rows only to their owner.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from disputes.models import (
    Case,
    MediationOrganisation,
    Mediator,
    Meeting,
    MeetingDecision,
    ReceptionBooking,
    ReceptionSlot,
    RiskAssessment,
    RiskMatter,
    ScreeningHotspot,
    ScreeningItem,
    ScreeningPeriod,
    ScreeningReport,
)
from governance.models import ApiToken, Notification, Role, User
from grid.models import Area, AreaLevel, Unit
from population.identities import credit_code_make
from population.models import (
    Compound,
    DriveCheck,
    House,
    Household,
    Organisation,
    RentalIncident,
    Resident,
    ResidentDrive,
    ResidentEvent,
    ResidentImport,
    SecurityBody,
    SpecialGroupCare,
    SpecialGroupExportRequest,
    SpecialGroupKind,
    SpecialGroupRecord,
    Visit,
    VitalPart,
)
from population.services import household_member_add
from tests.conftest import PEOPLE
from tests.disputes.factories import ReceptionSlotFactory, RiskMatterFactory, office_staff_of
from tests.factories import (
    SYSTEM,
    AreaFactory,
    ResidentFactory,
    UnitFactory,
    UserFactory,
    area_of,
    factory_for,
    grid_in,
    id_number_for,
    row_in,
)
from tests.population.factories import HouseFactory

if TYPE_CHECKING:  # the World and the cell context live in tests/scoping/world.py
    from tests.scoping.world import Actor, CellContext, World

# --- Who asks, and from where ---------------------------------------------------------------


@dataclass(frozen=True)
class ActorSpec:
    person: str  # key in tests/conftest.py PEOPLE (World.users), or "enterprise" (World)
    via: str = "session"  # or "token": an API key scoped to `token_area` (APIs only)
    token_area: str | None = None
    everything: bool = False  # superusers see every row, wherever it is
    # For those who see everything, or by unit alone (no home area of their own in PEOPLE):
    # where rows are put.
    positions_from: str | None = None
    # A token scoped to the person's unit (P7): it sees what the unit's people see.
    unit_token: bool = False

    @property
    def anchor(self) -> str:
        """Key of the actor's scope root in World.areas, the origin of the positions."""
        return self.token_area or self.positions_from or PEOPLE[self.person].home


ACTORS: dict[str, ActorSpec] = {
    "grid_worker@grid_a": ActorSpec("grid_worker_a"),
    "office_staff@community_a": ActorSpec("community_office"),
    "office_staff@street_a": ActorSpec("street_office"),
    "leader@district": ActorSpec("leader"),
    "leader@street_a": ActorSpec("street_leader"),
    "admin@district": ActorSpec("admin"),
    # Department staff: the district's 司法局; they see only what their unit is handed.
    "department@district": ActorSpec("department"),
    "admin@street_a": ActorSpec("street_admin"),
    "token@street_a": ActorSpec("api_client", via="token", token_area="street_a"),
    "superuser": ActorSpec("superuser", everything=True, positions_from="street_a"),
    # 以业管人 (P7): an enterprise's own account (department staff of an enterprise unit of
    # street_a linked to its ledger row in grid_a; built by World), and the unit tokens of
    # the department's and the enterprise's own systems.
    "enterprise@street_a": ActorSpec("enterprise", positions_from="street_a"),
    "unit_token@department": ActorSpec("department", via="token", unit_token=True),
    "unit_token@enterprise": ActorSpec(
        "enterprise", via="token", unit_token=True, positions_from="street_a"
    ),
}
ADMIN_ACTORS = ("admin@district", "admin@street_a", "superuser")

# Where a row sits relative to the actor's anchor (fixture `areas`: the district holds
# street_a and street_b; street_a holds community_a and community_b; community_a holds
# grid_a and grid_b). Positions an anchor lacks (a grid has no child) are not generated.
POSITIONS: dict[str, dict[str, str]] = {
    "grid_a": {"own": "grid_a", "parent": "community_a", "sibling": "grid_b"},
    "community_a": {
        "own": "community_a",
        "parent": "street_a",
        "sibling": "community_b",
        "child": "grid_a",
    },
    "street_a": {
        "own": "street_a",
        "parent": "district",
        "sibling": "street_b",
        "child": "community_a",
    },
    "district": {"own": "district", "child": "street_a"},
}
MINE = "mine"  # personal rows: one of the actor's own


# --- The rules: who may do what, restated from governance/permissions.py --------------------
# Visibility itself is Actor.covers (tests/scoping/world.py). Each rule takes the actor and,
# where it depends on one, the row (for a create: the area the new row goes into). A change
# of policy is a change here.


def nobody(actor: Actor, row=None) -> bool:
    return False


def administrators(actor: Actor, row=None) -> bool:
    return actor.user.is_superuser or actor.user.role == Role.ADMIN


def employer_accounts(actor: Actor, row=None) -> bool:
    """An enterprise's own people and system register its floating workers (P7)."""
    return actor.user.employer_organisation_id is not None


def employers_units(row) -> set[int]:
    """The enterprise units whose people see a resident (its employer's) or an organisation
    (their own): Resident / Organisation `scope_units`."""
    organisation_id = row.pk if isinstance(row, Organisation) else row.employer_organisation_id
    if organisation_id is None:
        return set()
    return set(Unit.objects.filter(organisation_id=organisation_id).values_list("pk", flat=True))


def ledger_keepers(actor: Actor, row=None) -> bool:
    """Everyone but leaders and department staff keeps the population ledger (other systems
    through the API)."""
    return actor.user.is_superuser or actor.user.role not in {Role.LEADER, Role.DEPARTMENT}


def sees_in_full(actor: Actor, row=None) -> bool:
    """Grid workers and office staff may unmask an ID number and phone (with a reason, logged);
    leaders, administrators and other systems see them masked; superusers hold every right."""
    return actor.user.is_superuser or actor.user.role in {Role.GRID_WORKER, Role.OFFICE_STAFF}


def special_group_keepers(actor: Actor, row=None) -> bool:
    """Office staff and administrators tag residents with special groups; grid workers,
    leaders and other systems (without the members permission) do not."""
    return actor.user.is_superuser or actor.user.role in {Role.OFFICE_STAFF, Role.ADMIN}


def below_own_root(actor: Actor, area: Area) -> bool:
    """An administrator changes and deletes what lies strictly below their scope root; the
    root itself (its name, code, boundary, existence) is set by the level above."""
    return administrators(actor) and (
        actor.everything or (area.parent is not None and actor.covers(area.parent))
    )


# --- Rows: "an object of this kind located in a given area" ----------------------------------


@dataclass(frozen=True)
class Rows:
    """Rows of a model for the matrix. By default a row "in area X" is `row_in(model, X)`
    (tests/factories.py, by `scope_path`) and its area follows `scope_path` back."""

    model: type
    owner: Callable[[Any], User] | None = None  # personal rows: whose a row is
    make_mine: Callable[[World, Actor], Any] | None = None  # personal rows: one of the actor's
    # Rows units act on: the units a row is handed to. Department staff see those of their
    # unit, whatever the area (governance.scoping `scope_units`), and nothing else.
    handed_to: Callable[[Any], set[int]] | None = None

    @property
    def personal(self) -> bool:
        return self.owner is not None

    def make(self, world: World, area: Area, actor: Actor):
        """A row located in `area`; where the area leaves a choice, outside the actor's."""
        return row_in(self.model, area, avoid=actor.anchor)

    def area_of(self, row) -> Area | None:
        return area_of(row)

    def visible(self, actor: Actor, row) -> bool:
        if self.personal:
            return self.owner(row).pk == actor.user.pk
        # Unit rows reach the unit's people and its unit token, never an area token.
        handed = self.handed_to is not None and (actor.via == "session" or actor.unit_token)
        if handed and actor.user.unit_id in self.handed_to(row):
            return True
        return actor.covers(self.area_of(row))


class SpecialGroupRows(Rows):
    """Special-group records: in scope AND of a kind the actor's role may see by name (PIPL
    art. 28): office staff and administrators all; grid workers all but health-related kinds
    (unless they are the responsible worker); leaders and API clients none (counts only)."""

    def visible(self, actor: Actor, row) -> bool:
        if not actor.covers(self.area_of(row)):
            return False
        if special_group_keepers(actor):
            return True
        if actor.user.role == Role.GRID_WORKER:
            return not row.kind.health_related or row.responsible_id == actor.user.pk
        return False


class CodeListRows(Rows):
    """Rows of a code list without an area: every portal user (and token) reads them."""

    def make(self, world: World, area: Area, actor: Actor):
        return factory_for(self.model)()

    def area_of(self, row) -> Area | None:
        return None

    def visible(self, actor: Actor, row) -> bool:
        return True


class ExportRequestRows(Rows):
    """Special-group export requests (issue 7): in scope, for office staff, leaders and
    administrators; grid workers and other systems neither request nor approve them."""

    def visible(self, actor: Actor, row) -> bool:
        return actor.covers(self.area_of(row)) and export_overseers(actor)


def export_overseers(actor: Actor, row=None) -> bool:
    return actor.user.is_superuser or actor.user.role in {
        Role.OFFICE_STAFF,
        Role.LEADER,
        Role.ADMIN,
    }


def office_leads(actor: Actor, row=None) -> bool:
    """The office lead of issue 7 is a leader of the area (the rows' requester is never one)."""
    return actor.user.is_superuser or actor.user.role == Role.LEADER


def export_requesters(actor: Actor, row=None) -> bool:
    return actor.user.is_superuser or actor.user.role == Role.OFFICE_STAFF


# --- Stability-risk assessment ---
class RiskRows(Rows):
    """The stability-risk register (issue 8): in scope, for everyone but grid workers (the
    register is district and street work)."""

    def visible(self, actor: Actor, row) -> bool:
        return actor.covers(self.area_of(row)) and risk_readers(actor)


def risk_readers(actor: Actor, row=None) -> bool:
    return actor.user.is_superuser or actor.user.role != Role.GRID_WORKER


def risk_keepers(actor: Actor, row=None) -> bool:
    """Office staff register matters and write assessments; other systems too (tokens)."""
    return actor.user.is_superuser or actor.user.role in {Role.OFFICE_STAFF, Role.API_CLIENT}


def risk_deciders(actor: Actor, row=None) -> bool:
    """Only leaders of the area decide (never a token)."""
    return actor.user.is_superuser or actor.user.role == Role.LEADER


RISK_MATTERS = RiskRows(RiskMatter)
RISK_ASSESSMENTS = RiskRows(RiskAssessment)


class ApiTokenRows(Rows):
    """API tokens: an area's token is the business of the administrators of its area; a unit's
    (it has no area, P7) of those whose area holds the unit."""

    def area_of(self, row) -> Area | None:
        return row.unit.area if row.unit_id is not None else row.area


API_TOKENS = ApiTokenRows(ApiToken)
AREAS = Rows(Area)
UNITS = Rows(Unit, handed_to=lambda unit: {unit.pk})
RESIDENTS = Rows(Resident, handed_to=employers_units)
ORGANISATIONS = Rows(Organisation, handed_to=employers_units)
# Rows that units act on, for the pages about one row (Page.about).
HANDED_ROWS: dict[type, Rows] = {Resident: RESIDENTS, Organisation: ORGANISATIONS}
EXPORT_REQUESTS = ExportRequestRows(SpecialGroupExportRequest)
SPECIAL_GROUP_RECORDS = SpecialGroupRows(SpecialGroupRecord)
# In the portal and the API a notification is its recipient's alone, wherever they are.
MY_NOTIFICATIONS = Rows(
    Notification,
    owner=lambda notice: notice.recipient,
    make_mine=lambda world, actor: world.notice(actor.user),
)


# --- API -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListLike:
    """An extra action answering like `list`: the ids of the rows it returns."""

    ids: Callable[[dict], list[int]]


@dataclass(frozen=True)
class Custom:
    """An extra action with its own check: check(context) makes the request and asserts."""

    check: Callable[[CellContext], None]


@dataclass(frozen=True)
class ApiKind:
    rows: Rows
    may_write: Callable[[Actor, Any], bool] = nobody  # update a row in scope; others are 404
    may_create: Callable[[Actor, Area], bool] = nobody  # create a row in an area in scope
    may_delete: Callable[[Actor, Any], bool] | None = None  # default: may_write
    create: Callable[[World, Area], dict] | None = None  # payload: a new row inside the area
    # A create inside a hidden area fails as if the area did not exist: 400 on this field
    # (default: the first link of the model's scope_path, e.g. "grid" for grid__path).
    hidden_create_field: str = ""
    update: Callable[[World, Any, bool], dict] | None = None  # payload (row, partial)
    doomed: Callable[[World, Area, Actor], Any] | None = None  # a deletable row in the area
    extra_actions: dict[str, ListLike | Custom] = field(default_factory=dict)
    # Where a create may go, when not just the actor's scope (a department registers cases in
    # the area its unit serves).
    reaches: Callable[[Actor, Area], bool] | None = None

    def deletes(self, actor: Actor, row) -> bool:
        return (self.may_delete or self.may_write)(actor, row)

    @property
    def create_field(self) -> str:
        return self.hidden_create_field or self.rows.model.scope_path.split("__")[0]


def area_create_payload(world: World, area: Area) -> dict:
    if area.level == AreaLevel.GRID:  # nothing fits below a grid: only grid workers (403) ask
        code = area.parent.code + "998"
        return {"name": "新网格", "level": AreaLevel.GRID, "code": code, "parent": area.pk}
    return {"name": "新区域", "level": area.level + 1, "code": area.code + "598", "parent": area.pk}


def area_update_payload(world: World, area: Area, partial: bool) -> dict:
    return {"name": "改名"} if partial else {"name": "改名", "code": area.code}


def area_doomed(world: World, area: Area, actor: Actor) -> Area:
    """A leaf inside the area (a grid itself is one: only grid workers have grid positions)."""
    return area if area.level == AreaLevel.GRID else AreaFactory(parent=area, name="待删")


_resident_numbers = iter(range(900_000, 1_000_000))


def resident_create_payload(world: World, area: Area) -> dict:
    grid = new_grid_in(area)
    return {"grid": grid.pk, "name": "新居民", "id_number": id_number_for(next(_resident_numbers))}


def resident_update_payload(world: World, row: Resident, partial: bool) -> dict:
    return {"name": "改名"} if partial else {"name": "改名", "employer": "某公司"}


def resident_event_create_payload(world: World, area: Area) -> dict:
    resident = ResidentFactory(grid=new_grid_in(area))
    return {
        "resident": resident.pk,
        "kind": "status_change",
        "happened_on": datetime.date.today().isoformat(),
        "new_status": "floating",
    }


_credit_serials = iter(range(500_000, 600_000))


def new_grid_in(area: Area) -> Area:
    """The area if it is a grid, else a new grid below it: an existing one might be the
    actor's own."""
    grid = area
    while grid.level < AreaLevel.GRID:
        grid = AreaFactory(parent=grid)
    return grid


def organisation_create_payload(world: World, area: Area) -> dict:
    return {
        "grid": new_grid_in(area).pk,
        "name": "新单位",
        "kind": "enterprise",
        "credit_code": credit_code_make(serial=next(_credit_serials)),
    }


def organisation_update_payload(world: World, row: Organisation, partial: bool) -> dict:
    return {"name": "改名"} if partial else {"name": "改名", "kind": row.kind}


def vital_part_create_payload(world: World, area: Area) -> dict:
    """A part of a new key unit (row_in's default kind) in a new grid of the area."""
    return {"organisation": row_in(Organisation, new_grid_in(area)).pk, "name": "新部位"}


def vital_part_update_payload(world: World, row: VitalPart, partial: bool) -> dict:
    return {"person_responsible": "李"} if partial else {"name": "改名"}


def special_group_create_payload(world: World, area: Area) -> dict:
    """A new resident in a new grid inside the area (an existing one might be the actor's)."""
    grid = area
    while grid.level < AreaLevel.GRID:
        grid = AreaFactory(parent=grid)
    resident = row_in(Resident, grid)
    return {"resident": resident.pk, "kind": "community_correction", "since": "2026-01-05"}


def check_special_group_summary(c: CellContext) -> None:
    """Counts for everyone in scope: the row's kind counts it iff its area is in scope."""
    response = c.client.get(c.url)
    assert response.status_code == 200, response.content
    counts = {entry["kind"]: entry["open_records"] for entry in response.json()}
    assert counts[c.row.kind.code] == int(c.actor.covers(area_of(c.row)))


def house_create_payload(world: World, area: Area) -> dict:
    return {"grid": new_grid_in(area).pk, "building": "1", "unit": "1", "room": "101"}


def house_update_payload(world: World, row: House, partial: bool) -> dict:
    return {"address_line": "改"} if partial else {"building": "99", "address_line": "改"}


def household_create_payload(world: World, area: Area) -> dict:
    return {"house": HouseFactory(grid=new_grid_in(area)).pk, "kind": "floating"}


def household_update_payload(world: World, row: Household, partial: bool) -> dict:
    return {"note": "改"} if partial else {"kind": "floating", "note": "改"}


def _member_action_answers(c: CellContext, response) -> None:
    expected = (200 if ledger_keepers(c.actor) else 403) if c.visible else 404
    assert response.status_code == expected, response.content


def check_add_member(c: CellContext) -> None:
    resident = ResidentFactory(grid=c.row.house.grid)
    response = c.client.post(
        c.url, {"resident": resident.pk, "relationship": "other"}, format="json"
    )
    _member_action_answers(c, response)
    resident.refresh_from_db()
    assert (resident.household_id == c.row.pk) == (response.status_code == 200)


def check_remove_member(c: CellContext) -> None:
    resident = ResidentFactory(grid=c.row.house.grid)
    household_member_add(actor=SYSTEM, household=c.row, resident=resident, relationship="other")
    response = c.client.post(c.url, {"resident": resident.pk}, format="json")
    _member_action_answers(c, response)
    resident.refresh_from_db()
    assert (resident.household_id is None) == (response.status_code == 200)


def check_locate(c: CellContext) -> None:
    grid = grid_in(c.area, avoid=c.actor.anchor)
    point = grid.geometry.representative_point()
    if c.method == "GET":
        response = c.client.get(c.url, {"lon": point.x, "lat": point.y})
        answers = [response.json()] if response.status_code == 200 else []
    else:
        response = c.client.post(c.url, {"points": [[point.x, point.y]]}, format="json")
        answers = response.json()["results"] if response.status_code == 200 else []
    assert response.status_code == 200, response.content
    found = answers[0]["grid"]
    expected = grid.pk if c.actor.covers(grid) else None
    assert (found and found["id"]) == expected, f"locate in {grid.name}: {answers}"


def reveals_logged(row) -> int:
    from auditlog.models import LogEntry

    return LogEntry.objects.get_for_object(row).filter(action=LogEntry.Action.ACCESS).count()


def check_reveal(c: CellContext) -> None:
    """API and page alike: 404 out of scope, 403 for those who see masked, else the numbers."""
    if c.url.startswith("/api/"):
        response = c.client.post(c.url, {"reason": "核实身份"}, format="json")
    else:
        response = c.client.post(c.url, {"reason": "核实身份"})
    expected = (200 if sees_in_full(c.actor) else 403) if c.visible else 404
    assert response.status_code == expected, response.status_code
    assert reveals_logged(c.row) == (expected == 200)
    if expected == 200:
        assert c.row.id_number in response.content.decode()


def reviews_history(actor: Actor, row=None) -> bool:
    """Office staff and administrators read a record's audit trail; grid workers, leaders and
    other systems do not (User.reviews_audit_trail)."""
    return actor.user.is_superuser or actor.user.role in {Role.OFFICE_STAFF, Role.ADMIN}


def check_history(c: CellContext) -> None:
    """404 out of scope, 403 for those who do not review the audit trail, else the entries
    (the row's creation at least, registered through auditlog)."""
    response = c.client.get(c.url)
    expected = (200 if reviews_history(c.actor) else 403) if c.visible else 404
    assert response.status_code == expected, response.content
    if expected == 200:
        assert response.json()["results"], response.content


HISTORY = {"history": Custom(check_history)}


def check_search(c: CellContext) -> None:
    response = c.client.post(c.url, {"q": c.row.id_number}, format="json")
    assert response.status_code == 200, response.content
    ids = [row["id"] for row in response.json()["results"]]
    assert ids == ([c.row.pk] if c.visible else []), f"search for {c.row}: {ids}"


def check_mark_read(c: CellContext) -> None:
    response = c.client.post(c.url, {"ids": [c.row.pk]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"marked": int(c.visible)}
    c.row.refresh_from_db()
    assert (c.row.read_at is not None) == c.visible


def visit_create_payload(world: World, area: Area) -> dict:
    """A visit to a new grid below a larger area: an existing one might be the actor's own."""
    grid = area
    while grid.level < AreaLevel.GRID:
        grid = AreaFactory(parent=grid)
    return {"grid": grid.pk, "subject": "3幢2单元502住户", "purpose": "routine"}


def resident_import_create_payload(world: World, area: Area) -> dict:
    """One new person in a grid of the area, loaded at once (no dry run)."""
    grid = resident_create_payload(world, area)["grid"]
    code = Area.objects.get(pk=grid).code
    row = {"grid_code": code, "name": "新居民", "id_number": id_number_for(next(_resident_numbers))}
    return {"rows": [row], "dry_run": False}


def check_import_load(c: CellContext) -> None:
    response = c.client.post(c.url, {}, format="json")
    c.row.refresh_from_db()
    if not c.visible:
        assert response.status_code == 404, response.content
    elif not ledger_keepers(c.actor):
        assert response.status_code == 403, response.content
    else:
        assert response.status_code == 200, response.content
    assert (c.row.status == "loaded") == (response.status_code == 200)


def check_import_rejected(c: CellContext) -> None:
    response = c.client.get(c.url)
    expected = (200 if ledger_keepers(c.actor) else 403) if c.visible else 404
    assert response.status_code == expected, response.content


def export_create_payload(world: World, area: Area) -> dict:
    return {"area": area.pk, "reason": "季度台账核对"}


def risk_matter_create_payload(world: World, area: Area) -> dict:
    return {"area": area.pk, "title": "棚户区改造", "kind": "project", "sponsor": "区住建局"}


def risk_matter_update_payload(world: World, row: RiskMatter, partial: bool) -> dict:
    if partial:
        return {"title": "改名"}
    return {"title": "改名", "kind": "decision", "sponsor": "区发改委"}


def risk_assessment_create_payload(world: World, area: Area) -> dict:
    return {"matter": RiskMatterFactory(area=area).pk, "possibility": 2, "findings": "初评"}


def risk_assessment_update_payload(world: World, row: RiskAssessment, partial: bool) -> dict:
    return {"findings": "改"} if partial else {"findings": "改", "severity": 4}


def check_risk_decide(c: CellContext) -> None:
    """Not approving: 404 out of sight, 403 for all but the area's leaders, else decided."""
    if c.url.startswith("/api/"):
        response = c.client.post(
            c.url, {"decision": "not_approved", "comment": "风险过高"}, format="json"
        )
        done = 200
    else:
        response = c.client.post(c.url, {"decision": "not_approved", "comment": "风险过高"})
        done = 302
    expected = (done if risk_deciders(c.actor) else 403) if c.visible else 404
    assert response.status_code == expected, response.status_code
    c.row.refresh_from_db()
    assert (c.row.status == "not_approved") == (expected == done)


def check_risk_complete(c: CellContext) -> None:
    """The factory's draft is complete enough: 404 out of sight, 403 for those who do not
    write assessments, else completed."""
    response = (
        c.client.post(c.url, {}, format="json")
        if c.url.startswith("/api/")
        else (c.client.post(c.url))
    )
    done = 200 if c.url.startswith("/api/") else 302
    expected = (done if risk_keepers(c.actor) else 403) if c.visible else 404
    assert response.status_code == expected, response.status_code
    c.row.refresh_from_db()
    assert (c.row.status == "completed") == (expected == done)


def check_risk_consultation_add(c: CellContext) -> None:
    payload = {
        "held_on": datetime.date.today().isoformat(),
        "form": "survey",
        "participants": "住户",
        "opinions": "支持",
    }
    response = c.client.post(c.url, payload)
    expected = (302 if risk_keepers(c.actor) else 403) if c.visible else 404
    assert response.status_code == expected, response.status_code
    assert (c.row.consultations.count() == 2) == (expected == 302)


def check_risk_summary(c: CellContext) -> None:
    """Counts for those who read the register: the row's matter counts iff it is visible."""
    response = c.client.get(c.url)
    assert response.status_code == 200, response.content
    assert response.json()["total"]["matters"] == int(c.visible)


API_KINDS: dict[str, ApiKind] = {
    "unit": ApiKind(rows=UNITS),  # read-only: administrators keep units in the admin
    "area": ApiKind(
        rows=AREAS,
        may_write=below_own_root,
        may_create=administrators,
        may_delete=below_own_root,
        create=area_create_payload,
        hidden_create_field="parent",
        update=area_update_payload,
        doomed=area_doomed,
        extra_actions={
            "geojson": ListLike(ids=lambda data: [f["id"] for f in data["features"]]),
            "locate": Custom(check_locate),
        },
    ),
    "resident": ApiKind(
        rows=RESIDENTS,
        may_write=ledger_keepers,
        # An enterprise's account may register, but only its workers in its own grid: a
        # payload naming a grid is refused on that field (400), like a hidden area.
        may_create=lambda actor, area: ledger_keepers(actor) or employer_accounts(actor),
        create=resident_create_payload,
        update=resident_update_payload,
        extra_actions={
            "search": Custom(check_search),
            "reveal": Custom(check_reveal),
            "end_employment": Custom(lambda c: check_end_employment(c)),
            **HISTORY,
        },
    ),
    "resident-event": ApiKind(
        rows=Rows(ResidentEvent),
        may_create=ledger_keepers,
        create=resident_event_create_payload,
    ),
    "organisation": ApiKind(
        rows=ORGANISATIONS,
        may_write=ledger_keepers,
        may_create=ledger_keepers,
        create=organisation_create_payload,
        update=organisation_update_payload,
        extra_actions=HISTORY,
    ),
    "vital-part": ApiKind(
        rows=Rows(VitalPart),
        may_write=ledger_keepers,
        may_create=ledger_keepers,
        create=vital_part_create_payload,
        update=vital_part_update_payload,
        extra_actions=HISTORY,
    ),
    "special-group-record": ApiKind(
        rows=SPECIAL_GROUP_RECORDS,
        may_create=special_group_keepers,
        create=special_group_create_payload,
        hidden_create_field="resident",
        extra_actions={"summary": Custom(check_special_group_summary), **HISTORY},
    ),
    "special-group-kind": ApiKind(rows=CodeListRows(SpecialGroupKind)),
    # Requested, decided and downloaded through actions; never edited.
    "special-group-export": ApiKind(
        rows=EXPORT_REQUESTS,
        may_create=export_requesters,
        create=export_create_payload,
        extra_actions={
            "approve": Custom(lambda c: check_export_decide(c)),
            "refuse": Custom(lambda c: check_export_refuse(c)),
            "download": Custom(lambda c: check_export_download(c)),
        },
    ),
    # Visits are logged through the API and corrected on the pages only.
    "visit": ApiKind(
        rows=Rows(Visit),
        may_create=ledger_keepers,
        create=visit_create_payload,
        extra_actions=HISTORY,
    ),
    "notification": ApiKind(
        rows=MY_NOTIFICATIONS, extra_actions={"mark_read": Custom(check_mark_read)}
    ),
    "house": ApiKind(
        rows=Rows(House),
        may_write=ledger_keepers,
        may_create=ledger_keepers,
        create=house_create_payload,
        update=house_update_payload,
        extra_actions=HISTORY,
    ),
    "household": ApiKind(
        rows=Rows(Household),
        may_write=ledger_keepers,
        may_create=ledger_keepers,
        create=household_create_payload,
        update=household_update_payload,
        extra_actions={
            "add_member": Custom(check_add_member),
            "remove_member": Custom(check_remove_member),
            **HISTORY,
        },
    ),
    "resident-import": ApiKind(
        rows=Rows(ResidentImport),
        may_create=ledger_keepers,
        create=resident_import_create_payload,
        # The rows name their grids by code: a hidden one is a problem of the row.
        hidden_create_field="rows",
        extra_actions={
            "load": Custom(check_import_load),
            "rejected": Custom(check_import_rejected),
        },
    ),
}
API_KINDS["risk-matter"] = ApiKind(
    rows=RISK_MATTERS,
    may_write=risk_keepers,
    may_create=risk_keepers,
    create=risk_matter_create_payload,
    hidden_create_field="area",
    update=risk_matter_update_payload,
    extra_actions={"decide": Custom(check_risk_decide)},
)
API_KINDS["risk-assessment"] = ApiKind(
    rows=RISK_ASSESSMENTS,
    may_write=risk_keepers,
    may_create=risk_keepers,
    create=risk_assessment_create_payload,
    update=risk_assessment_update_payload,
    extra_actions={
        "complete": Custom(check_risk_complete),
        "summary": Custom(check_risk_summary),
    },
)
API_OTHER: dict[str, str] = {
    "api:api-root": "the list of endpoints; it holds no rows",
    # Counts per area, not rows: its scoping is tested in test_ledger_quality_api.py.
    "api:ledger-quality": "aggregate figures of the caller's scope, no rows",
}


# --- Pages -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    rows: Rows | None = None  # a page about one row...
    kwargs: Callable[[Any], dict] | None = None  # ...whose URL kwargs are built from the row
    method: str = "GET"
    # POST pages, and GET pages that answer a file: the request and its effect
    post: Callable[[CellContext], None] | None = None

    @classmethod
    def about(cls, model: type, **more) -> Page:
        """A page about one row of an area-bound model, found by its primary key `pk`."""
        rows = HANDED_ROWS.get(model) or Rows(model)
        return cls(rows=rows, kwargs=lambda row: {"pk": row.pk}, **more)


def _sheet_text(content: bytes) -> str:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return " ".join(
        str(value) for row in workbook.worksheets[0].iter_rows(values_only=True) for value in row
    )


def check_template(c: CellContext) -> None:
    response = c.client.get(c.url)
    assert response.status_code == 200, response.status_code
    header = _sheet_text(response.content)
    assert "grid code" in header or "网格编码" in header, header


def check_export(c: CellContext) -> None:
    response = c.client.get(c.url)
    assert response.status_code == 200, response.status_code
    text = _sheet_text(b"".join(response.streaming_content))
    cells = text.split()
    assert (c.row.name in cells) == c.visible, f"{c.row.name} exported: {c.row.name in cells}"
    assert c.row.id_number not in text
    hidden = [area.name for area in c.world.all_areas if not c.actor.covers(area)]
    assert not [name for name in hidden if name in cells], "an area out of scope"


def check_import_load_page(c: CellContext) -> None:
    response = c.client.post(c.url)
    c.row.refresh_from_db()
    if not c.visible:
        assert response.status_code == 404, response.status_code
    elif not ledger_keepers(c.actor):
        assert response.status_code == 403, response.status_code
    else:
        assert response.status_code == 302, response.status_code
    loaded = c.visible and ledger_keepers(c.actor)
    assert (c.row.status == "loaded") == loaded


def check_mark_read_page(c: CellContext) -> None:
    response = c.client.post(c.url, {"id": c.row.pk})
    assert response.status_code == 302, response.status_code
    c.row.refresh_from_db()
    assert (c.row.read_at is not None) == c.visible


def check_export_decide(c: CellContext) -> None:
    """Approve: 404 out of scope (or for roles that do not see requests), 403 for those
    who are not the area's leader, else approved."""
    if c.url.startswith("/api/"):
        response = c.client.post(c.url, {}, format="json")
        done = 200
    else:
        response = c.client.post(c.url, {"decision": "approve"})
        done = 302
    expected = (done if office_leads(c.actor) else 403) if c.visible else 404
    assert response.status_code == expected, response.status_code
    c.row.refresh_from_db()
    assert (c.row.status == "approved") == (expected == done)


def check_export_refuse(c: CellContext) -> None:
    response = c.client.post(c.url, {"comment": "理由不足"}, format="json")
    expected = (200 if office_leads(c.actor) else 403) if c.visible else 404
    assert response.status_code == expected, response.content
    c.row.refresh_from_db()
    assert (c.row.status == "refused") == (expected == 200)


def check_export_download(c: CellContext) -> None:
    """Only the requester downloads: every actor here is someone else (403 or 404)."""
    response = c.client.post(c.url) if c.method == "POST" else c.client.get(c.url)
    assert response.status_code == (403 if c.visible else 404), response.status_code
    c.row.refresh_from_db()
    assert c.row.downloaded_at is None


PAGES: dict[str, Page] = {
    "home": Page(),
    "notifications": Page(),
    "notifications-read": Page(rows=MY_NOTIFICATIONS, method="POST", post=check_mark_read_page),
    "password_change": Page(),
    "areas:tree": Page(),
    "areas:map": Page(),
    "areas:detail": Page.about(Area),
    "areas:children": Page.about(Area),
    "units:list": Page(),
    "units:detail": Page(rows=UNITS, kwargs=lambda row: {"pk": row.pk}),
    "residents:list": Page(),
    "residents:new": Page(),
    "residents:documents-expiring": Page(),
    "residents:detail": Page.about(Resident),
    "residents:event-new": Page.about(Resident),
    "residents:reveal": Page.about(Resident, method="POST", post=check_reveal),
    "organisations:list": Page(),
    "organisations:new": Page(),
    "organisations:detail": Page.about(Organisation),
    "organisations:edit": Page.about(Organisation),
    "organisations:vital_part_new": Page.about(Organisation),
    "special_groups:list": Page(),
    "special_groups:new": Page(),
    "special_groups:due": Page(),
    "special_groups:rates": Page(),
    "special_groups:high_risk": Page(),
    "special_groups:detail": Page(rows=SPECIAL_GROUP_RECORDS, kwargs=lambda row: {"pk": row.pk}),
    "houses:list": Page(),
    "houses:not-filed": Page(),
    "houses:new": Page(),
    "houses:detail": Page.about(House),
    "houses:edit": Page.about(House),
    "houses:household-new": Page.about(House),
    "houses:household": Page.about(Household),
    "visits:list": Page(),
    "visits:mine": Page(),
    "visits:new": Page(),
    "visits:detail": Page.about(Visit),
    "visits:correct": Page.about(Visit),
    # Files, not HTML: each is checked by its own request. The export holds a resident iff
    # the actor sees them.
    "residents:export": Page(rows=RESIDENTS, post=lambda c: check_export(c)),
    "residents:import-new": Page(),
    "residents:import-template": Page(post=lambda c: check_template(c)),
    "residents:import": Page.about(ResidentImport),
    "residents:import-load": Page(
        rows=Rows(ResidentImport),
        kwargs=lambda row: {"pk": row.pk},
        method="POST",
        post=lambda c: check_import_load_page(c),
    ),
    # The rows not loaded: for those who keep the ledger only (ID numbers in full).
    "residents:import-rejected": Page(
        rows=Rows(ResidentImport),
        kwargs=lambda row: {"pk": row.pk},
        post=lambda c: check_import_rejected(c),
    ),
    "ledger_quality:overview": Page(),
    "special_group_exports:list": Page(),
    "special_group_exports:new": Page(),
    "special_group_exports:decide": Page(
        rows=EXPORT_REQUESTS,
        kwargs=lambda row: {"pk": row.pk},
        method="POST",
        post=lambda c: check_export_decide(c),
    ),
    "special_group_exports:download": Page(
        rows=EXPORT_REQUESTS,
        kwargs=lambda row: {"pk": row.pk},
        method="POST",
        post=lambda c: check_export_download(c),
    ),
}

PAGES |= {
    "risk-matter-list": Page(),
    "risk-matter-new": Page(),
    "risk-summary": Page(),
    "risk-matter-detail": Page(rows=RISK_MATTERS, kwargs=lambda row: {"pk": row.pk}),
    # The factory's matter is undecided: it is offered for a change (403 for who may not).
    "risk-matter-edit": Page(
        rows=RISK_MATTERS, kwargs=lambda row: {"pk": row.pk}, post=lambda c: check_risk_edit(c)
    ),
    "risk-matter-decide": Page(
        rows=RISK_MATTERS,
        kwargs=lambda row: {"pk": row.pk},
        method="POST",
        post=lambda c: check_risk_decide(c),
    ),
    "risk-assessment-new": Page(
        rows=RISK_MATTERS, kwargs=lambda row: {"pk": row.pk}, post=lambda c: check_risk_edit(c)
    ),
    "risk-assessment-detail": Page(rows=RISK_ASSESSMENTS, kwargs=lambda row: {"pk": row.pk}),
    "risk-assessment-edit": Page(
        rows=RISK_ASSESSMENTS,
        kwargs=lambda row: {"pk": row.pk},
        post=lambda c: check_risk_edit(c),
    ),
    "risk-assessment-complete": Page(
        rows=RISK_ASSESSMENTS,
        kwargs=lambda row: {"pk": row.pk},
        method="POST",
        post=lambda c: check_risk_complete(c),
    ),
    "risk-consultation-add": Page(
        rows=RISK_ASSESSMENTS,
        kwargs=lambda row: {"pk": row.pk},
        method="POST",
        post=lambda c: check_risk_consultation_add(c),
    ),
}


def check_risk_edit(c: CellContext) -> None:
    """A form page for those who write the register: 404 out of sight, 403 for others."""
    response = c.client.get(c.url)
    expected = (200 if risk_keepers(c.actor) else 403) if c.visible else 404
    assert response.status_code == expected, response.status_code


# --- The two screenings ---
# A report is its unit's: department staff see their own unit's (scope_units). The matrix's
# rows are reports of a new member department, so among the actors only the superuser and
# other systems (tokens, within their area) submit them; the department's own people, the
# office staff of an office's area and grid workers compiling for their community are tested
# in tests/disputes/test_screening_services.py.
SCREENING_REPORTS = Rows(ScreeningReport, handed_to=lambda report: {report.unit_id})
SCREENING_ITEMS = Rows(ScreeningItem, handed_to=lambda item: {item.report.unit_id})
SCREENING_HOTSPOTS = Rows(ScreeningHotspot)


def screening_reporters(actor: Actor, row=None) -> bool:
    return actor.user.is_superuser or actor.user.role == Role.API_CLIENT


def hotspot_flaggers(actor: Actor, row=None) -> bool:
    return actor.user.is_superuser or actor.user.role == Role.OFFICE_STAFF


def check_screening_submit(c: CellContext) -> None:
    """Both kinds zero: 404 out of sight, 403 for who does not report for the unit."""
    payload = {"disputes_zero": True, "security_zero": True}
    if c.url.startswith("/api/"):
        response = c.client.post(c.url, payload, format="json")
        done = 200
    else:
        response = c.client.post(c.url, {"disputes_zero": "on", "security_zero": "on"})
        done = 302
    expected = (done if screening_reporters(c.actor) else 403) if c.visible else 404
    assert response.status_code == expected, response.status_code
    c.row.refresh_from_db()
    assert (c.row.state == "submitted") == (expected == done)


def check_screening_item_add(c: CellContext) -> None:
    fields = {
        "kind": "hazard",
        "title": "违章搭建",
        "severity": "general",
        "people_count": "1",
        "responsible_leader": "王",
        "deadline": (datetime.date.today() + datetime.timedelta(days=3)).isoformat(),
    }
    response = c.client.post(c.url, {f"r{c.row.pk}-{k}": v for k, v in fields.items()})
    expected = (302 if screening_reporters(c.actor) else 403) if c.visible else 404
    assert response.status_code == expected, response.status_code
    assert c.row.items.exists() == (expected == 302)


def check_screening_export(c: CellContext) -> None:
    response = c.client.get(c.url)
    assert response.status_code == 200, response.status_code
    cells = _sheet_text(b"".join(response.streaming_content)).split()
    name = c.row.unit.name
    assert (name in cells) == c.visible, f"{name} exported: {name in cells}"


def check_hotspot_lift(c: CellContext) -> None:
    response = c.client.post(c.url)
    expected = (302 if hotspot_flaggers(c.actor) else 403) if c.visible else 404
    assert response.status_code == expected, response.status_code
    c.row.refresh_from_db()
    assert (c.row.lifted_at is not None) == (expected == 302)


API_KINDS["screening"] = ApiKind(
    rows=SCREENING_REPORTS, extra_actions={"submit": Custom(check_screening_submit)}
)


def check_item_register_case(c: CellContext) -> None:
    """The matrix's entries are hazards: only a dispute is registered as a case (400 naming
    `kind` to whoever sees the entry), and a hidden one does not exist (404)."""
    response = c.client.post(c.url, {}, format="json")
    assert response.status_code == (400 if c.visible else 404), response.content
    if c.visible:
        assert set(response.json()) == {"kind"}
    c.row.refresh_from_db()
    assert c.row.case_id is None


API_KINDS["screening-item"] = ApiKind(
    rows=SCREENING_ITEMS, extra_actions={"register_case": Custom(check_item_register_case)}
)
API_KINDS["screening-period"] = ApiKind(rows=CodeListRows(ScreeningPeriod))
PAGES |= {
    "screenings:mine": Page(),
    "screenings:major": Page(),
    "screenings:overview": Page(),
    "screenings:ledger": Page(),
    "screenings:hotspots": Page(),
    "screenings:ledger-export": Page(rows=SCREENING_REPORTS, post=check_screening_export),
    "screenings:report": Page(rows=SCREENING_REPORTS, kwargs=lambda row: {"pk": row.pk}),
    "screenings:item-add": Page(
        rows=SCREENING_REPORTS,
        kwargs=lambda row: {"pk": row.pk},
        method="POST",
        post=check_screening_item_add,
    ),
    "screenings:submit": Page(
        rows=SCREENING_REPORTS,
        kwargs=lambda row: {"pk": row.pk},
        method="POST",
        post=check_screening_submit,
    ),
    "screenings:hotspot-lift": Page(
        rows=SCREENING_HOTSPOTS,
        kwargs=lambda row: {"pk": row.pk},
        method="POST",
        post=check_hotspot_lift,
    ),
}


PUBLIC: dict[str, str] = {
    "login": "the sign-in form",
    "logout": "signing out",
    "otp": "the second factor, part of signing in",
    "set_language": "the language switch",
    "healthz": "the load balancer's probe",
    "schema": "the OpenAPI document",
    "api-docs": "Swagger UI over the schema",
    "api-redoc": "ReDoc over the schema",
}
PUBLIC_PREFIXES = ("static/", "media/", "__debug__/")  # unnamed patterns served as files


# --- Admin -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScopedAdmin:
    """Rows bound to an area: changelists, forms and object views show only those in scope.
    Every ModelAdmin of a model with `scope_path` is one; declare it only to say more."""

    rows: Rows | None = None  # default: Rows(the admin's model)
    may_add: Callable[[Actor], bool] = administrators
    may_delete: Callable[[Actor, Any], bool] = administrators  # rows in scope
    may_change: Callable[[Actor, Any], bool] = administrators  # rows in scope; else read-only
    object_routes: dict[str, str] = field(default_factory=dict)  # extra url name -> pk kwarg


@dataclass(frozen=True)
class GlobalAdmin:
    """A code list without an area: administrators may read it."""

    reason: str


@dataclass(frozen=True)
class SuperuserOnlyAdmin:
    """Not for area administrators at all (403); all of its URLs are the superuser's."""

    reason: str


ADMIN_MODELS: dict[str, ScopedAdmin | GlobalAdmin | SuperuserOnlyAdmin] = {
    "grid.area": ScopedAdmin(may_delete=below_own_root, may_change=below_own_root),
    "grid.unit": ScopedAdmin(rows=UNITS),
    "governance.user": ScopedAdmin(object_routes={"auth_user_password_change": "id"}),
    # Tokens are issued and revoked, never edited.
    "governance.apitoken": ScopedAdmin(rows=API_TOKENS, may_change=nobody),
    # Notices are the system's: the admin shows them (by their recipient's area), never adds.
    "governance.notification": ScopedAdmin(may_add=nobody, may_change=nobody),
    "population.specialgroupkind": GlobalAdmin("the special-group kinds, the same everywhere"),
    # Kept on the portal's pages and the API (the services); the admin shows them read-only.
    "population.specialgrouprecord": ScopedAdmin(
        rows=SPECIAL_GROUP_RECORDS, may_add=nobody, may_change=nobody
    ),
    # Imports are checked and loaded on their pages; the admin only shows them.
    "population.residentimport": ScopedAdmin(may_add=nobody, may_change=nobody),
    # Requested and decided on the pages and the API; the admin shows them read-only.
    "population.specialgroupexportrequest": ScopedAdmin(
        rows=EXPORT_REQUESTS, may_add=nobody, may_change=nobody
    ),
    # Registered, assessed and decided on the pages and the API; the admin shows them.
    "disputes.riskmatter": ScopedAdmin(rows=RISK_MATTERS, may_add=nobody, may_change=nobody),
    "disputes.riskassessment": ScopedAdmin(
        rows=RISK_ASSESSMENTS, may_add=nobody, may_change=nobody
    ),
    "grid.teamrole": GlobalAdmin("the roles of a grid team (一格多元), the same everywhere"),
    "disputes.calendaryear": GlobalAdmin("the State Council holiday calendar, one for all"),
    "disputes.calendarday": GlobalAdmin("the State Council holiday calendar, one for all"),
    "disputes.disputecategory": GlobalAdmin("the dispute categories, the same everywhere"),
    "disputes.deadlinepolicy": GlobalAdmin("the time limits of a case's stages, one policy"),
    "auth.group": SuperuserOnlyAdmin("permissions come from roles, not groups"),
    "auditlog.logentry": SuperuserOnlyAdmin("the audit trail of the whole system"),
    "axes.accessattempt": SuperuserOnlyAdmin("login lockouts"),
    "axes.accesslog": SuperuserOnlyAdmin("login history"),
    "axes.accessfailurelog": SuperuserOnlyAdmin("failed logins"),
    "otp_totp.totpdevice": SuperuserOnlyAdmin("second-factor devices"),
    "django_celery_beat.periodictask": SuperuserOnlyAdmin("the task schedule"),
    "django_celery_beat.clockedschedule": SuperuserOnlyAdmin("the task schedule"),
    "django_celery_beat.crontabschedule": SuperuserOnlyAdmin("the task schedule"),
    "django_celery_beat.solarschedule": SuperuserOnlyAdmin("the task schedule"),
    "django_celery_beat.intervalschedule": SuperuserOnlyAdmin("the task schedule"),
}

# The two screenings: opened by the beat task, submitted on the pages and the API; the admin
# shows them (an administrator may move a period's due day).
ADMIN_MODELS |= {
    "disputes.screeningreport": ScopedAdmin(
        rows=SCREENING_REPORTS, may_add=nobody, may_change=nobody
    ),
    "disputes.screeninghotspot": ScopedAdmin(
        rows=SCREENING_HOTSPOTS, may_add=nobody, may_change=nobody
    ),
    "disputes.screeningperiod": GlobalAdmin("the screening periods, the same everywhere"),
}

# The admin site's own views, by name (unnamed ones by pattern). "checked" ones have a cell.
ADMIN_SITE: dict[str, str] = {
    "admin:index": "lists the models the user may see",
    "admin:login": "the admin's sign-in",
    "admin:logout": "signing out",
    "admin:password_change": "one's own password",
    "admin:password_change_done": "one's own password",
    "admin:jsi18n": "translations for the admin's scripts",
    "admin:app_list": "lists one app's models the user may see",
    "admin/(?P<url>.*)$": "the admin's catch-all 404",
    "admin:autocomplete": "checked: suggests only rows in scope",
    "admin:view_on_site": "checked: does not redirect to rows out of scope",
}


# --- Dispute cases (issue 8) ---------------------------------------------------------------------
# A case made for the matrix is registered by its community's office staff: the community's
# office owns it (首问负责) and it is supervised at community level, awaiting acceptance.


def _case_units(case) -> set[int]:
    return {case.owner_unit_id, *case.handoffs.values_list("to_unit_id", flat=True)}


CASES = Rows(Case, handed_to=_case_units)


def case_registrars(actor: Actor, area=None) -> bool:
    """Everyone but administrators registers cases (other systems through their tokens)."""
    return actor.user.is_superuser or actor.user.role != Role.ADMIN


def case_reaches(actor: Actor, area: Area) -> bool:
    """A department registers cases anywhere in the area its unit serves; others in scope."""
    if actor.user.role == Role.DEPARTMENT:  # its people, or its unit token
        return area.path.startswith(actor.user.unit.area.path)
    return actor.covers(area)


def case_create_payload(world: World, area: Area) -> dict:
    grid = visit_create_payload(world, area)["grid"]
    community = Area.objects.get(pk=grid).parent
    office_staff_of(community)  # its office exists, as it would in a real district
    return {
        "grid": grid,
        "title": "漏水纠纷",
        "summary": "楼上漏水",
        "category": "neighbour",
        "occurred_on": "2026-11-20",
        "parties": [{"role": "applicant", "name": "张三"}],
    }


# What each step needs, and whether a registered (not yet accepted) case allows it.
def task_group_partner(world: World) -> Unit:
    """A second department of the world's district, beside the department actor's unit."""
    district = world.users["department"].unit.area
    return Unit.objects.filter(area=district, name="区公安分局").first() or UnitFactory(
        area=district, name="区公安分局"
    )


CASE_STEP_PAYLOADS: dict[str, Callable[[World], dict]] = {
    "accept": lambda world: {"measures": "上门调解"},
    "hand_off": lambda world: {
        "to_unit": world.users["department"].unit_id,
        "kind": "transfer",
        "reason": "涉及职能部门",
    },
    "return_": lambda world: {"reason": "不属于本单位"},
    "mediate": lambda world: {
        "kind": "peoples",
        "held_on": "2026-11-25",
        "mediators": "和谐使者",
        "outcome": "达成意向",
    },
    "resolve": lambda world: {"agreement": "和解", "resolution_method": "人民调解"},
    "fail": lambda world: {"outcome": "court", "referred_to": "法院"},
    "verify": lambda world: {"satisfied": True, "evaluation": "满意"},
    "sign_off": lambda world: {},
    "send_back": lambda world: {"comment": "重办"},
    "instruct": lambda world: {"instruction": "尽快化解"},
    "take": lambda world: {},
    "reopen": lambda world: {"reason": "协议未履行"},
    "escalate": lambda world: {"reason": "逾期"},
    "extend": lambda world: {"days": 5, "reason": "当事人外出"},
    "decide_extension": lambda world: {"grant": True},
    "supervise": lambda world: {"requirement": "十日内化解", "deadline": "2099-01-01"},
    "report_back": lambda world: {"report": "已调解"},
    "lift_supervision": lambda world: {},
    "accountability": lambda world: {
        "persons": "网格长",
        "finding": "排查不细",
        "sanction": "通报",
    },
    "task_group": lambda world: {
        "units": [world.users["department"].unit_id, task_group_partner(world).pk],
        "lead": world.users["department"].unit_id,
    },
    "group_report": lambda world: {"report": "已派员核查"},
}
# A registered case: these steps apply to it (the rest answer 409 to whoever may take them).
REGISTERED_CASE_ALLOWS = {
    "task_group",
    "group_report",
    "accept",
    "hand_off",
    "instruct",
    "take",
    "escalate",
    "supervise",
    "accountability",
}


def case_step_rule(actor: Actor, case, step: str) -> bool:
    """Who may take each step, restated: the owner unit's people (an office's: the office
    staff of its area), the receiver of a hand-off, the office of the case's area, its
    leaders, its responsible leader; superusers hold every right."""
    user = actor.user
    if step == "lift_supervision":
        return False  # nothing is listed for supervision yet: no one's to lift
    if user.is_superuser:
        return True
    session = actor.via == "session"
    owner = session and (
        user.unit_id == case.owner_unit_id
        or (user.role == Role.OFFICE_STAFF and user.home_area_id == case.owner_unit.area_id)
    )
    office = session and user.role == Role.OFFICE_STAFF and actor.covers(case.grid)
    leader = user.role == Role.LEADER and actor.covers(case.grid)
    above = case.supervising_area.parent or case.supervising_area
    level_above = user.role in {Role.OFFICE_STAFF, Role.LEADER} and actor.covers(above)
    return {
        "extend": owner,
        "decide_extension": level_above,
        "supervise": office,
        "report_back": owner,
        "lift_supervision": False,  # nothing is listed for supervision yet
        "accountability": office or leader,
        "accept": owner,
        "hand_off": owner,
        "return_": False,  # nothing is handed to anyone yet
        "mediate": owner,
        "resolve": owner,
        "fail": owner,
        "verify": office,
        "sign_off": case.responsible_leader_id == user.pk,
        "send_back": case.responsible_leader_id == user.pk,
        "instruct": leader,
        "take": leader,
        "escalate": office,
        "reopen": office,
        "task_group": owner or leader,
        "group_report": False,  # no case has a task group yet: only superusers report
    }[step]


def check_case_step(step: str) -> Callable[[CellContext], None]:
    def check(c: CellContext) -> None:
        actions = c.row.actions.count()
        response = c.client.post(c.url, CASE_STEP_PAYLOADS[step](c.world), format="json")
        if not c.visible:
            expected = 404
        elif not case_step_rule(c.actor, c.row, step):
            expected = 403
        else:
            expected = 200 if step in REGISTERED_CASE_ALLOWS else 409
        assert response.status_code == expected, (step, response.content)
        assert c.row.actions.count() == actions + (expected == 200)

    return check


def check_case_from_screening_page(c: CellContext) -> None:
    """From a report's page: 404 out of sight, else back to the report with the refusal (the
    matrix's entries are hazards, not disputes)."""
    response = c.client.post(c.url, {})
    assert response.status_code == (302 if c.visible else 404), response.status_code
    c.row.refresh_from_db()
    assert c.row.case_id is None


def check_case_step_page(c: CellContext) -> None:
    """A leader takes the case on its page: 404 out of sight, else back to the case (with the
    refusal or the step done)."""
    response = c.client.post(c.url, {})
    assert response.status_code == (302 if c.visible else 404), response.status_code
    c.row.refresh_from_db()
    taken = c.visible and case_step_rule(c.actor, c.row, "take")
    assert (c.row.responsible_leader_id == c.actor.user.pk) == taken


API_KINDS["dispute"] = ApiKind(
    rows=CASES,
    may_create=case_registrars,
    create=case_create_payload,
    reaches=case_reaches,
    extra_actions={step: Custom(check_case_step(step)) for step in CASE_STEP_PAYLOADS},
)
PAGES |= {
    "cases:list": Page(),
    "cases:new": Page(),
    "cases:detail": Page(rows=CASES, kwargs=lambda row: {"pk": row.pk}),
    "cases:from-screening": Page(
        rows=SCREENING_ITEMS,
        kwargs=lambda row: {"item_pk": row.pk},
        method="POST",
        post=lambda c: check_case_from_screening_page(c),
    ),
    "cases:step": Page(
        rows=CASES,
        kwargs=lambda row: {"pk": row.pk, "step": "take"},
        method="POST",
        post=check_case_step_page,
    ),
}
ADMIN_MODELS["disputes.case"] = ScopedAdmin(
    rows=CASES, may_add=nobody, may_change=nobody, may_delete=nobody
)


# --- Token-only JSON routes outside the router ---------------------------------------------------


@dataclass(frozen=True)
class TokenApi:
    """A JSON route that is no DRF viewset and answers API tokens alone (Open311): without a
    token (anonymous, or a portal session) 401; a token sees the rows of its area and no
    other, like the viewsets."""

    rows: Rows | None = None  # None: the route holds no area-bound rows (a code list)
    kwargs: Callable[[Any], dict] | None = None  # URL kwargs, from the row (or None)
    # A list: the keys of the rows in the answer; a detail (with kwargs) is 200 or 404.
    ids: Callable[[Any], list] | None = None
    key: Callable[[Any], Any] = lambda row: row.pk  # the row as the answer names it
    # A create: the payload of a new row inside the area, outside the actor's where the area
    # leaves a choice (POSTed beside the GET); created in scope, refused with `refused` outside.
    create: Callable[[World, Area, Actor], dict] | None = None
    refused: int = 403
    # Where a create may go, when not just the token's area (a unit token: where its unit's
    # people register cases).
    reaches: Callable[[Actor, Area], bool] | None = None


def open311_create_payload(world: World, area: Area, actor: Actor) -> dict:
    grid = grid_in(area, avoid=actor.anchor)
    office_staff_of(grid.parent)  # its office exists, as it would in a real district
    point = grid.geometry.representative_point()
    return {
        "service_code": "neighbour",
        "lat": point.y,
        "long": point.x,
        "description": "楼上漏水",
        "last_name": "张",
        "first_name": "三",
    }


TOKEN_API: dict[str, TokenApi] = {
    "open311:services": TokenApi(),
    "open311:service": TokenApi(kwargs=lambda row: {"service_code": "neighbour"}),
    "open311:requests": TokenApi(
        rows=CASES,
        ids=lambda body: [request["service_request_id"] for request in body],
        key=lambda case: case.number,
        create=open311_create_payload,
        reaches=case_reaches,
    ),
    "open311:request": TokenApi(
        rows=CASES, kwargs=lambda case: {"service_request_id": case.number}
    ),
}

# The dispute figures: counts per area, not rows; their scoping is tested in
# tests/disputes/test_case_figures.py (a hidden area: 404 on the page, 400 in the API).
PAGES["cases:figures"] = Page()
API_OTHER["api:dispute-figures"] = "aggregate figures of the caller's scope, no rows"


# --- The mediator roster (D20) ------------------------------------------------------------------


def roster_keepers(actor: Actor, row=None) -> bool:
    """Office staff and administrators keep their areas' mediator roster (not through a token:
    other systems read it)."""
    return actor.user.is_superuser or actor.user.role in {Role.OFFICE_STAFF, Role.ADMIN}


API_KINDS["mediator"] = ApiKind(
    rows=Rows(Mediator),
    may_write=roster_keepers,
    may_create=roster_keepers,
    create=lambda world, area: {"area": area.pk, "name": "新调解员", "kind": "volunteer"},
    update=lambda world, row, partial: (
        {"name": "改名"} if partial else {"area": row.area_id, "name": "改名", "kind": row.kind}
    ),
)
PAGES |= {
    "cases:mediators": Page(),
    "cases:mediator-edit": Page.about(Mediator),
}


# --- Incidents at rental houses (P5) -------------------------------------------------------------


def rental_accountability_judges(actor: Actor, row=None) -> bool:
    """The office or a leader of a street or district decides (the community's head is among
    those held to account); other systems and grid workers do not."""
    user = actor.user
    return user.is_superuser or (
        user.role in {Role.OFFICE_STAFF, Role.LEADER}
        and user.home_area is not None
        and user.home_area.level < AreaLevel.COMMUNITY
    )


def rental_incident_create_payload(world: World, area: Area) -> dict:
    house = HouseFactory(grid=new_grid_in(area), is_rented=True, landlord_name="赵房东")
    return {
        "house": house.pk,
        "kind": "criminal",
        "occurred_on": "2026-11-20",
        "summary": "出租屋内发生伤害案件",
    }


def check_rental_decide(c: CellContext) -> None:
    """Decide the landlord's accountability: 404 out of scope, 403 for all but the street's
    or district's office and leaders, else decided."""
    payload = {"person": "landlord", "finding": "未履行治安责任", "sanction": "警告"}
    if c.url.startswith("/api/"):
        response = c.client.post(c.url, payload, format="json")
        done = 200
    else:
        response = c.client.post(c.url, payload)
        done = 302
    expected = (done if rental_accountability_judges(c.actor) else 403) if c.visible else 404
    assert response.status_code == expected, response.status_code
    landlord = c.row.accountability.get(person="landlord")
    assert (landlord.decided_at is not None) == (expected == done)


API_KINDS["rental-incident"] = ApiKind(
    rows=Rows(RentalIncident),
    may_create=ledger_keepers,
    create=rental_incident_create_payload,
    hidden_create_field="house",
    extra_actions={"decide": Custom(check_rental_decide)},
)
ADMIN_MODELS["population.rentalincident"] = ScopedAdmin(
    rows=Rows(RentalIncident), may_add=nobody, may_change=nobody
)
PAGES |= {
    "houses:incidents": Page(),
    "houses:incident-new": Page.about(House),
    "houses:incident": Page.about(RentalIncident),
}


# --- The register of mediation organisations (D19) ---------------------------------------------

API_KINDS["mediation-organisation"] = ApiKind(
    rows=Rows(MediationOrganisation),
    may_write=roster_keepers,
    may_create=roster_keepers,
    create=lambda world, area: {"area": area.pk, "name": "新调解组织", "kind": "peoples_room"},
    update=lambda world, row, partial: (
        {"venue": "社区服务中心二楼"}
        if partial
        else {"area": row.area_id, "name": "改名", "kind": row.kind}
    ),
)
PAGES |= {
    "cases:mediation-organisations": Page(),
    "cases:mediation-organisation": Page.about(MediationOrganisation),
}


# --- Leaders' receptions (D24) -------------------------------------------------------------------


def reception_offices(actor: Actor, row=None) -> bool:
    """Office staff publish receptions for their area's leaders through the API; a leader
    publishes only their own, and the payload names another leader (403 for leaders)."""
    return actor.user.is_superuser or actor.user.role == Role.OFFICE_STAFF


def reception_runners(actor: Actor, row=None) -> bool:
    """Leaders and office staff run a reception: cancel it, receive its bookings."""
    return actor.user.is_superuser or actor.user.role in {Role.OFFICE_STAFF, Role.LEADER}


def reception_bookers(actor: Actor, row=None) -> bool:
    """The office's desk, leaders, and other systems (a petition portal) book citizens in."""
    return actor.user.is_superuser or actor.user.role in {
        Role.OFFICE_STAFF,
        Role.LEADER,
        Role.API_CLIENT,
    }


def reception_slot_create_payload(world: World, area: Area) -> dict:
    leader = UserFactory(home_area=area, role=Role.LEADER)
    starts = timezone.now() + datetime.timedelta(days=2)
    return {
        "leader": leader.pk,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + datetime.timedelta(hours=2)).isoformat(),
        "venue": "接待室",
    }


def reception_booking_create_payload(world: World, area: Area) -> dict:
    slot = ReceptionSlotFactory(area=area)
    return {"slot": slot.pk, "name": "来访人", "phone": "13900001111", "subject": "反映问题"}


def _reception_step(c: CellContext, payload: dict | None, field: str, done_value) -> None:
    response = c.client.post(c.url, payload or {}, format="json")
    expected = (200 if reception_runners(c.actor) else 403) if c.visible else 404
    assert response.status_code == expected, response.content
    c.row.refresh_from_db()
    assert (getattr(c.row, field) == done_value) == (expected == 200)


API_KINDS["reception-slot"] = ApiKind(
    rows=Rows(ReceptionSlot),
    may_create=reception_offices,
    create=reception_slot_create_payload,
    hidden_create_field="leader",
    extra_actions={
        "cancel": Custom(
            lambda c: _reception_step(
                c, {"reason": "领导临时公务"}, "cancel_reason", "领导临时公务"
            )
        )
    },
)
API_KINDS["reception-booking"] = ApiKind(
    rows=Rows(ReceptionBooking),
    may_create=reception_bookers,
    create=reception_booking_create_payload,
    hidden_create_field="slot",
    extra_actions={
        "receive": Custom(
            lambda c: _reception_step(c, {"notes": "已当面答复"}, "status", "received")
        ),
        "no_show": Custom(lambda c: _reception_step(c, None, "status", "no_show")),
    },
)
ADMIN_MODELS["disputes.receptionslot"] = ScopedAdmin(
    rows=Rows(ReceptionSlot), may_add=nobody, may_change=nobody
)
PAGES |= {
    "cases:receptions": Page(),
    "cases:reception": Page.about(ReceptionSlot),
}


# --- Meetings on disputes (D14) -----------------------------------------------------------------


def meeting_holders(actor: Actor, row=None) -> bool:
    """Office staff and leaders record meetings; other systems too only read them."""
    return actor.user.is_superuser or actor.user.role in {Role.OFFICE_STAFF, Role.LEADER}


def check_decision_done(c: CellContext) -> None:
    """The office of the meeting's area marks a decision done (404 out of scope; 403 for the
    others, none of whom is of the responsible unit)."""
    response = c.client.post(c.url, {"note": "已办结"}, format="json")
    expected = (200 if meeting_holders(c.actor) else 403) if c.visible else 404
    assert response.status_code == expected, response.content
    c.row.refresh_from_db()
    assert (c.row.done_at is not None) == (expected == 200)


API_KINDS["meeting"] = ApiKind(
    rows=Rows(Meeting),
    may_create=meeting_holders,
    create=lambda world, area: {
        "area": area.pk,
        "kind": "consultation",
        "held_on": "2026-11-30",
        "title": "矛盾纠纷会商",
        "attendees": "综治办、司法所",
    },
)
API_KINDS["meeting-decision"] = ApiKind(
    rows=Rows(MeetingDecision), extra_actions={"done": Custom(check_decision_done)}
)
ADMIN_MODELS["disputes.meeting"] = ScopedAdmin(
    rows=Rows(Meeting), may_add=nobody, may_change=nobody
)
PAGES |= {
    "cases:meetings": Page(),
    "cases:meeting-new": Page(),
    "cases:meeting": Page.about(Meeting),
}
# --- Employers register their floating workers (以业管人, P7) ----------------------------------


def check_end_employment(c: CellContext) -> None:
    """API and page alike: 404 out of sight; else 403, for no row of the matrix is the
    actor's enterprise's worker (its own are tested in tests/population)."""
    before = c.row.employer_organisation_id
    response = c.client.post(c.url, format="json") if c.url.startswith("/api/") else None
    if response is None:
        response = c.client.post(c.url)
    assert response.status_code == (403 if c.visible else 404), response.status_code
    c.row.refresh_from_db()
    assert c.row.employer_organisation_id == before


def check_worker_new(c: CellContext) -> None:
    """The registration form: an enterprise's own account only (403 for everyone else)."""
    response = c.client.get(c.url)
    assert response.status_code == (200 if employer_accounts(c.actor) else 403)


PAGES |= {
    "residents:worker-new": Page(post=check_worker_new),
    "residents:end-employment": Page.about(
        Resident, method="POST", post=lambda c: check_end_employment(c)
    ),
    "organisations:registrations": Page(),
}
API_OTHER["api:employer-registrations"] = "aggregate figures of the caller's scope, no rows"
# --- Care records and re-verification drives (P8, P16, P23) ---------------------------------


class CareRows(Rows):
    """Care records: exactly as visible as their special-group records (SpecialGroupRows)."""

    def visible(self, actor: Actor, row) -> bool:
        return SPECIAL_GROUP_RECORDS.visible(actor, row.record)


class DriveRows(Rows):
    """Drives: over an area in scope, or over an area above the actor's own, which takes part
    in it (a grid worker checks their grid's part of the street's drive). Department staff see
    none."""

    def visible(self, actor: Actor, row) -> bool:
        if actor.user.role == Role.DEPARTMENT:  # their people and their unit's tokens
            return False
        return actor.covers(row.area) or actor.anchor.path.startswith(row.area.path)


def drive_runners(actor: Actor, row=None) -> bool:
    """Office staff and administrators open drives (not other systems: a drive is the
    office's decision)."""
    return actor.user.is_superuser or actor.user.role in {Role.OFFICE_STAFF, Role.ADMIN}


def drive_create_payload(world: World, area: Area) -> dict:
    today = datetime.date.today()
    return {
        "area": area.pk,
        "kind": "floating_cleanup",
        "title": "清理清查",
        "starts_on": today.isoformat(),
        "ends_on": (today + datetime.timedelta(days=30)).isoformat(),
    }


def care_create_payload(world: World, area: Area) -> dict:
    record = row_in(SpecialGroupRecord, new_grid_in(area))
    return {"record": record.pk, "kind": "counselling", "given_on": datetime.date.today()}


def check_drive_check(c: CellContext) -> None:
    """The `check` step: 404 out of sight; 403 for who does not keep the ledger (leaders);
    else the outcome is recorded."""
    if c.url.startswith("/api/"):
        response = c.client.post(c.url, {"outcome": "confirmed"}, format="json")
        done = 200
    else:
        response = c.client.post(c.url, {"outcome": "confirmed"})
        done = 302
    expected = (done if ledger_keepers(c.actor) else 403) if c.visible else 404
    assert response.status_code == expected, response.status_code
    c.row.refresh_from_db()
    assert (c.row.outcome == "confirmed") == (expected == done)


CARE_RECORDS = CareRows(SpecialGroupCare)
DRIVES = DriveRows(ResidentDrive)
DRIVE_CHECKS = Rows(DriveCheck)

API_KINDS |= {
    "special-group-care": ApiKind(
        rows=CARE_RECORDS,
        may_create=special_group_keepers,
        create=care_create_payload,
        hidden_create_field="record",
    ),
    "resident-drive": ApiKind(
        rows=DRIVES,
        may_create=drive_runners,
        create=drive_create_payload,
        # A drive covers a district, street or community: one over a grid is refused (400).
        reaches=lambda actor, area: actor.covers(area) and area.level != AreaLevel.GRID,
    ),
    "drive-check": ApiKind(rows=DRIVE_CHECKS, extra_actions={"check": Custom(check_drive_check)}),
}
PAGES |= {
    "drives:list": Page(),
    "drives:new": Page(),
    "drives:detail": Page(rows=DRIVES, kwargs=lambda row: {"pk": row.pk}),
    "drives:check": Page(
        rows=DRIVE_CHECKS,
        kwargs=lambda row: {"pk": row.pk},
        method="POST",
        post=lambda c: check_drive_check(c),
    ),
}
ADMIN_MODELS |= {
    # Recorded on the pages and the API (the services); the admin shows them read-only.
    "population.specialgroupcare": ScopedAdmin(
        rows=CARE_RECORDS, may_add=nobody, may_change=nobody
    ),
    # The admin's lists are the strict scope (no drives over the areas above).
    "population.residentdrive": ScopedAdmin(
        rows=Rows(ResidentDrive), may_add=nobody, may_change=nobody
    ),
    "population.drivecheck": ScopedAdmin(may_add=nobody, may_change=nobody),
}


# --- Compounds (四位一体, P27) and internal security bodies (P13) ------------------------------


def security_body_remove_page(c: CellContext) -> None:
    """The organisation page's remove button: 404 out of scope, 403 for those who read the
    ledger only, else removed."""
    response = c.client.post(c.url)
    expected = (302 if ledger_keepers(c.actor) else 403) if c.visible else 404
    assert response.status_code == expected, response.status_code
    assert SecurityBody.objects.filter(pk=c.row.pk).exists() == (expected != 302)


API_KINDS["compound"] = ApiKind(
    rows=Rows(Compound),
    may_write=ledger_keepers,
    may_create=ledger_keepers,
    create=lambda world, area: {"grid": new_grid_in(area).pk, "name": "新小区"},
    update=lambda world, row, partial: (
        {"party_organisation": "党支部"} if partial else {"name": "改名"}
    ),
)
API_KINDS["security-body"] = ApiKind(
    rows=Rows(SecurityBody),
    may_write=ledger_keepers,
    may_create=ledger_keepers,
    create=lambda world, area: {
        "organisation": row_in(Organisation, new_grid_in(area)).pk,
        "kind": "guard_team",
    },
    update=lambda world, row, partial: (
        {"head_name": "李"} if partial else {"kind": "mediation", "member_count": 3}
    ),
)
PAGES |= {
    "compounds:list": Page(),
    "compounds:new": Page(),
    "compounds:detail": Page.about(Compound),
    "compounds:edit": Page.about(Compound),
    "security_bodies:new": Page.about(Organisation),
    "security_bodies:edit": Page.about(SecurityBody),
    "security_bodies:remove": Page.about(
        SecurityBody, method="POST", post=security_body_remove_page
    ),
}
