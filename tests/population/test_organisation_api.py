from rest_framework.test import APIClient

from population.identities import credit_code_make
from population.models import Organisation, OrganisationKind, VitalPart
from tests.conftest import login
from tests.population.factories import OrganisationFactory, VitalPartFactory

CODE = credit_code_make(serial=777)


def session_client(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    login(client, user)
    return client


def test_a_grid_worker_registers_an_organisation_and_sees_the_phones_masked(users, areas):
    client = session_client(users["grid_worker_a"])
    response = client.post(
        "/api/v1/organisations/",
        {
            "grid": areas["grid_a"].pk,
            "name": "云帆科技",
            "kind": "new_economic",
            "credit_code": CODE.lower(),
            "employee_count": 12,
            "liaison_name": "郑雨",
            "liaison_phone": "13857100003",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["credit_code"] == CODE
    assert body["liaison_phone"] == "138****0003"
    assert body["lacks_two_new_contacts"] is True  # no safety-information officer yet
    assert body["size_rule_shortfall"] == ""  # small, and it has its liaison


def test_a_bad_credit_code_is_a_400_naming_the_field(users, areas):
    client = session_client(users["grid_worker_a"])
    response = client.post(
        "/api/v1/organisations/",
        {"grid": areas["grid_a"].pk, "name": "某", "kind": "enterprise", "credit_code": "9133"},
        format="json",
    )
    assert response.status_code == 400
    assert "18 characters" in " ".join(response.json()["credit_code"])
    assert not Organisation.objects.exists()


def test_the_list_filters_by_kind_and_by_shortfall(users, areas):
    school = OrganisationFactory(grid=areas["grid_a"], kind=OrganisationKind.SCHOOL)
    lacking = OrganisationFactory(grid=areas["grid_b"], kind=OrganisationKind.NEW_SOCIAL)
    client = session_client(users["street_office"])
    by_kind = client.get("/api/v1/organisations/", {"kind": "school"}).json()["results"]
    assert [row["id"] for row in by_kind] == [school.pk]
    short = client.get("/api/v1/organisations/", {"problem": "lacking_contacts"}).json()
    assert [row["id"] for row in short["results"]] == [lacking.pk]
    size = client.get("/api/v1/organisations/", {"problem": "size_rule"}).json()["results"]
    assert [row["id"] for row in size] == [lacking.pk]  # small and without a liaison
    bad = client.get("/api/v1/organisations/", {"problem": "everything"})
    assert bad.status_code == 400 and "problem" in bad.json()


def test_the_list_pages_with_a_cursor(users, areas):
    for _ in range(3):
        OrganisationFactory(grid=areas["grid_a"])
    client = session_client(users["grid_worker_a"])
    first = client.get("/api/v1/organisations/", {"page_size": 2}).json()
    assert len(first["results"]) == 2 and "cursor=" in first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1


def test_a_token_client_adds_and_corrects_a_vital_part(users, areas, street_token):
    station = OrganisationFactory(grid=areas["grid_b"], kind=OrganisationKind.KEY_UNIT)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {street_token}")
    response = client.post(
        "/api/v1/vital-parts/",
        {"organisation": station.pk, "name": "配电房", "person_responsible": "孙强"},
        format="json",
    )
    assert response.status_code == 201, response.content
    patched = client.patch(
        f"/api/v1/vital-parts/{response.json()['id']}/", {"description": "双人双锁"}, format="json"
    )
    assert patched.status_code == 200, patched.content
    assert VitalPart.objects.get().description == "双人双锁"
    listed = client.get("/api/v1/vital-parts/", {"organisation": station.pk}).json()
    assert [row["name"] for row in listed["results"]] == ["配电房"]


def test_a_vital_part_of_an_organisation_that_is_not_a_key_unit_is_a_400(users, areas):
    market = OrganisationFactory(grid=areas["grid_a"], kind=OrganisationKind.MARKET)
    client = session_client(users["grid_worker_a"])
    response = client.post(
        "/api/v1/vital-parts/", {"organisation": market.pk, "name": "配电房"}, format="json"
    )
    assert response.status_code == 400
    assert "organisation" in response.json()
    assert not VitalPart.objects.exists()


def test_a_vital_part_elsewhere_is_not_found(users, areas):
    part = VitalPartFactory(organisation__grid=areas["grid_b"])
    client = session_client(users["grid_worker_a"])
    assert client.get(f"/api/v1/vital-parts/{part.pk}/").status_code == 404
