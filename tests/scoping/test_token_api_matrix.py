"""Token-only JSON routes outside the router (TOKEN_API of tests/scoping/routes.py: Open311):
route x token actor x position of the row. A token lists and reads the rows of its area and
no other, creates only inside it; without a token (anonymous, or any portal session) 401."""

from dataclasses import dataclass

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import area_of
from tests.scoping import routes as declared
from tests.scoping.matrix import CLASSIFIED, SESSION_ACTORS, Route, positions_of, routes_of

TOKEN_ACTORS = [key for key, spec in declared.ACTORS.items() if spec.via == "token"]


@dataclass(frozen=True)
class TokenCell:
    route: Route
    method: str
    actor: str
    position: str | None

    def __str__(self) -> str:
        return f"{self.route.key}:{self.method}/{self.actor}" + (
            f"/{self.position}" if self.position else ""
        )


def _cells() -> list[TokenCell]:
    cells = []
    for route in routes_of("token-api"):
        spec: declared.TokenApi = CLASSIFIED[route.key].spec
        for actor in TOKEN_ACTORS:
            positions = positions_of(actor, personal=False) if spec.rows else [None]
            cells += [TokenCell(route, "GET", actor, position) for position in positions]
            if spec.create:
                cells += [
                    TokenCell(route, "POST", actor, p) for p in positions_of(actor, personal=False)
                ]
    return cells


def url_of(route: Route, spec: declared.TokenApi, row=None) -> str:
    return reverse(route.name, kwargs=spec.kwargs(row) if spec.kwargs else None)


@pytest.mark.parametrize("cell", _cells(), ids=str)
def test_token_api(world, db, cell):
    spec: declared.TokenApi = CLASSIFIED[cell.route.key].spec
    actor = world.actor(cell.actor)
    client = world.api_client(actor)
    if set(cell.route.kwargs) and spec.kwargs is None:
        pytest.fail(f"{cell.route.key} takes {set(cell.route.kwargs)}: declare kwargs")
    if cell.method == "POST":
        area = world.position_area(cell.actor, cell.position)
        model = spec.rows.model
        before = model.objects.count()
        payload = spec.create(world, area, actor)
        response = client.post(url_of(cell.route, spec), payload, format="json")
        created = model.objects.count() - before
        grid = area_of(model.objects.latest("pk")) if created else None
        if response.status_code == 201:
            reaches = spec.reaches or type(actor).covers
            assert created == 1 and reaches(actor, grid), f"created in {grid}"
        else:
            assert response.status_code == spec.refused, response.content
            assert created == 0
        return
    if spec.rows is None:
        response = client.get(url_of(cell.route, spec))
        assert response.status_code == 200, response.content
        return
    row = world.row_for(spec.rows, actor, cell.position)
    visible = spec.rows.visible(actor, row)
    response = client.get(url_of(cell.route, spec, row))
    if spec.ids is not None:
        assert response.status_code == 200, response.content
        keys = spec.ids(response.json())
        assert (spec.key(row) in keys) == visible, f"{row} listed: {spec.key(row) in keys}"
        shown = [other for other in spec.rows.model.objects.all() if spec.key(other) in keys]
        leaked = [other for other in shown if not spec.rows.visible(actor, other)]
        assert not leaked, f"{actor.key} is listed rows outside its scope: {leaked[:5]}"
    else:
        assert response.status_code == (200 if visible else 404), response.content


@pytest.mark.parametrize("who", ["anonymous", *SESSION_ACTORS])
@pytest.mark.parametrize("route", routes_of("token-api"), ids=str)
def test_token_api_refuses_callers_without_a_token(world, db, route, who):
    spec: declared.TokenApi = CLASSIFIED[route.key].spec
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if who != "anonymous":
        world.signed_in(client, world.actor(who).user)
    kwargs = {name: "1" for name in route.kwargs}
    url = reverse(route.name, kwargs=kwargs or None)
    for method in ("get", "post") if spec.create else ("get",):
        response = getattr(client, method)(url)
        assert response.status_code == 401, (method, response.status_code)
        assert response["Content-Type"].startswith("application/json")
        assert response["WWW-Authenticate"] == "Token"
