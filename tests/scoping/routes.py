"""What the scoping matrix (the tests of tests/scoping/) expects of every route.

The matrix walks the URL configuration and looks every route up here. A route that none of
these tables classifies fails `test_every_route_is_declared` with its name, so a new page,
API viewset or admin registers itself here by one entry:

- API_KINDS[basename]: a DRF viewset on the router, by its basename. Name the rows it serves
  (`Rows`: how to make "a row of this kind located in area X" and whose rows they are), who
  may write, the payloads for create/update, and how to check each extra @action.
- API_OTHER[name]: any other API route (it holds no rows; anonymous calls are refused).
- PAGES[name]: a portal page. With `rows` and `kwargs` it is a page about one row (its URL
  is built for a row in each area position); without, a page every signed-in person may open.
- PUBLIC[name] / PUBLIC_PREFIXES: reachable without signing in (they show no rows).
- ADMIN_MODELS[label]: every ModelAdmin in admin.site._registry (ScopedAdmin, GlobalAdmin or
  SuperuserOnlyAdmin); its standard views follow, extra admin URLs are named in object_routes.
- ADMIN_SITE[name]: the admin site's own views.

The expectations follow the one rule of governance/scoping.py, restated here independently:
a row is visible iff its area is inside the actor's scope subtree (the token's area for API
tokens; everything for superusers), and personal rows only to their owner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from governance.models import ApiToken, Notification, Role, User
from grid.models import Area, AreaLevel

if TYPE_CHECKING:  # the World and the cell context live in tests/scoping/world.py
    from tests.scoping.world import Actor, CellContext, World

# --- Who asks, and from where ---------------------------------------------------------------


@dataclass(frozen=True)
class ActorSpec:
    user: str  # key in World.users (the conftest `users` fixture, plus "street_leader")
    anchor: str  # key in World.areas: the actor's scope root and the origin of the positions
    via: str = "session"  # or "token": an API key scoped to `anchor` (APIs only)
    everything: bool = False  # superusers see every row, wherever it is


ACTORS: dict[str, ActorSpec] = {
    "grid_worker@grid_a": ActorSpec("grid_worker_a", "grid_a"),
    "office_staff@community_a": ActorSpec("community_office", "community_a"),
    "office_staff@street_a": ActorSpec("street_office", "street_a"),
    "leader@district": ActorSpec("leader", "district"),
    "leader@street_a": ActorSpec("street_leader", "street_a"),
    "admin@district": ActorSpec("admin", "district"),
    "admin@street_a": ActorSpec("street_admin", "street_a"),
    "token@street_a": ActorSpec("api_client", "street_a", via="token"),
    "superuser": ActorSpec("superuser", "street_a", everything=True),
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


# --- Rows: "an object of this kind located in a given area" ----------------------------------


@dataclass(frozen=True)
class Rows:
    model: type
    make: Callable[[World, Area, Actor], Any]  # a row located in the area
    area_of: Callable[[Any], Area | None] | None = None  # where a row is (area-bound rows)
    owner: Callable[[Any], User] | None = None  # whose a row is (personal rows)
    make_mine: Callable[[World, Actor], Any] | None = None  # a row of the actor's own

    @property
    def personal(self) -> bool:
        return self.owner is not None

    def visible(self, actor: Actor, row) -> bool:
        if self.personal:
            return self.owner(row).pk == actor.user.pk
        return actor.covers(self.area_of(row))


AREAS = Rows(model=Area, make=lambda world, area, actor: area, area_of=lambda area: area)
USERS = Rows(
    model=User,
    make=lambda world, area, actor: world.bystander(area),
    area_of=lambda user: user.home_area,
)
TOKENS = Rows(
    model=ApiToken,
    make=lambda world, area, actor: world.token_row(area),
    area_of=lambda token: token.area,
)
# In the portal and the API a notification is its recipient's alone, wherever they are.
MY_NOTIFICATIONS = Rows(
    model=Notification,
    make=lambda world, area, actor: world.notice(world.bystander(area)),
    owner=lambda notice: notice.recipient,
    make_mine=lambda world, actor: world.notice(actor.user),
)
# In the admin, notifications are scoped by their recipient's home area.
NOTIFICATIONS_BY_AREA = Rows(
    model=Notification,
    make=lambda world, area, actor: world.notice(world.bystander(area)),
    area_of=lambda notice: notice.recipient.home_area,
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


def nobody(actor: Actor) -> bool:
    return False


def administrators(actor: Actor) -> bool:
    return actor.user.is_superuser or actor.user.role == Role.ADMIN


@dataclass(frozen=True)
class ApiKind:
    rows: Rows
    may_write: Callable[[Actor], bool] = nobody  # for rows in scope; others are 404
    # ... and of those who may write, on which rows in scope they may update (else 403).
    may_change: Callable[[Actor, Any], bool] = lambda actor, row: True
    create: Callable[[World, Area], dict] | None = None  # payload: a new row inside the area
    # A create inside a hidden area fails as if the area did not exist: 400 on this field.
    hidden_create_field: str = ""
    update: Callable[[World, Any, bool], dict] | None = None  # payload (row, partial)
    doomed: Callable[[World, Area, Actor], Any] | None = None  # a deletable row in the area
    extra_actions: dict[str, ListLike | Custom] = field(default_factory=dict)


def area_create_payload(world: World, area: Area) -> dict:
    if area.level == AreaLevel.GRID:  # nothing fits below a grid: only grid workers (403) ask
        code = area.parent.code + "998"
        return {"name": "新网格", "level": AreaLevel.GRID, "code": code, "parent": area.pk}
    return {"name": "新区域", "level": area.level + 1, "code": area.code + "598", "parent": area.pk}


def area_update_payload(world: World, area: Area, partial: bool) -> dict:
    return {"name": "改名"} if partial else {"name": "改名", "code": area.code}


def area_doomed(world: World, area: Area, actor: Actor) -> Area:
    """A leaf inside the area (a grid itself is one: only grid workers have grid positions)."""
    return area if area.level == AreaLevel.GRID else world.fresh_child(area)


def check_locate(c: CellContext) -> None:
    grid = c.world.grid_in(c.area, avoid=c.actor.anchor)
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


def check_mark_read(c: CellContext) -> None:
    response = c.client.post(c.url, {"ids": [c.row.pk]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"marked": int(c.visible)}
    c.row.refresh_from_db()
    assert (c.row.read_at is not None) == c.visible


API_KINDS: dict[str, ApiKind] = {
    "area": ApiKind(
        rows=AREAS,
        may_write=administrators,
        may_change=lambda actor, area: below_root(actor, area),
        create=area_create_payload,
        hidden_create_field="parent",
        update=area_update_payload,
        doomed=area_doomed,
        extra_actions={
            "geojson": ListLike(ids=lambda data: [f["id"] for f in data["features"]]),
            "locate": Custom(check_locate),
        },
    ),
    "notification": ApiKind(
        rows=MY_NOTIFICATIONS, extra_actions={"mark_read": Custom(check_mark_read)}
    ),
}
API_OTHER: dict[str, str] = {"api:api-root": "the list of endpoints; it holds no rows"}


# --- Pages -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    rows: Rows | None = None  # a page about one row...
    kwargs: Callable[[Any], dict] | None = None  # ...whose URL kwargs are built from the row
    method: str = "GET"
    post: Callable[[CellContext], None] | None = None  # POST pages: the request and its effect


def check_mark_read_page(c: CellContext) -> None:
    response = c.client.post(c.url, {"id": c.row.pk})
    assert response.status_code == 302, response.status_code
    c.row.refresh_from_db()
    assert (c.row.read_at is not None) == c.visible


PAGES: dict[str, Page] = {
    "home": Page(),
    "notifications": Page(),
    "notifications-read": Page(rows=MY_NOTIFICATIONS, method="POST", post=check_mark_read_page),
    "password_change": Page(),
    "areas:tree": Page(),
    "areas:map": Page(),
    "areas:detail": Page(rows=AREAS, kwargs=lambda area: {"pk": area.pk}),
    "areas:children": Page(rows=AREAS, kwargs=lambda area: {"pk": area.pk}),
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
    """Rows bound to an area: changelists, forms and object views show only those in scope."""

    rows: Rows
    may_delete: Callable[[Actor, Any], bool] = lambda actor, row: True  # rows in scope
    may_change: Callable[[Actor, Any], bool] = lambda actor, row: True  # else read-only
    object_routes: dict[str, str] = field(default_factory=dict)  # extra url name -> pk kwarg


@dataclass(frozen=True)
class GlobalAdmin:
    """A code list without an area: administrators may read it."""

    reason: str


@dataclass(frozen=True)
class SuperuserOnlyAdmin:
    """Not for area administrators at all (403); all of its URLs are the superuser's."""

    reason: str


def nobody_changes(actor: Actor, row: Any) -> bool:
    return False


def below_root(actor: Actor, area: Area) -> bool:
    # An administrator changes and deletes what lies strictly below their scope root; the root
    # itself (its name, code, boundary, existence) is set by the level above.
    return actor.everything or (area.parent is not None and actor.covers(area.parent))


ADMIN_MODELS: dict[str, ScopedAdmin | GlobalAdmin | SuperuserOnlyAdmin] = {
    "grid.area": ScopedAdmin(AREAS, may_delete=below_root, may_change=below_root),
    "governance.user": ScopedAdmin(USERS, object_routes={"auth_user_password_change": "id"}),
    # Tokens are revoked, not edited; notifications are read, not edited.
    "governance.apitoken": ScopedAdmin(TOKENS, may_change=nobody_changes),
    "governance.notification": ScopedAdmin(NOTIFICATIONS_BY_AREA, may_change=nobody_changes),
    "grid.teamrole": GlobalAdmin("the roles of a grid team (一格多元), the same everywhere"),
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
