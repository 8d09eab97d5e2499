"""The access matrix, generated from the URL configuration.

Every route of `django.urls.get_resolver()` (API router, pages, admin) is classified by the
tables of tests/scoping_routes.py; a route they do not classify fails
`test_every_route_is_declared` with its name. From the classification the cells follow:

- API: viewset route x HTTP method/action x actor (ACTORS) x position of the row relative to
  the actor (own, parent, sibling, child; "mine" for personal rows). A row in scope is listed
  and readable; out of scope it is absent from lists, 404 for detail/update/delete and "does
  not exist" for a create under it; writes in scope are 403 for those who may not write.
- Pages: page x actor (x position for pages about one row): 200 in scope, 404 outside, and no
  name of an area outside the actor's scope nor anyone else's notification in the HTML.
- Admin: ModelAdmin x view x administrator x position; everyone else is sent to the login.
- Refusals: anonymous callers (401/403 JSON from the API, a redirect from pages and admin),
  API client accounts on pages (by session: 403; by token: not signed in).

The district, users and rows are built once per module inside one transaction; every cell
runs in a savepoint of it and leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.forms import ModelChoiceField
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import URLResolver, get_resolver, include, path, reverse
from django.urls.resolvers import RoutePattern
from django.utils import timezone
from django_filters import ModelChoiceFilter, ModelMultipleChoiceFilter
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import viewsets
from rest_framework.routers import DefaultRouter
from rest_framework.test import APIClient
from rest_framework.viewsets import ViewSetMixin

from governance.models import ApiToken, Notification, Role, User
from governance.services import api_token_issue
from grid.models import Area, AreaLevel
from tests import scoping_routes as declared
from tests.conftest import PASSWORD, district_create, login, make_user, named_areas

HOW_TO_DECLARE = "Declare it in tests/scoping_routes.py (see its docstring)."

# --- The routes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    key: str  # the namespaced name, or the pattern of an unnamed route
    name: str | None
    pattern: str
    callback: Any
    namespaces: tuple[str, ...]
    kwargs: frozenset[str]

    def __str__(self) -> str:
        return self.key


def _kwargs_of(pattern) -> set[str]:
    if isinstance(pattern, RoutePattern):
        return set(pattern.converters)
    return set(pattern.regex.groupindex)


def _walk(resolver, prefix="", namespaces=(), kwargs=frozenset()):
    for entry in resolver.url_patterns:
        here = kwargs | _kwargs_of(entry.pattern)
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from _walk(entry, pattern, inner, here)
        else:
            name = ":".join((*namespaces, entry.name)) if entry.name else None
            yield Route(name or pattern, name, pattern, entry.callback, namespaces, here)


def all_routes() -> list[Route]:
    """Every URL pattern once (a DRF format-suffix twin shares its route's name)."""
    routes: dict[str, Route] = {}
    for route in _walk(get_resolver()):
        routes.setdefault(route.key, route)
    return list(routes.values())


class Undeclared(Exception):
    pass


@dataclass(frozen=True)
class Classified:
    category: str  # public, page, api, api-other, admin-site, admin-model
    spec: Any = None
    model_admin: Any = None


STANDARD_ACTIONS = {"list", "retrieve", "create", "update", "partial_update", "destroy"}
ADMIN_VIEWS = {"changelist", "add", "change", "delete", "history"}


def model_admin_of(callback) -> admin.ModelAdmin | None:
    owner = getattr(callback, "model_admin", None)  # ModelAdmin.get_urls marks its views
    seen = callback
    while owner is None and seen is not None:  # extra URLs: admin_view(self.some_view)
        bound = getattr(seen, "__self__", None)
        owner = bound if isinstance(bound, admin.ModelAdmin) else None
        seen = getattr(seen, "__wrapped__", None)
    return owner


def _classify_api(route: Route) -> Classified:
    cls = getattr(route.callback, "cls", None)
    actions = getattr(route.callback, "actions", None)
    if cls is not None and issubclass(cls, ViewSetMixin) and actions:
        basename = route.callback.initkwargs.get("basename")
        kind = declared.API_KINDS.get(basename)
        if kind is None:
            raise Undeclared(
                f"API route {route.key} ({route.pattern}) is served by "
                f"{cls.__module__}.{cls.__name__}, registered with basename {basename!r}, "
                f"which is not declared. Add API_KINDS[{basename!r}] = ApiKind(rows=...) to "
                "tests/scoping_routes.py: which rows it serves, who may write, the payloads."
            )
        unknown = sorted(
            action
            for action in set(actions.values())
            if action not in STANDARD_ACTIONS and action not in kind.extra_actions
        )
        if unknown:
            raise Undeclared(
                f"API route {route.key} ({route.pattern}): the extra action(s) {unknown} of "
                f"{cls.__name__} are not declared. Add them to "
                f"API_KINDS[{basename!r}].extra_actions in tests/scoping_routes.py as "
                "ListLike(ids=...) or Custom(check)."
            )
        return Classified("api", kind)
    if route.key in declared.API_OTHER:
        return Classified("api-other", declared.API_OTHER[route.key])
    raise Undeclared(
        f"API route {route.key} ({route.pattern}) is not a router viewset and is not declared. "
        "Add it to API_OTHER (or register a viewset and declare its basename in API_KINDS) "
        "in tests/scoping_routes.py."
    )


def _classify_admin(route: Route) -> Classified:
    if route.key in declared.ADMIN_SITE:
        return Classified("admin-site", declared.ADMIN_SITE[route.key])
    owner = model_admin_of(route.callback)
    if owner is None:
        raise Undeclared(
            f"Admin route {route.key} ({route.pattern}) belongs to no ModelAdmin and is not "
            "declared. Add it to ADMIN_SITE in tests/scoping_routes.py."
        )
    label = owner.model._meta.label_lower
    spec = declared.ADMIN_MODELS.get(label)
    if spec is None:
        raise Undeclared(
            f"Admin route {route.key} ({route.pattern}) belongs to {type(owner).__name__} for "
            f"{label}, which is not declared. Add ADMIN_MODELS[{label!r}] to "
            "tests/scoping_routes.py (ScopedAdmin, GlobalAdmin or SuperuserOnlyAdmin)."
        )
    if route.name is None or isinstance(spec, declared.SuperuserOnlyAdmin):
        return Classified("admin-model", spec, owner)
    url_name = route.name.split(":", 1)[1]
    info = f"{owner.opts.app_label}_{owner.opts.model_name}_"
    if url_name.removeprefix(info) in ADMIN_VIEWS and url_name.startswith(info):
        return Classified("admin-model", spec, owner)
    if isinstance(spec, declared.ScopedAdmin) and url_name in spec.object_routes:
        return Classified("admin-model", spec, owner)
    raise Undeclared(
        f"Admin route {route.key} ({route.pattern}) is an extra URL of {type(owner).__name__}. "
        f"Name it in ADMIN_MODELS[{label!r}].object_routes in tests/scoping_routes.py."
    )


def classify(route: Route) -> Classified:
    if "admin" in route.namespaces:
        return _classify_admin(route)
    if "api" in route.namespaces:
        return _classify_api(route)
    if route.key in declared.PUBLIC or route.pattern.lstrip("^").startswith(
        declared.PUBLIC_PREFIXES
    ):
        return Classified("public", declared.PUBLIC.get(route.key))
    if route.key in declared.PAGES:
        return Classified("page", declared.PAGES[route.key])
    raise Undeclared(
        f"Route {route.key} ({route.pattern}, view {getattr(route.callback, '__module__', '?')}."
        f"{getattr(route.callback, '__name__', '?')}) is not declared. Add it to PAGES (a portal "
        "page; for a page about one row, with rows= and kwargs=), or to PUBLIC if it shows no "
        "rows and needs no sign-in, in tests/scoping_routes.py."
    )


ROUTES = all_routes()
CLASSIFIED: dict[str, Classified] = {}
for _route in ROUTES:
    with contextlib.suppress(Undeclared):  # test_every_route_is_declared names it
        CLASSIFIED[_route.key] = classify(_route)


def routes_of(category: str) -> list[Route]:
    return [r for r in ROUTES if r.key in CLASSIFIED and CLASSIFIED[r.key].category == category]


# --- The world: one district, the actors, rows in every position ---------------------------


@dataclass
class Actor:
    key: str
    user: User
    anchor: Area  # scope root (the token's area for the token actor); origin of positions
    via: str
    everything: bool

    def covers(self, area: Area | None) -> bool:
        """The one rule, restated: the area lies in the actor's scope subtree."""
        return self.everything or (area is not None and area.path.startswith(self.anchor.path))


@dataclass
class CellContext:
    world: World
    actor: Actor
    area: Area  # the area of the position
    row: Any  # the row of the position
    visible: bool
    client: Any
    url: str
    method: str


def notice_title(user: User) -> str:
    return f"[notice for {user.username}]"


class World:
    def __init__(self) -> None:
        district = district_create()
        self.areas = named_areas(district)
        del self.areas["grid_other_street"]  # the matrix takes positions relative to its anchors
        street_a, community_a, grid_a = (
            self.areas[n] for n in ("street_a", "community_a", "grid_a")
        )
        self.all_areas = list(Area.objects.all())
        self.users = {
            "grid_worker_a": make_user("t_gw_a", Role.GRID_WORKER, grid_a),
            "community_office": make_user("t_office_c", Role.OFFICE_STAFF, community_a),
            "street_office": make_user("t_office_a", Role.OFFICE_STAFF, street_a),
            "leader": make_user("t_leader", Role.LEADER, district),
            "street_leader": make_user("t_leader_a", Role.LEADER, street_a),
            "admin": make_user("t_admin", Role.ADMIN, district),
            "street_admin": make_user("t_admin_a", Role.ADMIN, street_a),
            "api_client": make_user("t_client", Role.API_CLIENT, district),
            "superuser": User.objects.create_superuser(
                "t_root", password=PASSWORD, role=Role.ADMIN
            ),
        }
        _, self.token_key = api_token_issue(
            actor=self.users["admin"], client=self.users["api_client"], name="a", area=street_a
        )
        self._bystanders = {
            area.pk: make_user(
                f"t_by_{area.code}",
                Role.GRID_WORKER if area.level == AreaLevel.GRID else Role.OFFICE_STAFF,
                area,
            )
            for area in self.all_areas
        }
        # One notice per person, so that a page showing someone else's is caught.
        self.noticed = [*self.users.values(), *self._bystanders.values()]
        for user in self.noticed:
            self.notice(user)
        self.actors = {
            key: Actor(
                key=key,
                user=self.users[spec.user],
                anchor=self.areas[spec.anchor],
                via=spec.via,
                everything=spec.everything,
            )
            for key, spec in declared.ACTORS.items()
        }
        # Sessions made here outlive every test's savepoint: signing in once per user.
        self._sessions: dict[int, str] = {}
        for user in self.users.values():
            self.signed_in(Client(), user)

    # Rows, for the factories of tests/scoping_routes.py ---------------------------------

    def bystander(self, area: Area) -> User:
        """Another person whose home area is `area`."""
        return self._bystanders[area.pk]

    def notice(self, user: User) -> Notification:
        return Notification.objects.create(recipient=user, kind="test", title=notice_title(user))

    def token_row(self, area: Area) -> ApiToken:
        return ApiToken.objects.create(
            client=self.users["api_client"],
            name=f"token {area.code}",
            area=area,
            prefix=secrets.token_hex(4),
            secret_hash="-",
            expires_at=timezone.now() + timedelta(days=1),
        )

    def grid_in(self, area: Area, avoid: Area) -> Area:
        """A grid inside `area`, outside `avoid` where there is one."""
        grids = list(Area.objects.filter(level=AreaLevel.GRID, path__startswith=area.path))
        outside = [grid for grid in grids if not grid.path.startswith(avoid.path)]
        return (outside or grids)[0]

    def fresh_child(self, area: Area) -> Area:
        """A new leaf just below `area` (no boundary, no users: it can be deleted)."""
        child = Area.objects.create(
            name="待删", level=area.level + 1, code=area.code + "597", parent=area, path=""
        )
        child.path = f"{area.path}{child.pk}/"
        child.save(update_fields=["path"])
        return child

    # Actors ------------------------------------------------------------------------------

    def actor(self, key: str) -> Actor:
        return self.actors[key]

    def position_area(self, actor_key: str, position: str) -> Area:
        anchor = declared.ACTORS[actor_key].anchor
        name = anchor if position == declared.MINE else declared.POSITIONS[anchor][position]
        return self.areas[name]

    def row_for(self, rows: declared.Rows, actor: Actor, position: str):
        if position == declared.MINE:
            return rows.make_mine(self, actor)
        return rows.make(self, self.position_area(actor.key, position), actor)

    def signed_in(self, client, user: User):
        """The client with the user's session (signed in once, second factor passed)."""
        if user.pk not in self._sessions:
            login(client, user)
            self._sessions[user.pk] = client.cookies[settings.SESSION_COOKIE_NAME].value
        client.cookies[settings.SESSION_COOKIE_NAME] = self._sessions[user.pk]
        return client

    def api_client(self, actor: Actor) -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        if actor.via == "token":
            client.credentials(HTTP_AUTHORIZATION=f"Token {self.token_key}")
            return client
        return self.signed_in(client, actor.user)

    def page_client(self, user: User) -> Client:
        return self.signed_in(Client(HTTP_ACCEPT_LANGUAGE="en"), user)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside one transaction that is rolled back at its end;
    each test (`db`) runs in a savepoint of it."""
    with django_db_blocker.unblock():
        assert connection.settings_dict["NAME"].startswith("test_"), "not the test database"
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = World()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def db(world, django_db_blocker):
    """This module's `db`: one savepoint of the world's transaction per cell, rolled back
    after it. (pytest-django's `db` opens a whole TestCase per test, which costs more than most
    cells; the name still tells pytest-django to create the test database.)"""
    with django_db_blocker.unblock(), transaction.atomic():
        yield world
        transaction.set_rollback(True)


# --- Shared assertions -------------------------------------------------------------------------

CJK = "\u4e00-\u9fff"


def assert_nothing_hidden_shown(world: World, actor: Actor, html: str) -> None:
    """No name of an area outside the actor's scope, and no one else's notice, in a page."""
    for area in world.all_areas:
        if not actor.covers(area):
            shown = re.search(rf"(?<![{CJK}]){re.escape(area.name)}(?![{CJK}])", html)
            assert not shown, f"{actor.key} is shown {area.name} ({area.code}), outside its scope"
    for user in world.noticed:
        if user.pk != actor.user.pk:
            assert notice_title(user) not in html, f"{actor.key} is shown {user}'s notification"


def scoped_area(obj) -> Area | None:
    """Follow a model's `scope_path` (e.g. recipient__home_area__path) to its area."""
    for part in obj.scope_path.split("__")[:-1]:
        obj = getattr(obj, part) if obj is not None else None
    return obj


def assert_scoped_choices(actor: Actor, form, where: str) -> None:
    """Every choice a form offers among area-bound rows lies in the actor's scope."""
    meta = getattr(form, "_meta", None)
    own_pk = meta.model._meta.pk.name if meta else None  # a formset's row id: Django scopes it
    for name, form_field in form.fields.items():
        if (
            name != own_pk
            and isinstance(form_field, ModelChoiceField)
            and hasattr(form_field.queryset.model, "scope_path")
        ):
            outside = [obj for obj in form_field.queryset if not actor.covers(scoped_area(obj))]
            assert not outside, f"{where}: field {name!r} offers {outside[:3]} to {actor.key}"


def snapshot(row) -> dict:
    return model_to_dict(type(row).objects.get(pk=row.pk))


def is_login_redirect(response, login_url: str) -> bool:
    return response.status_code == 302 and response.url.startswith(login_url)


# --- Every route is declared ---------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_every_route_is_declared(route):
    try:
        classify(route)
    except Undeclared as undeclared:
        pytest.fail(f"{undeclared} {HOW_TO_DECLARE}", pytrace=False)


@pytest.mark.parametrize(
    "model", list(admin.site._registry), ids=lambda model: model._meta.label_lower
)
def test_every_model_admin_is_declared(model):
    label = model._meta.label_lower
    if label not in declared.ADMIN_MODELS:
        pytest.fail(
            f"{type(admin.site._registry[model]).__name__} for {label} is registered in the admin "
            f"but ADMIN_MODELS[{label!r}] in tests/scoping_routes.py does not say whose rows it "
            "shows (ScopedAdmin, GlobalAdmin or SuperuserOnlyAdmin).",
            pytrace=False,
        )


def test_an_undeclared_route_fails_naming_it():
    class WidgetViewSet(viewsets.ReadOnlyModelViewSet):
        queryset = Area.objects.none()

    router = DefaultRouter()
    router.register("widgets", WidgetViewSet, basename="widget")
    urlconf = SimpleNamespace(
        url_patterns=[
            path("secret/", lambda request: None, name="secret-page"),
            path("api/v1/", include((router.urls, "api"))),
        ]
    )
    routes = {route.key: route for route in _walk(urlconf)}
    with pytest.raises(Undeclared, match=r"Route secret-page \(secret/.*Add it to PAGES"):
        classify(routes["secret-page"])
    with pytest.raises(Undeclared, match=r"api:widget-list .*API_KINDS\['widget'\]"):
        classify(routes["api:widget-list"])


def test_the_declarations_name_routes_that_exist():
    basenames = {
        r.callback.initkwargs.get("basename") for r in routes_of("api") if r.callback.initkwargs
    }
    keys = {route.key for route in ROUTES}
    registered = {model._meta.label_lower for model in admin.site._registry}
    stale = (
        [f"API_KINDS[{b!r}]" for b in declared.API_KINDS if b not in basenames]
        + [f"API_OTHER[{k!r}]" for k in declared.API_OTHER if k not in keys]
        + [f"PAGES[{k!r}]" for k in declared.PAGES if k not in keys]
        + [f"PUBLIC[{k!r}]" for k in declared.PUBLIC if k not in keys]
        + [f"ADMIN_SITE[{k!r}]" for k in declared.ADMIN_SITE if k not in keys]
        + [f"ADMIN_MODELS[{k!r}]" for k in declared.ADMIN_MODELS if k not in registered]
    )
    assert not stale, f"tests/scoping_routes.py declares what no longer exists: {stale}"


def test_the_matrix_is_not_empty():
    assert routes_of("api") and routes_of("page") and API_CELLS and PAGE_CELLS and ADMIN_CELLS


# --- API ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiCell:
    route: Route
    method: str
    action: str
    actor: str
    position: str

    def __str__(self) -> str:
        return f"{self.route.key}:{self.method}:{self.action}/{self.actor}/{self.position}"


def positions_of(actor_key: str, personal: bool) -> list[str]:
    around = list(declared.POSITIONS[declared.ACTORS[actor_key].anchor])
    return [declared.MINE, *around] if personal else around


API_CELLS = [
    ApiCell(route, method.upper(), action, actor_key, position)
    for route in routes_of("api")
    for method, action in route.callback.actions.items()
    for actor_key in declared.ACTORS
    for position in positions_of(actor_key, CLASSIFIED[route.key].spec.rows.personal)
]


def api_url(route: Route, row=None) -> str:
    lookup = route.callback.cls.lookup_field
    kwargs = {name: getattr(row, lookup) for name in route.kwargs if name != "format"}
    return reverse(route.name, kwargs=kwargs)


def scoped_filters(view_cls, model) -> list[tuple[str, type]]:
    """The list's filters that name an area-bound row by id (e.g. ?parent=<area id>)."""
    view = view_cls()
    filterset = DjangoFilterBackend().get_filterset_class(view, model.objects.all())
    if filterset is None:
        return []
    found = []
    for name, flt in filterset.base_filters.items():
        if isinstance(flt, ModelChoiceFilter | ModelMultipleChoiceFilter):
            target = filterset._meta.model._meta.get_field(flt.field_name).related_model
            if hasattr(target, "scope_path"):
                found.append((name, target))
    return found


def check_list(c: CellContext, kind: declared.ApiKind, route: Route, ids_of) -> None:
    rows = kind.rows
    response = c.client.get(c.url, {"page_size": 500})
    assert response.status_code == 200, response.content
    ids = ids_of(response.json())
    assert (c.row.pk in ids) == c.visible, f"row {c.row} listed: {c.row.pk in ids}"
    leaked = [
        row for row in rows.model.objects.filter(pk__in=ids) if not rows.visible(c.actor, row)
    ]
    assert not leaked, f"{c.actor.key} is listed rows outside its scope: {leaked[:5]}"
    # A filter naming a hidden row answers as for a row that does not exist.
    for name, target in scoped_filters(route.callback.cls, rows.model):
        if target is rows.model:
            value, value_visible = c.row.pk, c.visible
        elif target is Area and not rows.personal:
            area = rows.area_of(c.row)
            value, value_visible = area.pk, c.actor.covers(area)
        else:
            continue
        response = c.client.get(c.url, {name: value, "page_size": 500})
        if value_visible:
            assert response.status_code == 200, response.content
            filtered = rows.model.objects.filter(pk__in=ids_of(response.json()))
            assert all(rows.visible(c.actor, row) for row in filtered)
        else:
            assert response.status_code == 400, f"?{name}=<hidden id>: {response.status_code}"
            assert name in response.json()


@pytest.mark.parametrize("cell", API_CELLS, ids=str)
def test_api(world, db, cell):
    route, action = cell.route, cell.action
    kind: declared.ApiKind = CLASSIFIED[route.key].spec
    rows = kind.rows
    actor = world.actor(cell.actor)
    area = world.position_area(cell.actor, cell.position)
    client = world.api_client(actor)
    writer = kind.may_write(actor)
    needs = {"create": kind.create, "update": kind.update, "partial_update": kind.update}
    if action in needs and needs[action] is None:
        pytest.fail(f"{route.key} accepts {action}: give API_KINDS its payload", pytrace=False)

    if action == "create":
        payload = kind.create(world, area)
        before = rows.model.objects.count()
        response = client.post(api_url(route), payload, format="json")
        if actor.covers(area):
            assert response.status_code == (201 if writer else 403), response.content
        else:
            assert response.status_code == 400, response.content
            assert kind.hidden_create_field in response.json()
        assert rows.model.objects.count() == before + (response.status_code == 201)
        return

    if action == "destroy":
        row = (
            kind.doomed(world, area, actor)
            if kind.doomed
            else world.row_for(rows, actor, cell.position)
        )
        visible = rows.visible(actor, row)
        response = client.delete(api_url(route, row))
        expected = (204 if writer else 403) if visible else 404
        assert response.status_code == expected, response.content
        assert rows.model.objects.filter(pk=row.pk).exists() == (expected != 204)
        return

    row = world.row_for(rows, actor, cell.position)
    visible = rows.visible(actor, row)
    url = api_url(route, row)
    context = CellContext(world, actor, area, row, visible, client, url, cell.method)

    if action == "list":
        check_list(context, kind, route, lambda data: [r["id"] for r in data["results"]])
    elif action == "retrieve":
        response = client.get(url)
        assert response.status_code == (200 if visible else 404), response.content
        if visible:
            assert response.json()["id"] == row.pk
    elif action in {"update", "partial_update"}:
        payload = kind.update(world, row, action == "partial_update")
        before = snapshot(row)
        send = client.patch if action == "partial_update" else client.put
        response = send(url, payload, format="json")
        expected = (200 if writer else 403) if visible else 404
        assert response.status_code == expected, response.content
        after = snapshot(row)
        if expected == 200:
            assert all(after[key] == value for key, value in payload.items())
        else:
            assert after == before
    else:
        extra = kind.extra_actions[action]
        if isinstance(extra, declared.ListLike):
            check_list(context, kind, route, extra.ids)
        else:
            extra.check(context)


@pytest.mark.parametrize("route", routes_of("api-other"), ids=str)
def test_other_api_routes_answer_portal_users(world, db, route):
    client = world.api_client(world.actor("office_staff@street_a"))
    assert client.get(reverse(route.name)).status_code == 200


# --- Pages -------------------------------------------------------------------------------------

SESSION_ACTORS = [key for key, spec in declared.ACTORS.items() if spec.via == "session"]


@dataclass(frozen=True)
class PageCell:
    route: Route
    actor: str
    position: str | None

    def __str__(self) -> str:
        return f"{self.route.key}/{self.actor}" + (f"/{self.position}" if self.position else "")


PAGE_CELLS = [
    PageCell(route, actor_key, position)
    for route in routes_of("page")
    for actor_key in SESSION_ACTORS
    for position in (
        positions_of(actor_key, CLASSIFIED[route.key].spec.rows.personal)
        if CLASSIFIED[route.key].spec.rows
        else [None]
    )
]


def page_url(route: Route, page: declared.Page, row=None) -> str:
    return reverse(route.name, kwargs=page.kwargs(row) if page.kwargs else None)


@pytest.mark.parametrize("cell", PAGE_CELLS, ids=str)
def test_page(world, db, cell):
    page: declared.Page = CLASSIFIED[cell.route.key].spec
    actor = world.actor(cell.actor)
    client = world.page_client(actor.user)
    row = visible = area = None
    if page.rows is not None:
        row = world.row_for(page.rows, actor, cell.position)
        visible = page.rows.visible(actor, row)
        area = world.position_area(cell.actor, cell.position)
    if set(cell.route.kwargs) and page.kwargs is None:
        message = f"{cell.route.key} takes {set(cell.route.kwargs)}: declare its rows and kwargs"
        pytest.fail(message, pytrace=False)
    url = page_url(cell.route, page, row)
    if page.method != "GET":
        assert page.post is not None, f"PAGES[{cell.route.key!r}] needs post= for {page.method}"
        page.post(CellContext(world, actor, area, row, visible, client, url, page.method))
        return
    response = client.get(url)
    expected = 404 if visible is False else 200
    assert response.status_code == expected, f"{url}: {response.status_code}"
    if expected == 200:
        assert_nothing_hidden_shown(world, actor, response.content.decode())


# --- Admin -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdminCell:
    label: str
    view: str
    actor: str
    position: str | None = None

    def __str__(self) -> str:
        return f"{self.label}:{self.view}/{self.actor}" + (
            f"/{self.position}" if self.position else ""
        )


def _admin_cells() -> list[AdminCell]:
    cells = []
    for label, spec in declared.ADMIN_MODELS.items():
        for actor_key in declared.ADMIN_ACTORS:
            if isinstance(spec, declared.ScopedAdmin):
                views = ["changelist", "change", "history", "delete", *spec.object_routes]
                cells += [
                    AdminCell(label, view, actor_key, position)
                    for view in views
                    for position in positions_of(actor_key, personal=False)
                ]
                cells.append(AdminCell(label, "add", actor_key))
            else:
                cells += [AdminCell(label, view, actor_key) for view in ("changelist", "change")]
    return cells


ADMIN_CELLS = _admin_cells()


def admin_model(label: str):
    return next(m for m in admin.site._registry if m._meta.label_lower == label)


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("cell", ADMIN_CELLS, ids=str)
def test_admin(world, db, cell):
    spec = declared.ADMIN_MODELS[cell.label]
    model = admin_model(cell.label)
    actor = world.actor(cell.actor)
    client = world.page_client(actor.user)

    if not isinstance(spec, declared.ScopedAdmin):
        allowed = actor.everything or isinstance(spec, declared.GlobalAdmin)
        if cell.view == "changelist":
            response = client.get(admin_url(model, "changelist"))
            assert response.status_code == (200 if allowed else 403)
        else:
            existing = model._default_manager.first()
            response = client.get(admin_url(model, "change", existing.pk if existing else 0))
            found = 200 if existing else 302
            assert response.status_code == (found if allowed else 403)
        return

    rows = spec.rows
    if cell.view == "add":
        response = client.get(admin_url(model, "add"))
        assert response.status_code in {200, 403}
        if response.status_code == 200:
            assert_scoped_choices(actor, response.context["adminform"].form, "add form")
        return

    row = world.row_for(rows, actor, cell.position)
    visible = rows.visible(actor, row)
    if cell.view == "changelist":
        # Filtered to the row, so that one row is rendered; the scope check covers them all.
        only_row = {f"{model._meta.pk.name}__exact": row.pk}
        response = client.get(admin_url(model, "changelist"), only_row)
        assert response.status_code == 200
        changelist = response.context["cl"]
        assert changelist.queryset.filter(pk=row.pk).exists() == visible
        leaked = [obj for obj in changelist.root_queryset if not rows.visible(actor, obj)]
        assert not leaked, f"{actor.key}'s changelist holds rows outside its scope: {leaked[:5]}"
        return
    if cell.view in spec.object_routes:
        response = client.get(
            reverse(f"admin:{cell.view}", kwargs={spec.object_routes[cell.view]: row.pk})
        )
        assert response.status_code == (200 if visible else 404)
        return

    response = client.get(admin_url(model, cell.view, row.pk))
    if not visible:  # the admin's "does not exist" answer
        assert response.status_code == 302 and response.url == reverse("admin:index")
        return
    allowed = cell.view != "delete" or spec.may_delete(actor, row)
    assert response.status_code == (200 if allowed else 403)
    if cell.view == "change":
        assert_scoped_choices(actor, response.context["adminform"].form, "change form")
        for inline in response.context["inline_admin_formsets"]:
            assert_scoped_choices(actor, inline.formset.empty_form, f"inline {inline.opts}")


SCOPED_ADMIN_LABELS = [
    label for label, spec in declared.ADMIN_MODELS.items() if isinstance(spec, declared.ScopedAdmin)
]


@pytest.mark.parametrize("label", SCOPED_ADMIN_LABELS)
def test_street_administrators_changelists_hold_only_rows_inside_their_street(world, db, label):
    spec = declared.ADMIN_MODELS[label]
    actor = world.actor("admin@street_a")
    client = world.page_client(actor.user)
    spec.rows.make(world, world.areas["community_a"], actor)  # at least one row inside
    response = client.get(admin_url(admin_model(label), "changelist"))
    shown = list(response.context["cl"].queryset)
    assert shown
    inside = actor.anchor.path
    outside = [
        obj for obj in shown if not (spec.rows.area_of(obj) or Area()).path.startswith(inside)
    ]
    assert not outside, outside[:5]


@pytest.mark.parametrize("label", SCOPED_ADMIN_LABELS)
def test_admin_view_on_site_does_not_reach_rows_out_of_scope(world, db, label):
    spec = declared.ADMIN_MODELS[label]
    actor = world.actor("admin@street_a")
    row = spec.rows.make(world, world.areas["street_b"], actor)
    content_type = ContentType.objects.get_for_model(row)
    response = world.page_client(actor.user).get(
        reverse("admin:view_on_site", args=[content_type.pk, row.pk])
    )
    assert response.status_code == 404


def test_admin_autocomplete_suggests_only_people_in_scope(world, db):
    actor = world.actor("admin@street_a")
    client = world.page_client(actor.user)
    found, page = [], 1
    while True:
        response = client.get(
            reverse("admin:autocomplete"),
            {
                "app_label": "grid",
                "model_name": "gridteammember",
                "field_name": "user",
                "term": "t_",
                "page": page,
            },
        )
        assert response.status_code == 200
        body = response.json()
        found += [int(result["id"]) for result in body["results"]]
        if not body["pagination"]["more"]:
            break
        page += 1
    people = User.objects.filter(pk__in=found)
    assert world.bystander(world.areas["community_a"]) in people
    assert all(actor.covers(person.home_area) for person in people)


# --- Refusals: anonymous callers, API clients on pages, non-administrators in the admin -------


def _with_any_kwargs(route: Route) -> str:
    return reverse(route.name, kwargs={name: 1 for name in route.kwargs if name != "format"})


@dataclass(frozen=True)
class Knock:
    route: Route
    method: str
    who: str  # anonymous, api_client_session, token

    def __str__(self) -> str:
        return f"{self.route.key}:{self.method}/{self.who}"


API_KNOCKS = [
    Knock(route, method.upper(), who)
    for route in routes_of("api")
    for method in route.callback.actions
    for who in ("anonymous", "api_client_session")
] + [Knock(route, "GET", who) for route in routes_of("api-other") for who in ("anonymous",)]
PAGE_KNOCKS = [
    Knock(route, CLASSIFIED[route.key].spec.method, who)
    for route in routes_of("page")
    for who in ("anonymous", "api_client_session", "token")
]


@pytest.mark.parametrize("knock", API_KNOCKS, ids=str)
def test_the_api_refuses(world, db, knock):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if knock.who == "api_client_session":
        world.signed_in(client, world.users["api_client"])
    response = getattr(client, knock.method.lower())(_with_any_kwargs(knock.route))
    expected = {401, 403} if knock.who == "anonymous" else {403}
    assert response.status_code in expected
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("knock", PAGE_KNOCKS, ids=str)
def test_pages_refuse(world, db, knock):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if knock.who == "api_client_session":
        world.signed_in(client, world.users["api_client"])
    elif knock.who == "token":
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {world.token_key}"
    response = getattr(client, knock.method.lower())(_with_any_kwargs(knock.route))
    if knock.who == "api_client_session":
        assert response.status_code == 403
    else:
        assert is_login_redirect(response, reverse("login")), response.status_code


NON_ADMINS = [key for key in SESSION_ACTORS if key not in declared.ADMIN_ACTORS] + [
    "api_client_session",
    "anonymous",
]


@pytest.mark.parametrize("who", NON_ADMINS)
@pytest.mark.parametrize("label", list(declared.ADMIN_MODELS))
def test_the_admin_is_for_administrators(world, db, label, who):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if who == "api_client_session":
        world.signed_in(client, world.users["api_client"])
    elif who != "anonymous":
        world.signed_in(client, world.actor(who).user)
    response = client.get(admin_url(admin_model(label), "changelist"))
    assert is_login_redirect(response, reverse("admin:login")), response.status_code


@pytest.mark.parametrize("route", routes_of("public"), ids=str)
def test_public_routes_answer_anonymous_callers(world, db, route):
    if route.name is None:  # files under a public prefix
        return
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(_with_any_kwargs(route))
    assert response.status_code < 500
