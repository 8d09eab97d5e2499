import datetime

from rest_framework.test import APIClient

from governance.identity import id_number_mask
from population.identities import id_number_make
from population.models import Resident
from tests.conftest import login
from tests.factories import ResidentFactory

NUMBER = id_number_make(born=datetime.date(1978, 11, 2), serial=37)


def session_client(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    login(client, user)
    return client


def test_a_grid_worker_registers_a_resident_and_sees_the_id_number_masked(users, areas):
    client = session_client(users["grid_worker_a"])
    response = client.post(
        "/api/v1/residents/",
        {"grid": areas["grid_a"].pk, "name": "张伟", "id_number": NUMBER, "status": "floating"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id_number"] == id_number_mask(NUMBER) != NUMBER
    assert (body["sex"], body["birth_date"]) == ("male", "1978-11-02")
    assert Resident.objects.get(pk=body["id"]).status == "floating"


def test_a_bad_id_number_is_a_400_naming_the_field(users, areas):
    client = session_client(users["grid_worker_a"])
    response = client.post(
        "/api/v1/residents/",
        {"grid": areas["grid_a"].pk, "name": "张伟", "id_number": NUMBER[:17] + "Y"},
        format="json",
    )
    assert response.status_code == 400
    assert "id_number" in response.json()
    assert not Resident.objects.exists()


def test_the_list_masks_every_id_number_and_searches_by_the_full_number(users, areas):
    ResidentFactory(grid=areas["grid_a"], id_number=NUMBER, name="张伟")
    ResidentFactory(grid=areas["grid_a"], name="李娜")
    client = session_client(users["street_office"])
    listed = client.get("/api/v1/residents/").json()["results"]
    assert len(listed) == 2
    assert all("*" in row["id_number"] for row in listed)
    search = "/api/v1/residents/search/"
    found = client.post(search, {"q": NUMBER.lower()}, format="json").json()["results"]
    assert [row["name"] for row in found] == ["张伟"]
    assert client.post(search, {"q": "李娜"}, format="json").json()["results"][0]["name"] == "李娜"


def test_a_token_client_writes_within_its_area(users, areas, street_token):
    client = APIClient(HTTP_AUTHORIZATION=f"Token {street_token}")
    response = client.post(
        "/api/v1/residents/",
        {"grid": areas["grid_b"].pk, "name": "外部系统", "id_number": NUMBER},
        format="json",
    )
    assert response.status_code == 201, response.content
    patched = client.patch(
        f"/api/v1/residents/{response.json()['id']}/", {"employer": "某公司"}, format="json"
    )
    assert patched.status_code == 200, patched.content
    assert Resident.objects.get().employer == "某公司"
