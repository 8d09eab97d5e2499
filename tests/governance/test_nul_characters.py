"""A NUL character cannot be stored in PostgreSQL text: any input carrying one is refused with
a 400 before it reaches a view, wherever it comes in (query string, form, JSON, header,
cookie, path)."""

import base64

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import login

NUL_MESSAGE_EN = "The request contains a NUL character"


def token_client(key: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def assert_api_refusal(response) -> None:
    assert response.status_code == 400, response.content
    assert NUL_MESSAGE_EN in response.json()["detail"]


def test_a_tampered_pagination_cursor_is_a_400_not_a_server_error(street_token):
    # "cD0lMDA=" is base64 for "p=%00": the cursor's position decodes to a NUL, which only
    # the paginator sees (the query string itself holds none).
    response = token_client(street_token).get("/api/v1/areas/?cursor=cD0lMDA%3D")
    assert response.status_code == 400
    assert response.json() == {"cursor": ["Invalid cursor"]}


def test_a_cursor_whose_position_is_no_date_is_a_400(users):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    login(client, users["street_office"])
    cursor = base64.b64encode(b"p=yesterday").decode()
    response = client.get("/api/v1/notifications/", {"cursor": cursor})
    assert response.status_code == 400
    assert "cursor" in response.json()


def test_a_nul_in_an_api_filter_is_a_400(street_token):
    assert_api_refusal(token_client(street_token).get("/api/v1/areas/", {"name": "a\x00b"}))


def test_a_nul_in_the_token_header_is_a_400(db):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION="Token ggp_abc\x00def_secret")
    assert_api_refusal(client.get("/api/v1/areas/"))


def test_a_nul_in_a_json_body_is_a_400(users, areas):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    login(client, users["admin"])
    response = client.patch(
        f"/api/v1/areas/{areas['grid_a'].pk}/", {"name": "网格\x00一"}, format="json"
    )
    assert_api_refusal(response)
    assert "\x00" not in type(areas["grid_a"]).objects.get(pk=areas["grid_a"].pk).name


def test_an_escaped_backslash_before_u0000_is_text_not_a_nul(users, areas):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    login(client, users["admin"])
    response = client.patch(
        f"/api/v1/areas/{areas['grid_a'].pk}/",
        '{"name": "C:\\\\u0000"}',  # the JSON text "C:\\u0000" is the name C:\u0000
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "C:\\u0000"


def test_a_nul_in_an_admin_form_is_a_400_and_saves_nothing(users, areas):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    login(client, users["admin"])
    grid = areas["grid_a"]
    response = client.post(
        f"/admin/grid/area/{grid.pk}/change/",
        f"name=%E7%BD%91%00&code={grid.code}",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert type(grid).objects.get(pk=grid.pk).name == grid.name


def test_a_nul_in_a_multipart_field_is_a_400_but_file_contents_are_not_looked_at(users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    login(client, users["street_office"])
    upload = SimpleUploadedFile("book.xlsx", b"PK\x03\x04\x00\x00")
    refused = client.post("/notifications/read/", {"all": "1\x00", "file": upload})
    assert refused.status_code == 400
    upload.seek(0)
    assert client.post("/notifications/read/", {"file": upload}).status_code != 400


def test_a_nul_in_the_path_is_a_400(street_token):
    assert_api_refusal(token_client(street_token).get("/api/v1/areas/%00/"))


@pytest.mark.parametrize(
    "query",
    [
        "code=%00",  # a field lookup in the query string
        "q=%00",  # the search box
        "level=%00",  # a list filter
    ],
)
def test_a_nul_in_an_admin_search_or_filter_is_a_400_page(users, query):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    login(client, users["admin"])
    response = client.get(f"/admin/grid/area/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/")
    assert NUL_MESSAGE_EN in response.content.decode()


def test_a_nul_in_the_admin_autocomplete_is_a_400(users):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    login(client, users["admin"])
    response = client.get(
        "/admin/autocomplete/",
        {
            "app_label": "grid",
            "model_name": "gridteammember",
            "field_name": "user",
            "term": "\x00",
        },
    )
    assert response.status_code == 400


def test_a_nul_in_the_session_cookie_is_a_400(db):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["sessionid"] = "abc\x00def"
    assert client.get("/areas/").status_code == 400


def test_a_nul_in_a_login_form_is_a_400_page_in_the_users_language(db):
    response = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").post(
        "/accounts/login/", {"username": "a\x00", "password": "x"}
    )
    assert response.status_code == 400
    assert "空字符" in response.content.decode()


def test_a_request_without_a_nul_passes(street_token):
    response = token_client(street_token).get("/api/v1/areas/", {"name": "%00 is text"})
    assert response.status_code == 200


def test_an_unreadable_multipart_body_is_a_400_that_says_so(db):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/accounts/login/", b"username=a", content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert "multipart body cannot be read" in response.content.decode()
