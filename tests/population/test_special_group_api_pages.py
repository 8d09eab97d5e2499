from django.test import Client
from rest_framework.test import APIClient

from population.models import SpecialGroupKind, SpecialGroupRecord
from tests.conftest import login
from tests.factories import ResidentFactory
from tests.population.factories import SpecialGroupRecordFactory


def client_for(user, cls=APIClient):
    client = cls(HTTP_ACCEPT_LANGUAGE="en")
    login(client, user)
    return client


def test_office_staff_tag_through_the_api_and_a_bad_field_is_a_400_naming_it(users, areas):
    resident = ResidentFactory(grid=areas["grid_a"])
    client = client_for(users["street_office"])
    payload = {"resident": resident.pk, "kind": "drug_user", "since": "2026-01-05"}
    bad = client.post("/api/v1/special-group-records/", {**payload, "risk_level": 2}, format="json")
    assert bad.status_code == 400 and "risk_level" in bad.json()
    assert not SpecialGroupRecord.objects.exists()
    response = client.post("/api/v1/special-group-records/", payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "drug_user"


def test_a_leader_sees_counts_and_no_names_in_the_api_and_on_the_page(users, areas):
    record = SpecialGroupRecordFactory(resident=ResidentFactory(grid=areas["grid_a"]))
    api = client_for(users["leader"])
    assert api.get("/api/v1/special-group-records/").json()["results"] == []
    summary = {row["kind"]: row["open_records"] for row in api.get(
        "/api/v1/special-group-records/summary/").json()}  # fmt: skip
    assert summary[record.kind.code] == 1
    page = client_for(users["leader"], Client).get("/special-groups/")
    assert page.status_code == 200
    assert record.resident.name not in page.content.decode()
    office_page = client_for(users["street_office"], Client).get("/special-groups/")
    assert record.resident.name in office_page.content.decode()


def test_kinds_are_read_by_every_portal_user(users):
    response = client_for(users["grid_worker_a"]).get("/api/v1/special-group-kinds/")
    assert response.status_code == 200
    codes = {row["code"] for row in response.json()["results"]}
    assert codes <= set(SpecialGroupKind.objects.values_list("code", flat=True))
    assert "community_correction" in codes


def test_office_staff_tag_a_resident_from_the_page_and_record_a_relapse(users, areas):
    resident = ResidentFactory(grid=areas["grid_a"])
    client = client_for(users["street_office"], Client)
    detail = client.get(f"/residents/{resident.pk}/").content.decode()
    assert f"/special-groups/new/?resident={resident.pk}" in detail
    kind = SpecialGroupKind.objects.get(code="drug_user")
    response = client.post(
        "/special-groups/new/", {"resident": resident.pk, "kind": kind.pk, "since": "2026-01-05"}
    )
    record = SpecialGroupRecord.objects.get()
    assert response.status_code == 302 and response.url == f"/special-groups/{record.pk}/"
    response = client.post(
        response.url,
        {"form": "event", "event-kind": "relapse", "event-occurred_on": "2026-02-01"},
    )
    assert response.status_code == 302
    assert record.events.get().kind == "relapse"


def test_the_due_rates_and_high_risk_pages_answer(users, areas):
    SpecialGroupRecordFactory(resident=ResidentFactory(grid=areas["grid_a"]))
    client = client_for(users["street_office"], Client)
    for url in ("/special-groups/due/", "/special-groups/rates/", "/special-groups/high-risk/"):
        assert client.get(url).status_code == 200, url
