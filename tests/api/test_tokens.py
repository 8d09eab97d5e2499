from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from governance.models import ApiToken, hash_token_secret
from governance.services import api_token_issue, api_token_revoke


def token_client(key: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_sees_only_the_areas_of_its_scope(street_token, areas):
    response = token_client(street_token).get("/api/v1/areas/", {"page_size": 500})
    assert response.status_code == 200
    codes = {row["code"] for row in response.json()["results"]}
    assert codes and all(code.startswith(areas["street_a"].code) for code in codes)
    assert areas["street_b"].code not in codes


def test_the_key_is_stored_only_as_a_hash(street_token):
    token = ApiToken.objects.get()
    secret = street_token.split("_", 2)[2]
    assert token.secret_hash == hash_token_secret(secret)
    assert secret not in token.secret_hash


@pytest.mark.parametrize(
    "key",
    ["ggp_nothere_abc", "not-even-a-token", "ggp_12345678"],
)
def test_an_unknown_key_gets_401_json(db, key):
    response = token_client(key).get("/api/v1/areas/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."


def test_a_tampered_secret_gets_401(street_token):
    response = token_client(street_token[:-2] + "xx").get("/api/v1/areas/")
    assert response.status_code == 401


def test_a_revoked_token_gets_401_saying_so(street_token, users):
    api_token_revoke(actor=users["admin"], token=ApiToken.objects.get())
    response = token_client(street_token).get("/api/v1/areas/")
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_an_expired_token_gets_401_saying_so(street_token):
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = token_client(street_token).get("/api/v1/areas/")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_a_disabled_client_account_gets_401(street_token, users):
    users["api_client"].is_active = False
    users["api_client"].save()
    assert token_client(street_token).get("/api/v1/areas/").status_code == 401


def test_an_area_outside_the_scope_is_404_not_403(street_token, areas):
    response = token_client(street_token).get(f"/api/v1/areas/{areas['street_b'].pk}/")
    assert response.status_code == 404
    assert "detail" in response.json()


def test_a_client_cannot_write_areas(street_token, areas):
    response = token_client(street_token).patch(
        f"/api/v1/areas/{areas['grid_a'].pk}/", {"name": "改名"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["detail"]


def test_tokens_are_issued_only_to_api_clients_and_within_the_issuers_area(users, areas):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        api_token_issue(
            actor=users["admin"], client=users["leader"], name="x", area=areas["street_a"]
        )
    assert "client" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        api_token_issue(
            actor=users["street_admin"],
            client=users["api_client"],
            name="x",
            area=areas["street_b"],
        )
    assert "area" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        api_token_issue(
            actor=users["admin"],
            client=users["api_client"],
            name="x",
            area=areas["street_a"],
            expires_at=timezone.now() - timedelta(days=1),
        )
    assert "expires_at" in error.value.message_dict
    assert not ApiToken.objects.exists()


def test_an_api_client_account_cannot_use_the_api_through_a_session(users):
    client = APIClient()
    client.force_login(users["api_client"])
    assert client.get("/api/v1/areas/").status_code == 403


def test_a_token_loses_its_rights_when_its_account_stops_being_an_api_client(street_token, users):
    users["api_client"].role = "admin"
    users["api_client"].save()
    response = token_client(street_token).get("/api/v1/areas/")
    assert response.status_code == 401
    assert "no longer an API client" in response.json()["detail"]
