"""A request whose answer shows no boundary loads none: its cost must not grow with the size
of the caller's area (issue 6: every API call loaded the token area's whole boundary, 55 KB
at 1,000 grids; pages did the same through the user's home area)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.models import User
from tests.api.test_tokens import token_client
from tests.conftest import login

BOUNDARY_COLUMN = '"grid_area"."boundary"'


def boundary_queries(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if BOUNDARY_COLUMN in q["sql"]]


def test_a_token_call_that_shows_no_boundary_loads_none(street_token):
    with CaptureQueriesContext(connection) as queries:
        for path in ("/api/v1/notifications/", "/api/v1/areas/"):
            assert token_client(street_token).get(path).status_code == 200
    assert boundary_queries(queries) == []


def test_a_session_page_and_api_call_load_no_boundary_of_the_home_area(client, users):
    login(client, users["street_office"])
    with CaptureQueriesContext(connection) as queries:
        for path in ("/notifications/", "/api/v1/notifications/", "/api/v1/areas/"):
            assert client.get(path).status_code == 200
    assert boundary_queries(queries) == []


def test_the_boundary_is_still_there_when_an_answer_needs_it(street_token, users, areas):
    grid = areas["grid_a"]
    response = token_client(street_token).get(f"/api/v1/areas/{grid.pk}/")
    assert response.json()["boundary"] == grid.boundary
    # Deferred, not gone: read through the user, the home area's boundary loads on demand.
    user = User.objects.get(pk=users["street_office"].pk)
    assert user.home_area.boundary == areas["street_a"].boundary
