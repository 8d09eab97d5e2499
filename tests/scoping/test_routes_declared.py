"""Every route, admin and declaration accounted for: a route that tests/scoping/routes.py
does not classify fails here with its name and where to declare it."""

from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.urls import include, path
from rest_framework import viewsets
from rest_framework.routers import DefaultRouter

from grid.models import Area
from tests.scoping import routes as declared
from tests.scoping.matrix import (
    ADMIN_CELLS,
    API_CELLS,
    PAGE_CELLS,
    ROUTES,
    Undeclared,
    classify,
    routes_of,
    walk,
)

HOW_TO_DECLARE = "Declare it in tests/scoping/routes.py (see its docstring)."


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
            f"but ADMIN_MODELS[{label!r}] in tests/scoping/routes.py does not say whose rows it "
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
    routes = {route.key: route for route in walk(urlconf)}
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
    assert not stale, f"tests/scoping/routes.py declares what no longer exists: {stale}"


def test_the_matrix_is_not_empty():
    assert routes_of("api") and routes_of("page") and API_CELLS and PAGE_CELLS and ADMIN_CELLS
