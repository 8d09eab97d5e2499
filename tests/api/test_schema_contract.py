"""The published OpenAPI schema says what the API does, and the API does what it says."""

import pytest
from rest_framework.test import APIClient

from grid.models import AreaLevel
from tests.api.test_areas_api import session_client


@pytest.fixture
def schema(client, db) -> dict:
    return client.get("/api/schema/", {"format": "json"}).json()


def resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def body_schema(schema: dict, response: dict) -> dict:
    return resolve(schema, response["content"]["application/json"]["schema"])


def test_locate_documents_one_answer_for_get_and_a_list_for_post(schema):
    locate = schema["paths"]["/api/v1/areas/locate/"]
    one = body_schema(schema, locate["get"]["responses"]["200"])
    assert {"grid", "detail"} <= set(one["properties"])
    batch = body_schema(schema, locate["post"]["responses"]["200"])
    assert set(batch["properties"]) == {"results"}
    item = resolve(schema, batch["properties"]["results"]["items"])
    assert "grid" in item["properties"]


def test_locate_documents_the_bounds_of_lat_and_lon(schema):
    parameters = {
        p["name"]: p["schema"]
        for p in schema["paths"]["/api/v1/areas/locate/"]["get"]["parameters"]
    }
    assert (parameters["lat"]["minimum"], parameters["lat"]["maximum"]) == (-90, 90)
    assert (parameters["lon"]["minimum"], parameters["lon"]["maximum"]) == (-180, 180)


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/api/v1/areas/locate/", "post"),
        ("/api/v1/notifications/mark-read/", "post"),
        ("/api/v1/areas/", "post"),
        ("/api/v1/areas/{id}/", "patch"),
    ],
)
def test_request_bodies_are_json_only(schema, path, method):
    assert set(schema["paths"][path][method]["requestBody"]["content"]) == {"application/json"}


def test_a_form_body_is_refused_as_an_unsupported_media_type(users):
    response = session_client(users["leader"]).post(
        "/api/v1/areas/locate/", {"points": "1,2"}, format="multipart"
    )
    assert response.status_code == 415
    response = session_client(users["leader"]).post(
        "/api/v1/notifications/mark-read/",
        "ids=1",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 415


def test_every_operation_documents_its_refusals(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"400", "401", "403", "429"} <= codes, (method, path, codes)
            assert ("404" in codes) == ("{" in path), (method, path, codes)
            if method in {"post", "put", "patch"}:
                assert "415" in codes, (method, path)
            error = operation["responses"]["401"]["content"]["application/json"]["schema"]
            assert set(resolve(schema, error)["properties"]) == {"detail"}


def test_writes_document_that_unknown_fields_are_refused(schema):
    request = schema["paths"]["/api/v1/areas/"]["post"]["requestBody"]
    assert body_schema(schema, request)["additionalProperties"] is False


def test_the_level_filter_takes_names_as_well_as_numbers(users, areas, schema):
    client = session_client(users["leader"])
    by_name = client.get("/api/v1/areas/", {"level": "grid", "page_size": 500}).json()
    by_number = client.get("/api/v1/areas/", {"level": 4, "page_size": 500}).json()
    assert by_name == by_number
    assert {row["level"] for row in by_name["results"]} == {AreaLevel.GRID}
    streets = client.get("/api/v1/areas/", {"level": "street"}).json()["results"]
    assert {row["id"] for row in streets} == {areas["street_a"].pk, areas["street_b"].pk}
    assert client.get("/api/v1/areas/", {"level": "town"}).status_code == 400
    level = next(
        p for p in schema["paths"]["/api/v1/areas/"]["get"]["parameters"] if p["name"] == "level"
    )
    assert {"district", "street", "community", "grid", "1", "4"} <= set(level["schema"]["enum"])


def test_a_filter_named_without_a_value_is_refused(users):
    client = session_client(users["leader"])
    response = client.get("/api/v1/areas/", {"level": ""})
    assert response.status_code == 400 and "level" in response.json()
    assert client.get("/api/v1/areas/", {"code": ""}).status_code == 200  # any code


def test_booleans_and_strings_are_not_numbers_in_a_json_body(users):
    client = session_client(users["leader"])
    for points in ([[True, 30]], [["120.1", 30]]):
        response = client.post("/api/v1/areas/locate/", {"points": points}, format="json")
        assert response.status_code == 400, points
    response = client.post("/api/v1/notifications/mark-read/", {"ids": [True]}, format="json")
    assert response.status_code == 400


def test_a_misspelt_field_marks_nothing_read(users):
    from governance.services import notification_send

    notification_send(recipients=[users["leader"]], kind="t", title="t", body="b", url="/")
    client = session_client(users["leader"])
    response = client.post("/api/v1/notifications/mark-read/", {"id": [1]}, format="json")
    assert response.status_code == 400 and "id" in response.json()
    assert users["leader"].notifications.filter(read_at__isnull=True).count() == 1


def test_a_path_that_is_no_id_is_the_apis_json_404(street_token):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {street_token}")
    for path in ("/api/v1/areas/1.5/", "/api/v1/areas/0/", "/api/v1/notifications/x.y/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"detail": "Not found."}, path


def test_without_debug_an_unknown_api_path_is_a_json_404(client, db, settings):
    settings.DEBUG = False
    response = client.get("/api/v1/nothing-here/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert client.get("/nothing-here/").headers["Content-Type"].startswith("text/html")
