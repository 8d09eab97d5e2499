"""API cells: viewset route x HTTP method/action x actor x position of the row. A row in scope
is listed and readable; out of scope it is absent from lists, 404 for detail/update/delete and
"does not exist" for a create under it; writes in scope are 403 for those who may not write."""

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse
from django_filters import ModelChoiceFilter, ModelMultipleChoiceFilter
from django_filters.rest_framework import DjangoFilterBackend

from grid.models import Area
from tests.scoping import routes as declared
from tests.scoping.matrix import API_CELLS, CLASSIFIED, Route, routes_of
from tests.scoping.world import Actor, CellContext


def snapshot(row) -> dict:
    return model_to_dict(type(row).objects.get(pk=row.pk))


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
            target = filterset._meta.model
            for step in flt.field_name.split("__"):  # e.g. house__grid: the house's grid
                target = target._meta.get_field(step).related_model
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
    needs = {"create": kind.create, "update": kind.update, "partial_update": kind.update}
    if action in needs and needs[action] is None:
        pytest.fail(f"{route.key} accepts {action}: give API_KINDS its payload", pytrace=False)

    if action == "create":
        payload = kind.create(world, area)
        before = rows.model.objects.count()
        response = client.post(api_url(route), payload, format="json")
        if not kind.may_create(actor, area):  # refused before its payload is read
            assert response.status_code == 403, response.content
        elif (kind.reaches or Actor.covers)(actor, area):
            assert response.status_code == 201, response.content
        else:
            assert response.status_code == 400, response.content
            assert kind.create_field in response.json()
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
        expected = (204 if kind.deletes(actor, row) else 403) if visible else 404
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
        expected = (200 if kind.may_write(actor, row) else 403) if visible else 404
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
