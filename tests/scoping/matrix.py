"""The matrix's routes and cells: every route of the URL configuration, classified by the
declarations of tests/scoping/routes.py, and the cells (route x action x actor x position)
that the test modules check."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from django.contrib import admin
from django.urls import URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from rest_framework.viewsets import ViewSetMixin

from tests.scoping import routes as declared

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


def walk(resolver, prefix="", namespaces=(), kwargs=frozenset()):
    for entry in resolver.url_patterns:
        here = kwargs | _kwargs_of(entry.pattern)
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from walk(entry, pattern, inner, here)
        else:
            name = ":".join((*namespaces, entry.name)) if entry.name else None
            yield Route(name or pattern, name, pattern, entry.callback, namespaces, here)


def all_routes() -> list[Route]:
    """Every URL pattern once (a DRF format-suffix twin shares its route's name)."""
    routes: dict[str, Route] = {}
    for route in walk(get_resolver()):
        routes.setdefault(route.key, route)
    return list(routes.values())


class Undeclared(Exception):
    pass


@dataclass(frozen=True)
class Classified:
    category: str  # public, page, api, api-other, token-api, admin-site, admin-model
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


WRITE_ACTIONS = {"create", "update", "partial_update", "destroy"}


def viewset_model(cls) -> type | None:
    """The model a viewset serves: its queryset's (or base_queryset's), else its serializer's."""
    for queryset in (getattr(cls, "queryset", None), getattr(cls, "base_queryset", None)):
        if queryset is not None:
            return queryset.model
    meta = getattr(getattr(cls, "serializer_class", None), "Meta", None)
    return getattr(meta, "model", None)


def api_kind(basename: str, cls, actions: set[str], where: str) -> declared.ApiKind:
    """The declared kind, or one derived from the model's scope_path for a read-only viewset."""
    kind = declared.API_KINDS.get(basename)
    if kind is not None:
        return kind
    model = viewset_model(cls)
    line = f"API_KINDS[{basename!r}] = ApiKind(rows=Rows(<model>), ...)"
    if model is None or not hasattr(model, "scope_path"):
        raise Undeclared(
            f"{where} is served by {cls.__module__}.{cls.__name__} (basename {basename!r}), "
            f"whose model has no scope_path. Add {line} to tests/scoping/routes.py."
        )
    writes = sorted(actions & WRITE_ACTIONS)
    if writes:
        raise Undeclared(
            f"{where} is served by {cls.__module__}.{cls.__name__} (basename {basename!r}), "
            f"which writes ({', '.join(writes)}). Add API_KINDS[{basename!r}] = "
            f"ApiKind(rows=Rows({model.__name__}), may_write=..., may_create=..., "
            "create=<payload>, update=<payload>) to tests/scoping/routes.py: who may write "
            '(a rule of its section "The rules") and the payloads.'
        )
    return declared.ApiKind(rows=declared.Rows(model))


def _classify_api(route: Route) -> Classified:
    cls = getattr(route.callback, "cls", None)
    actions = getattr(route.callback, "actions", None)
    if cls is not None and issubclass(cls, ViewSetMixin) and actions:
        basename = route.callback.initkwargs.get("basename")
        where = f"API route {route.key} ({route.pattern})"
        all_actions = {
            action
            for other in ROUTES_BY_BASENAME.get(basename, [route])
            for action in other.callback.actions.values()
        }
        kind = api_kind(basename, cls, all_actions, where)
        unknown = sorted(
            action
            for action in set(actions.values())
            if action not in STANDARD_ACTIONS and action not in kind.extra_actions
        )
        if unknown:
            raise Undeclared(
                f"{where}: the extra action(s) {unknown} of {cls.__name__} are not declared. "
                f"Add them to API_KINDS[{basename!r}].extra_actions in tests/scoping/routes.py "
                f"(ApiKind(rows=Rows({kind.rows.model.__name__}), extra_actions={{...}}) if it "
                "has no entry yet) as ListLike(ids=...) or Custom(check)."
            )
        return Classified("api", kind)
    if route.key in declared.API_OTHER:
        return Classified("api-other", declared.API_OTHER[route.key])
    raise Undeclared(
        f"API route {route.key} ({route.pattern}) is not a router viewset and is not declared. "
        "Add it to API_OTHER (or register a viewset) in tests/scoping/routes.py."
    )


def admin_spec(model) -> declared.ScopedAdmin | declared.GlobalAdmin | declared.SuperuserOnlyAdmin:
    """What the matrix expects of a ModelAdmin: its declaration, with its rows filled in, or a
    ScopedAdmin for a model with scope_path."""
    label = model._meta.label_lower
    spec = declared.ADMIN_MODELS.get(label)
    if spec is None and hasattr(model, "scope_path"):
        spec = declared.ScopedAdmin()
    if spec is None:
        raise Undeclared(
            f"The admin of {label} shows a model without scope_path. Add "
            f"ADMIN_MODELS[{label!r}] = GlobalAdmin(reason) (a code list administrators read) "
            "or SuperuserOnlyAdmin(reason) to tests/scoping/routes.py; or give the model a "
            "scope_path if its rows belong to an area."
        )
    if isinstance(spec, declared.ScopedAdmin) and spec.rows is None:
        spec = replace(spec, rows=declared.Rows(model))
    return spec


def _classify_admin(route: Route) -> Classified:
    if route.key in declared.ADMIN_SITE:
        return Classified("admin-site", declared.ADMIN_SITE[route.key])
    owner = model_admin_of(route.callback)
    if owner is None:
        raise Undeclared(
            f"Admin route {route.key} ({route.pattern}) belongs to no ModelAdmin and is not "
            "declared. Add it to ADMIN_SITE in tests/scoping/routes.py."
        )
    label = owner.model._meta.label_lower
    try:
        spec = admin_spec(owner.model)
    except Undeclared as undeclared:
        raise Undeclared(f"Admin route {route.key} ({route.pattern}): {undeclared}") from None
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
        f"Name it in ADMIN_MODELS[{label!r}] = ScopedAdmin(object_routes={{{url_name!r}: "
        "<the URL's pk kwarg>}) in tests/scoping/routes.py (or in the object_routes of the "
        "entry it has)."
    )


