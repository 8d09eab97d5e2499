"""A token reaches the narrower of its own area and its client's current home area; a client
moved out of the token's area holds a token that no longer works (issue 6)."""

from rest_framework.test import APIClient

from governance.models import ApiToken
from governance.scoping import token_scope


def token_client(key: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def listed_codes(key: str) -> set[str]:
    response = token_client(key).get("/api/v1/areas/", {"page_size": 500})
    assert response.status_code == 200, response.content
    return {row["code"] for row in response.json()["results"]}


def test_a_client_narrowed_to_one_grid_reaches_only_that_grid_with_its_street_token(
    street_token, users, areas
):
    assert len(listed_codes(street_token)) > 1
    client = users["api_client"]
    client.home_area = areas["grid_a"]
    client.save()
    assert listed_codes(street_token) == {areas["grid_a"].code}
    hidden = token_client(street_token).get(f"/api/v1/areas/{areas['grid_b'].pk}/")
    assert hidden.status_code == 404


def test_a_token_narrower_than_its_clients_home_keeps_its_own_area(street_token, areas):
    token = ApiToken.objects.select_related("client__home_area", "area").get()
    assert token.client.home_area == areas["district"]
    assert token_scope(token) == areas["street_a"]


def test_a_client_moved_to_another_street_holds_a_token_that_gets_401_saying_why(
    street_token, users, areas
):
    client = users["api_client"]
    client.home_area = areas["street_b"]
    client.save()
    response = token_client(street_token).get("/api/v1/areas/")
    assert response.status_code == 401
    assert "moved out of the token's area" in response.json()["detail"]
    # Every route of the token, not only lists.
    located = token_client(street_token).get("/api/v1/areas/locate/", {"lon": 120, "lat": 30})
    assert located.status_code == 401


def test_the_token_is_on_request_auth_and_not_on_the_user(street_token, users):
    from rest_framework.test import APIRequestFactory

    from governance.api_auth import ApiTokenAuthentication

    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Token {street_token}")
    user, token = ApiTokenAuthentication().authenticate(request)
    assert user == users["api_client"] and token == ApiToken.objects.get()
    assert not hasattr(user, "api_token")


def test_authenticating_a_token_loads_no_boundary(street_token):
    from governance.services import api_token_authenticate

    token = api_token_authenticate(street_token)
    assert "boundary" in token.area.get_deferred_fields()
    assert "boundary" in token.client.home_area.get_deferred_fields()
