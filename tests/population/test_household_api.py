import datetime

from rest_framework.test import APIClient

from population.models import House, HouseholdEvent
from tests.conftest import login
from tests.factories import ResidentFactory
from tests.population.factories import HouseFactory, HouseholdFactory


def session_client(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    login(client, user)
    return client


def test_a_grid_worker_registers_a_rented_house_and_sees_the_phone_masked(users, areas):
    """P4: the rental record carries landlord, filing date and responsibility letter."""
    client = session_client(users["grid_worker_a"])
    response = client.post(
        "/api/v1/houses/",
        {
            "grid": areas["grid_a"].pk,
            "building": "7",
            "unit": "3",
            "room": "602",
            "is_rented": True,
            "landlord_name": "赵国庆",
            "landlord_phone": "13912345678",
            "responsibility_letter_signed_on": "2025-03-01",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["landlord_phone"] == "139****5678"
    assert (body["label"], body["filed_on"], body["household_count"]) == ("7幢3单元602", None, 0)
    assert House.objects.get().responsibility_letter_signed_on == datetime.date(2025, 3, 1)


def test_bad_house_input_is_a_400_naming_the_field_and_saves_nothing(users, areas):
    client = session_client(users["grid_worker_a"])
    grid = areas["grid_a"].pk
    cases = [
        ({"grid": grid, "building": "1", "is_rented": True}, "landlord_name"),
        ({"grid": grid, "building": "1", "landlord_name": "赵"}, "is_rented"),
        ({"grid": grid, "building": "1", "filed_on": "2025-02-30"}, "filed_on"),
        ({"grid": areas["grid_b"].pk, "building": "1"}, "grid"),
        ({"grid": grid, "building": "1", "owner": "x"}, "owner"),
    ]
    for payload, field in cases:
        response = client.post("/api/v1/houses/", payload, format="json")
        assert response.status_code == 400, (payload, response.content)
        assert field in response.json(), (payload, response.json())
    assert not House.objects.exists()


def test_the_house_list_filters_rentals_not_filed(users, areas):
    """P4: the list of rentals not filed."""
    unfiled = HouseFactory(grid=areas["grid_a"], is_rented=True, landlord_name="赵")
    HouseFactory(
        grid=areas["grid_a"],
        is_rented=True,
        landlord_name="钱",
        filed_on=datetime.date(2025, 1, 2),
    )
    HouseFactory(grid=areas["grid_b"])
    client = session_client(users["street_office"])
    assert len(client.get("/api/v1/houses/").json()["results"]) == 3
    found = client.get("/api/v1/houses/", {"rented": "true", "filed": "false"}).json()
    assert [row["id"] for row in found["results"]] == [unfiled.pk]
    by_grid = client.get("/api/v1/houses/", {"grid": areas["grid_b"].pk}).json()["results"]
    assert len(by_grid) == 1
    assert client.get("/api/v1/houses/", {"filed": ""}).status_code == 400


def test_a_token_client_registers_a_household_and_manages_its_members(users, areas, street_token):
    house = HouseFactory(grid=areas["grid_b"])
    head = ResidentFactory(grid=areas["grid_b"], name="王建国")
    spouse = ResidentFactory(grid=areas["grid_b"], name="李秀英")
    client = APIClient(HTTP_AUTHORIZATION=f"Token {street_token}", HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        "/api/v1/households/",
        {"house": house.pk, "kind": "registered", "number": "A001", "head": head.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    household = response.json()
    assert household["head_name"] == "王建国"
    assert household["members"] == [
        {"id": head.pk, "name": "王建国", "relationship": "head", "status": "registered"}
    ]
    url = f"/api/v1/households/{household['id']}/"
    added = client.post(
        url + "add-member/", {"resident": spouse.pk, "relationship": "spouse"}, format="json"
    )
    assert added.status_code == 200, added.content
    assert [m["name"] for m in added.json()["members"]] == ["王建国", "李秀英"]
    again = client.post(
        url + "add-member/", {"resident": spouse.pk, "relationship": "spouse"}, format="json"
    )
    assert again.status_code == 400 and "already a member" in again.json()["resident"][0]
    removed = client.post(url + "remove-member/", {"resident": head.pk}, format="json")
    assert removed.status_code == 200, removed.content
    assert (removed.json()["head"], [m["name"] for m in removed.json()["members"]]) == (
        None,
        ["李秀英"],
    )
    assert HouseholdEvent.objects.filter(household_id=household["id"]).count() == 3
    patched = client.patch(url, {"head": spouse.pk, "kind": "floating"}, format="json")
    assert patched.status_code == 200, patched.content
    assert (patched.json()["head_name"], patched.json()["kind"]) == ("李秀英", "floating")


def test_a_resident_outside_the_scope_does_not_exist_for_the_member_actions(users, areas):
    household = HouseholdFactory(house=HouseFactory(grid=areas["grid_a"]))
    hidden = ResidentFactory(grid=areas["grid_other_street"])
    client = session_client(users["street_office"])
    response = client.post(
        f"/api/v1/households/{household.pk}/add-member/",
        {"resident": hidden.pk, "relationship": "other"},
        format="json",
    )
    assert response.status_code == 400 and "resident" in response.json()
    hidden.refresh_from_db()
    assert hidden.household is None


def test_households_are_filtered_by_grid_house_and_rental_state(users, areas):
    rented = HouseFactory(grid=areas["grid_a"], is_rented=True, landlord_name="赵")
    in_rental = HouseholdFactory(house=rented)
    HouseholdFactory(house=HouseFactory(grid=areas["grid_b"]))
    client = session_client(users["community_office"])
    assert len(client.get("/api/v1/households/").json()["results"]) == 2
    for params in ({"rented": "true"}, {"house": rented.pk}, {"grid": areas["grid_a"].pk}):
        ids = [row["id"] for row in client.get("/api/v1/households/", params).json()["results"]]
        assert ids == [in_rental.pk], params
    unfiled = client.get("/api/v1/households/", {"filed": "false", "rented": "true"}).json()
    assert [row["id"] for row in unfiled["results"]] == [in_rental.pk]


def test_a_rental_filter_takes_true_or_false_and_nothing_else(users, areas):
    client = session_client(users["street_office"])
    for value in ("null", "unknown", "yes"):
        response = client.get("/api/v1/houses/", {"rented": value})
        assert response.status_code == 400 and "rented" in response.json(), value
    assert client.get("/api/v1/households/", {"filed": "0"}).status_code == 200
