from rest_framework.test import APIClient

from grid.models import Area, AreaLevel
from tests.conftest import login
from tests.grid.test_area_services import inner_square


def session_client(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    login(client, user)
    return client


def test_the_list_is_cursor_paginated_and_filterable(users, areas):
    client = session_client(users["leader"])
    first = client.get("/api/v1/areas/", {"level": AreaLevel.GRID, "page_size": 3}).json()
    assert len(first["results"]) == 3 and first["next"]
    assert "cursor=" in first["next"]
    second = client.get(first["next"]).json()
    assert {r["id"] for r in first["results"]}.isdisjoint({r["id"] for r in second["results"]})
    by_parent = client.get("/api/v1/areas/", {"parent": areas["community_a"].pk}).json()
    assert {r["id"] for r in by_parent["results"]} == {areas["grid_a"].pk, areas["grid_b"].pk}


def test_areas_come_as_geojson(users, areas):
    client = session_client(users["street_office"])
    body = client.get("/api/v1/areas/geojson/", {"parent": areas["street_a"].pk}).json()
    assert body["type"] == "FeatureCollection"
    assert {f["properties"]["code"] for f in body["features"]} == set(
        areas["street_a"].children.values_list("code", flat=True)
    )
    assert all(f["geometry"]["type"] == "Polygon" for f in body["features"])


def test_locate_answers_with_the_grid_containing_the_point(users, areas):
    point = areas["grid_a"].geometry.representative_point()
    body = (
        session_client(users["leader"])
        .get("/api/v1/areas/locate/", {"lon": point.x, "lat": point.y})
        .json()
    )
    assert body["grid"]["id"] == areas["grid_a"].pk


def test_a_point_in_no_grid_gets_a_clear_answer_not_an_error(users):
    response = session_client(users["leader"]).get("/api/v1/areas/locate/", {"lon": 0, "lat": 0})
    assert response.status_code == 200
    assert response.json() == {
        "grid": None,
        "detail": "This point is not in any grid in your area.",
    }


def test_a_grid_outside_the_callers_scope_is_not_revealed(users, areas):
    point = areas["grid_other_street"].geometry.representative_point()
    body = (
        session_client(users["street_office"])
        .get("/api/v1/areas/locate/", {"lon": point.x, "lat": point.y})
        .json()
    )
    assert body["grid"] is None


def test_batch_locate_answers_in_order(users, areas):
    a = areas["grid_a"].geometry.representative_point()
    b = areas["grid_b"].geometry.representative_point()
    body = (
        session_client(users["leader"])
        .post("/api/v1/areas/locate/", {"points": [[b.x, b.y], [0, 0], [a.x, a.y]]}, format="json")
        .json()
    )
    assert [r["grid"] and r["grid"]["id"] for r in body["results"]] == [
        areas["grid_b"].pk,
        None,
        areas["grid_a"].pk,
    ]


def test_bad_locate_input_gets_field_messages(users):
    client = session_client(users["leader"])
    response = client.get("/api/v1/areas/locate/", {"lon": "east", "lat": 95})
    assert response.status_code == 400
    assert set(response.json()) == {"lon", "lat"}
    response = client.post(
        "/api/v1/areas/locate/", {"points": [[1, 2, 3], [500, 1]]}, format="json"
    )
    assert response.status_code == 400
    assert "points" in response.json()


def test_creating_an_area_with_a_bad_code_gets_a_json_field_error_and_saves_nothing(users, areas):
    before = Area.objects.count()
    response = session_client(users["admin"]).post(
        "/api/v1/areas/",
        {
            "name": "新社区",
            "level": AreaLevel.COMMUNITY,
            "code": "999",
            "parent": areas["street_a"].pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "code" in response.json()
    assert Area.objects.count() == before


def test_a_self_intersecting_boundary_gets_a_json_field_error(users, areas):
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[120, 30], [120.1, 30.1], [120.1, 30], [120, 30.1], [120, 30]]],
    }
    response = session_client(users["admin"]).patch(
        f"/api/v1/areas/{areas['grid_a'].pk}/", {"boundary": bowtie}, format="json"
    )
    assert response.status_code == 400
    assert "Self-intersection" in response.json()["boundary"][0]