def classify(route: Route) -> Classified:
    if "admin" in route.namespaces:
        return _classify_admin(route)
    if "api" in route.namespaces:
        return _classify_api(route)
    if route.key in declared.TOKEN_API:
        return Classified("token-api", declared.TOKEN_API[route.key])
    if route.key in declared.PUBLIC or route.pattern.lstrip("^").startswith(
        declared.PUBLIC_PREFIXES
    ):
        return Classified("public", declared.PUBLIC.get(route.key))
    if route.key in declared.PAGES:
        return Classified("page", declared.PAGES[route.key])
    view = (
        f"{getattr(route.callback, '__module__', '?')}.{getattr(route.callback, '__name__', '?')}"
    )
    about = "Page.about(<Model>)" if "pk" in route.kwargs else "Page()"
    raise Undeclared(
        f"Route {route.key} ({route.pattern}, view {view}) is not declared. Add "
        f"PAGES[{route.key!r}] = {about} to tests/scoping/routes.py (a portal page; "
        "Page.about(Model) for a page about one row found by its pk, Page(rows=..., kwargs=...) "
        f"for other URLs of a row), PUBLIC[{route.key!r}] = <why> if it shows no rows and "
        f"needs no sign-in, or TOKEN_API[{route.key!r}] = TokenApi(...) for JSON that answers "
        "API tokens alone."
    )


ROUTES = all_routes()
ROUTES_BY_BASENAME: dict[str, list[Route]] = defaultdict(list)
for _route in ROUTES:
    if getattr(_route.callback, "actions", None) and hasattr(_route.callback, "initkwargs"):
        ROUTES_BY_BASENAME[_route.callback.initkwargs.get("basename")].append(_route)
CLASSIFIED: dict[str, Classified] = {}
for _route in ROUTES:
    with contextlib.suppress(Undeclared):  # test_every_route_is_declared names it
        CLASSIFIED[_route.key] = classify(_route)


def routes_of(category: str) -> list[Route]:
    return [r for r in ROUTES if r.key in CLASSIFIED and CLASSIFIED[r.key].category == category]


# --- The cells ------------------------------------------------------------------------------


def positions_of(actor_key: str, personal: bool) -> list[str]:
    around = list(declared.POSITIONS[declared.ACTORS[actor_key].anchor])
    return [declared.MINE, *around] if personal else around


@dataclass(frozen=True)
class ApiCell:
    route: Route
    method: str
    action: str
    actor: str
    position: str

    def __str__(self) -> str:
        return f"{self.route.key}:{self.method}:{self.action}/{self.actor}/{self.position}"


API_CELLS = [
    ApiCell(route, method.upper(), action, actor_key, position)
    for route in routes_of("api")
    for method, action in route.callback.actions.items()
    for actor_key in declared.ACTORS
    for position in positions_of(actor_key, CLASSIFIED[route.key].spec.rows.personal)
]


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


ADMIN_SPECS = {}
for _model in admin.site._registry:
    with contextlib.suppress(Undeclared):  # test_every_model_admin_is_declared names it
        ADMIN_SPECS[_model._meta.label_lower] = admin_spec(_model)


def _admin_cells() -> list[AdminCell]:
    cells = []
    for label, spec in ADMIN_SPECS.items():
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
