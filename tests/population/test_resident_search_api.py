"""Searching residents through the API: a POST, so that no ID number or phone is ever in a URL."""

from rest_framework.test import APIClient

from tests.conftest import login
from tests.factories import ResidentFactory

SEARCH = "/api/v1/residents/search/"
PHONE = "13811112222"


def session_api(user) -> APIClient:
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    login(api, user)
    return api


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


def test_a_search_finds_by_full_id_number_phone_or_the_start_of_a_name(users, areas):
    wanted = ResidentFactory(grid=areas["grid_a"], name="吴晓红", phone=PHONE)
    ResidentFactory(grid=areas["grid_a"], name="郑强")
    api = session_api(users["grid_worker_a"])
    assert names(api.post(SEARCH, {"q": wanted.id_number}, format="json")) == ["吴晓红"]
    assert names(api.post(SEARCH, {"q": PHONE}, format="json")) == ["吴晓红"]
    assert names(api.post(SEARCH, {"q": "吴晓"}, format="json")) == ["吴晓红"]
    # The start only: an index serves it ("contains" would read a whole district's rows).
    assert names(api.post(SEARCH, {"q": "晓红"}, format="json")) == []
    # One character (a surname) matches thousands of a street's people: refused, named.
    short = api.post(SEARCH, {"q": "吴"}, format="json")
    assert short.status_code == 400 and "q" in short.json()
    assert names(api.post(SEARCH, {"q": PHONE[:6]}, format="json")) == []


def test_a_search_answers_masked_and_scoped(users, areas, street_token):
    inside = ResidentFactory(grid=areas["grid_a"], name="吴晓红", phone=PHONE)
    outside = ResidentFactory(grid=areas["grid_other_street"], name="吴晓明")
    token = APIClient(HTTP_AUTHORIZATION=f"Token {street_token}")
    response = token.post(SEARCH, {"q": "吴晓"}, format="json")
    assert names(response) == ["吴晓红"]
    row = response.json()["results"][0]
    assert inside.id_number not in str(row) and PHONE not in str(row)
    assert names(token.post(SEARCH, {"q": outside.id_number}, format="json")) == []


def test_a_search_is_paginated_like_the_list(users, areas):
    for n in range(3):
        ResidentFactory(grid=areas["grid_a"], name=f"吴晓{n}")
    api = session_api(users["grid_worker_a"])
    first = api.post(SEARCH + "?page_size=2", {"q": "吴晓"}, format="json").json()
    assert len(first["results"]) == 2 and first["next"]
    second = api.post(first["next"], {"q": "吴晓"}, format="json").json()
    assert len(second["results"]) == 1
    seen = {row["id"] for row in first["results"] + second["results"]}
    assert len(seen) == 3


def test_a_search_needs_a_query_and_takes_nothing_else(users, areas):
    api = session_api(users["grid_worker_a"])
    assert "q" in api.post(SEARCH, {}, format="json").json()
    assert "id_number" in api.post(SEARCH, {"q": "吴晓", "id_number": "1"}, format="json").json()


def test_a_query_string_search_is_refused_and_says_where_to_search(users, areas):
    resident = ResidentFactory(grid=areas["grid_a"])
    response = session_api(users["grid_worker_a"]).get(
        "/api/v1/residents/", {"q": resident.id_number}
    )
    assert response.status_code == 400
    assert "/api/v1/residents/search/" in response.json()["q"][0]