def test_an_administrator_renames_and_redraws_a_grid_through_the_api(users, areas):
    grid = areas["grid_a"]
    response = session_client(users["admin"]).patch(
        f"/api/v1/areas/{grid.pk}/",
        {"name": "桂花一格", "boundary": inner_square(grid, 0.5)},
        format="json",
    )
    assert response.status_code == 200, response.json()
    grid.refresh_from_db()
    assert grid.name == "桂花一格"


def test_deleting_an_area_with_children_is_a_400_with_a_reason(users, areas):
    response = session_client(users["admin"]).delete(f"/api/v1/areas/{areas['community_a'].pk}/")
    assert response.status_code == 400
    assert "sub-areas" in response.json()["non_field_errors"][0]


def test_the_schema_renders_and_the_docs_use_local_assets(client, db):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/areas/locate/" in schema.content
    docs = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in docs
    assert "cdn" not in docs.lower()
    assert client.get("/api/redoc/").status_code == 200


def test_the_schema_is_valid_openapi_without_warnings(tmp_path, db):
    from django.core.management import call_command

    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "/api/v1/areas/geojson/" in target.read_text()


def test_malformed_geojson_is_a_field_error_not_a_server_error(users, areas):
    client = session_client(users["admin"])
    url = f"/api/v1/areas/{areas['grid_a'].pk}/"
    huge = {"type": "Polygon", "coordinates": [[[10**400, 0], [1, 0], [1, 1], [10**400, 0]]]}
    for boundary in ({"type": "Polygon"}, {"type": "Polygon", "coordinates": [[["a", "b"]]]}):
        response = client.patch(url, {"boundary": boundary}, format="json")
        assert response.status_code == 400, boundary
        assert "boundary" in response.json()
    response = client.patch(
        url, '{"boundary": ' + __import__("json").dumps(huge) + "}", content_type="application/json"
    )
    assert response.status_code == 400


def test_a_boundary_is_stored_as_plain_2d_geojson(users, areas):
    grid = areas["grid_a"]
    inner = inner_square(grid, 0.5)
    ring = [[x, y, 12.5] for x, y in inner["coordinates"][0][:-1]]  # 3-D, ring left open
    sent = {"type": "Polygon", "coordinates": [ring], "crs": {"type": "name"}}
    response = session_client(users["admin"]).patch(
        f"/api/v1/areas/{grid.pk}/", {"boundary": sent}, format="json"
    )
    assert response.status_code == 200, response.json()
    grid.refresh_from_db()
    assert set(grid.boundary) == {"type", "coordinates"}
    stored = grid.boundary["coordinates"][0]
    assert stored[0] == stored[-1] and all(len(point) == 2 for point in stored)


def test_an_administrator_cannot_redraw_their_own_root(users, areas):
    # Redrawing one's root was also the one way to reach a sibling outside one's scope.
    street_a, street_b = areas["street_a"], areas["street_b"]
    before = street_a.boundary
    grown = street_a.geometry.union(street_b.geometry.buffer(-0.001))
    response = session_client(users["street_admin"]).patch(
        f"/api/v1/areas/{street_a.pk}/",
        {"boundary": __import__("shapely").geometry.mapping(grown)},
        format="json",
    )
    assert response.status_code == 403
    assert street_b.name not in response.content.decode()
    street_a.refresh_from_db()
    assert street_a.boundary == before


def test_a_batch_over_the_limit_is_refused_whole(users, settings):
    from django.conf import settings as live

    points = [[120.1, 30.2]] * (live.POINT_LOOKUP_BATCH_LIMIT + 1)
    response = session_client(users["leader"]).post(
        "/api/v1/areas/locate/", {"points": points}, format="json"
    )
    assert response.status_code == 400
    assert "points" in response.json()


def test_a_move_that_makes_a_cycle_is_a_json_field_error(users, areas):
    response = session_client(users["superuser"]).patch(
        f"/api/v1/areas/{areas['street_a'].pk}/", {"parent": areas["community_a"].pk}, format="json"
    )
    assert response.status_code == 400
    assert "parent" in response.json()


def test_a_field_an_update_cannot_set_is_refused_not_ignored(users, areas):
    response = session_client(users["admin"]).patch(
        f"/api/v1/areas/{areas['grid_a'].pk}/", {"level": 3, "name": "改名"}, format="json"
    )
    assert response.status_code == 400
    assert "level" in response.json()
    assert Area.objects.get(pk=areas["grid_a"].pk).name == areas["grid_a"].name
