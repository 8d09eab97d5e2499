"""The whole map in one answer (`?all=1`): the same features as the pages, cached per scope
and tree revision, revalidated with its ETag, gzipped (issue 6: 24 MB over 23 requests)."""

import gzip
import json

from django.db import connection
from django.test.utils import CaptureQueriesContext

from grid.models import Area
from grid.services import area_update, boundary_revision_bump
from tests.api.test_areas_api import session_client
from tests.api.test_tokens import token_client
from tests.grid.test_area_services import inner_square

MAP = "/api/v1/areas/geojson/"


def whole(client, **params):
    return client.get(MAP, {"all": "1", **params})


def test_the_whole_map_has_the_features_of_all_pages(users, areas):
    client = session_client(users["street_office"])
    paged, url = [], MAP + "?page_size=2"
    while url:
        page = client.get(url).json()
        paged += page["features"]
        url = page["next"]
    answer = whole(client)
    assert answer.status_code == 200
    body = json.loads(answer.content)
    assert body["type"] == "FeatureCollection" and body["next"] is None
    assert body["features"] == paged  # the same features, properties and order (by code)
    assert {f["id"] for f in body["features"]} == set(
        Area.objects.filter(path__startswith=areas["street_a"].path).values_list("pk", flat=True)
    )


def test_filters_and_the_scope_apply_and_key_the_cache(users, areas, street_token):
    boundary_revision_bump()  # a revision of its own: nothing cached (the cache is shared)
    street = token_client(street_token)
    district = session_client(users["leader"])
    assert {f["id"] for f in json.loads(whole(district).content)["features"]} >= {
        areas["street_b"].pk
    }
    own = {f["id"] for f in json.loads(whole(street).content)["features"]}
    assert areas["street_b"].pk not in own and areas["grid_a"].pk in own
    children = json.loads(whole(street, parent=areas["community_a"].pk).content)["features"]
    assert {f["id"] for f in children} == set(
        areas["community_a"].children.values_list("pk", flat=True)
    )


def test_a_second_call_is_served_from_the_cache_and_a_matching_etag_gets_304(users, areas):
    boundary_revision_bump()  # a revision of its own: nothing cached (the cache is shared)
    client = session_client(users["street_office"])
    first = whole(client)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    with CaptureQueriesContext(connection) as queries:
        again = whole(client)
    assert again.content == first.content
    assert not [q for q in queries.captured_queries if '"grid_area"."boundary"' in q["sql"]]
    revalidated = client.get(MAP, {"all": "1"}, HTTP_IF_NONE_MATCH=etag)
    assert revalidated.status_code == 304 and revalidated.content == b""


def test_an_edit_changes_the_etag_and_the_answer(users, areas):
    client = session_client(users["street_office"])
    etag = whole(client).headers["ETag"]
    grid = areas["grid_a"]
    area_update(actor=users["admin"], area=grid, name="新名字网格")
    renamed = client.get(MAP, {"all": "1"}, HTTP_IF_NONE_MATCH=etag)
    assert renamed.status_code == 200 and renamed.headers["ETag"] != etag
    names = {f["id"]: f["properties"]["name"] for f in json.loads(renamed.content)["features"]}
    assert names[grid.pk] == "新名字网格"
    area_update(actor=users["admin"], area=grid, boundary=inner_square(grid, 0.5))
    redrawn = whole(client)
    assert redrawn.headers["ETag"] != renamed.headers["ETag"]
    geometry = {f["id"]: f["geometry"] for f in json.loads(redrawn.content)["features"]}[grid.pk]
    assert geometry == Area.objects.get(pk=grid.pk).boundary


def test_it_comes_gzipped_to_a_client_that_takes_gzip(users, areas):
    client = session_client(users["street_office"])
    plain = whole(client)
    packed = client.get(MAP, {"all": "1"}, HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == plain.content
    assert "Accept-Encoding" in packed.headers["Vary"]


def test_zoom_simplifies_boundaries_and_is_checked(users, areas):
    client = session_client(users["street_office"])
    full = json.loads(whole(client).content)["features"]
    coarse = json.loads(whole(client, zoom=3).content)["features"]
    vertices = sum(len(f["geometry"]["coordinates"][0]) for f in full if f["geometry"])
    fewer = sum(len(f["geometry"]["coordinates"][0]) for f in coarse if f["geometry"])
    assert fewer < vertices
    assert [f["properties"] for f in coarse] == [f["properties"] for f in full]
    for bad in ("-1", "23", "near"):
        response = whole(client, zoom=bad)
        assert response.status_code == 400 and "zoom" in response.json()


def test_a_caller_who_sees_nothing_gets_an_empty_map(users, areas):
    from governance.models import User

    User.objects.filter(pk=users["street_office"].pk).update(home_area=None)
    response = whole(session_client(users["street_office"]))
    assert response.status_code == 200
    assert json.loads(response.content)["features"] == []


def test_all_false_keeps_the_pages(users, areas):
    client = session_client(users["street_office"])
    paged = client.get(MAP, {"all": "false", "page_size": 2})
    assert paged.status_code == 200 and "ETag" not in paged.headers
    assert len(paged.json()["features"]) == 2 and paged.json()["next"]
    assert client.get(MAP, {"all": "maybe"}).status_code == 400


def test_an_edit_moves_last_modified_on(users, areas):
    """Last-Modified is the time of the tree's last change, not of the revision row's first
    save (a queryset update() does not touch auto_now fields)."""
    from datetime import timedelta

    from django.utils import timezone
    from django.utils.http import parse_http_date

    from grid.models import BoundaryRevision

    BoundaryRevision.objects.update(changed_at=timezone.now() - timedelta(days=30))
    client = session_client(users["street_office"])
    before = parse_http_date(whole(client).headers["Last-Modified"])
    area_update(actor=users["admin"], area=areas["grid_a"], name="改过名的网格")
    after = parse_http_date(whole(client).headers["Last-Modified"])
    assert after - before >= timedelta(days=29).total_seconds()
