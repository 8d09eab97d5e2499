"""GET /api/v1/ledger-quality/?area=: the page's figures as JSON, of the caller's scope."""

from rest_framework.test import APIClient

from tests.conftest import login
from tests.population.ledger_data import ledger_build

URL = "/api/v1/ledger-quality/"


def session_client(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    login(client, user)
    return client


def test_the_figures_of_each_community_worst_first(users, areas):
    ledger_build(areas, users)
    response = session_client(users["street_office"]).get(URL)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["total"]["area"] == areas["street_a"].pk
    assert [row["area"] for row in data["rows"]] == [
        areas["community_b"].pk,
        areas["community_a"].pk,
    ]
    community_a = data["rows"][1]
    assert community_a["collection_rate"] == "50.0"
    assert (community_a["households"], community_a["expected_households"]) == (3, 6)
    assert community_a["without_household"] == 1 and community_a["missing_phone"] == 2
    assert data["rows"][0]["collection_rate"] is None


def test_a_token_sees_only_its_area(users, areas, street_token):
    ledger_build(areas, users)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {street_token}")
    data = client.get(URL).json()
    assert data["total"]["area"] == areas["street_a"].pk
    assert data["total"]["residents"] == 4
    grid = client.get(URL, {"area": areas["grid_b"].pk}).json()
    assert grid["rows"] == [] and grid["total"]["residents"] == 1


def test_an_area_outside_the_scope_is_a_400_naming_the_field(users, areas, street_token):
    client = APIClient(HTTP_AUTHORIZATION=f"Token {street_token}", HTTP_ACCEPT_LANGUAGE="en")
    for value in (areas["street_b"].pk, areas["district"].pk, "x"):
        response = client.get(URL, {"area": value})
        assert response.status_code == 400, value
        assert "area" in response.json()


def test_anonymous_callers_are_refused(db):
    assert APIClient().get(URL).status_code == 401
