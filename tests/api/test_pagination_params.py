"""Paging parameters are input like any other: a size the API cannot honour is a 400 that
says why, never silently replaced by the default."""

import pytest

from tests.api.test_areas_api import session_client


@pytest.mark.parametrize("size", ["null", "abc", "0", "-1", "2.5", "501", "²"])
def test_a_page_size_that_is_no_whole_number_in_range_is_a_400(users, size):
    response = session_client(users["leader"]).get("/api/v1/areas/", {"page_size": size})
    assert response.status_code == 400
    assert "1 to 500" in response.json()["page_size"][0]


def test_a_page_size_in_range_is_honoured(users):
    response = session_client(users["leader"]).get("/api/v1/areas/", {"page_size": 2})
    assert response.status_code == 200 and len(response.json()["results"]) == 2


def test_the_schema_documents_the_page_size_range(client, db):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    parameters = schema["paths"]["/api/v1/areas/"]["get"]["parameters"]
    page_size = next(p for p in parameters if p["name"] == "page_size")
    assert page_size["schema"] == {"type": "integer", "minimum": 1, "maximum": 500}
