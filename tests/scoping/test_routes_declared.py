"""Every route, admin and declaration accounted for: a route that tests/scoping/routes.py
does not classify fails here with its name and where to declare it."""

from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import include, path
from rest_framework import viewsets
from rest_framework.routers import DefaultRouter

from grid.models import Area, BoundaryRevision, TeamRole
from tests.factories import factory_for
from tests.scoping import routes as declared
from tests.scoping.matrix import (
    ADMIN_CELLS,
    API_CELLS,
    PAGE_CELLS,
    ROUTES,
    Undeclared,
    admin_spec,
    classify,
    routes_of,
    walk,
)


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_every_route_is_declared(route):
    try:
        classify(route)
    except Undeclared as undeclared:
        pytest.fail(str(undeclared), pytrace=False)


@pytest.mark.parametrize(
    "model", list(admin.site._registry), ids=lambda model: model._meta.label_lower
)
def test_every_model_admin_is_declared(model):
    try:
        admin_spec(model)
    except Undeclared as undeclared:
        pytest.fail(f"{type(admin.site._registry[model]).__name__}: {undeclared}", pytrace=False)


AREA_BOUND_MODELS = [model for model in apps.get_models() if hasattr(model, "scope_path")]


@pytest.mark.parametrize("model", AREA_BOUND_MODELS, ids=lambda model: model._meta.label_lower)
def test_every_area_bound_model_has_a_row_factory(model):
    """The matrix makes its rows in every area position with row_in (tests/factories.py)."""
    try:
        factory_for(model)
    except LookupError as missing:
        pytest.fail(str(missing), pytrace=False)


def _widget_routes(viewset) -> dict:
    router = DefaultRouter()
    router.register("widgets", viewset, basename="widget")
    urlconf = SimpleNamespace(
        url_patterns=[
            path("secret/", lambda request: None, name="secret-page"),
            path("api/v1/", include((router.urls, "api"))),
        ]
    )
    return {route.key: route for route in walk(urlconf)}


class TeamRoleViewSet(viewsets.ReadOnlyModelViewSet):  # a model without scope_path
    queryset = TeamRole.objects.none()


class ReadAreaViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Area.objects.none()


class WriteAreaViewSet(viewsets.ModelViewSet):
    queryset = Area.objects.none()


def test_an_undeclared_page_fails_naming_it_and_where_to_declare_it():
    routes = _widget_routes(ReadAreaViewSet)
    with pytest.raises(
        Undeclared,
        match=r"Route secret-page \(secret/.*Add PAGES\['secret-page'\] = Page\(\) to tests/",
    ):
        classify(routes["secret-page"])


def test_a_read_only_viewset_of_an_area_bound_model_needs_no_declaration():
    kind = classify(_widget_routes(ReadAreaViewSet)["api:widget-list"]).spec
    assert kind.rows.model is Area and not kind.rows.personal


def test_a_writable_viewset_fails_until_its_payloads_are_declared():
    routes = _widget_routes(WriteAreaViewSet)
    with pytest.raises(Undeclared, match=r"writes \(create\)\. Add API_KINDS\['widget'\] = "):
        classify(routes["api:widget-list"])


def test_a_viewset_of_a_model_without_area_fails_naming_its_line():
    routes = _widget_routes(TeamRoleViewSet)
    with pytest.raises(Undeclared, match=r"no scope_path. Add API_KINDS\['widget'\]"):
        classify(routes["api:widget-list"])


def test_a_missing_row_factory_names_the_class_to_write():
    with pytest.raises(LookupError, match=r"add `class BoundaryRevisionFactory"):
        factory_for(BoundaryRevision)


def test_an_admin_of_a_model_without_area_must_say_whose_it_is():
    with pytest.raises(Undeclared, match=r"ADMIN_MODELS\['grid.boundaryrevision'\] = Global"):
        admin_spec(BoundaryRevision)


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
        + [f"TOKEN_API[{k!r}]" for k in declared.TOKEN_API if k not in keys]
        + [f"ADMIN_SITE[{k!r}]" for k in declared.ADMIN_SITE if k not in keys]
        + [f"ADMIN_MODELS[{k!r}]" for k in declared.ADMIN_MODELS if k not in registered]
    )
    assert not stale, f"tests/scoping/routes.py declares what no longer exists: {stale}"


def test_the_matrix_is_not_empty():
    assert routes_of("api") and routes_of("page") and API_CELLS and PAGE_CELLS and ADMIN_CELLS
