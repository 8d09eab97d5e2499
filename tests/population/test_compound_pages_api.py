"""Compounds (四位一体, P27) in the browser and through the API: the wiring (the rules are
tested at the services, tests/population/test_compound_services.py)."""

from django.urls import reverse

from population.models import Compound, House, OrganisationKind
from tests.conftest import login
from tests.population.compound_data import complete_compound, the_four
from tests.population.factories import CompoundFactory, HouseFactory, OrganisationFactory
from tests.population.test_organisation_api import session_client


def test_the_list_shows_what_is_missing_and_filters_the_incomplete(client, users, areas):
    """P27: list pages show which of the four are missing."""
    complete = complete_compound(areas["grid_a"], name="东苑小区")
    CompoundFactory(grid=areas["grid_b"], name="西苑小区", party_organisation="西苑党支部")
    login(client, users["community_office"])
    page = client.get(reverse("compounds:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "东苑小区" in page and "西苑小区" in page
    assert "No residents&#x27; committee (居委会)" in page
    assert "No party organisation" not in page
    incomplete = client.get(
        reverse("compounds:list"), {"incomplete": "1"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "西苑小区" in incomplete and "东苑小区" not in incomplete
    within = client.get(reverse("compounds:list"), {"area": areas["grid_a"].pk}).content.decode()
    assert "东苑小区" in within and "西苑小区" not in within
    detail = client.get(reverse("compounds:detail", args=[complete.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "are all on record" in detail.content.decode()


def test_a_grid_worker_registers_a_compound_on_its_page_and_sees_errors_by_field(
    client, users, areas
):
    four = the_four(areas["grid_a"])
    login(client, users["grid_worker_a"])
    form = client.get(reverse("compounds:new")).content.decode()
    assert four["owners_committee"].name in form
    enterprise = OrganisationFactory(grid=areas["grid_a"], kind=OrganisationKind.ENTERPRISE)
    response = client.post(
        reverse("compounds:new"),
        {"grid": areas["grid_a"].pk, "name": "东苑小区", "owners_committee": enterprise.pk},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200  # the form only offers owners' committees
    assert "Select a valid choice" in response.content.decode()
    assert not Compound.objects.exists()
    response = client.post(
        reverse("compounds:new"),
        {
            "grid": areas["grid_a"].pk,
            "name": "东苑小区",
            "party_organisation": "东苑党支部",
            **{field: org.pk for field, org in four.items()},
        },
    )
    compound = Compound.objects.get()
    assert response.status_code == 302 and compound.four_in_one
    response = client.post(
        reverse("compounds:edit", args=[compound.pk]),
        {"name": "", "party_organisation": "东苑党支部"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_a_leader_reads_compounds_without_a_form(client, users, areas):
    compound = CompoundFactory(grid=areas["grid_a"])
    login(client, users["street_leader"])
    page = client.get(reverse("compounds:edit", args=[compound.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "compound-form" not in page.content.decode()
    response = client.post(reverse("compounds:edit", args=[compound.pk]), {"name": "改名"})
    compound.refresh_from_db()
    assert compound.name != "改名" and response.status_code == 200


def test_a_house_is_put_in_a_compound_on_its_edit_page(client, users, areas):
    compound = CompoundFactory(grid=areas["grid_a"], name="东苑小区")
    far = CompoundFactory(grid=areas["grid_other_street"], name="远方小区")
    house = HouseFactory(grid=areas["grid_b"])
    login(client, users["street_office"])
    edit = reverse("houses:edit", args=[house.pk])
    form = client.get(edit).content.decode()
    assert "东苑小区" in form and "远方小区" not in form  # its community's only
    response = client.post(edit, {"building": house.building, "unit": house.unit,
                                  "room": house.room, "compound": compound.pk})  # fmt: skip
    assert response.status_code == 302, response.content.decode()
    house.refresh_from_db()
    assert house.compound == compound
    detail = client.get(reverse("compounds:detail", args=[compound.pk])).content.decode()
    assert reverse("houses:detail", args=[house.pk]) in detail
    assert far.pk != compound.pk


def test_the_api_filters_compounds_and_houses_name_theirs(users, areas):
    complete = complete_compound(areas["grid_a"])
    partial = CompoundFactory(grid=areas["grid_b"])
    elsewhere = CompoundFactory(grid=areas["community_b"].children.order_by("code").first())
    client = session_client(users["street_office"])

    def ids(**query):
        response = client.get("/api/v1/compounds/", query)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids() == {complete.pk, partial.pk, elsewhere.pk}
    assert ids(incomplete="true") == {partial.pk, elsewhere.pk}
    assert ids(incomplete="false") == {complete.pk}
    assert ids(grid=areas["grid_b"].pk) == {partial.pk}
    assert ids(community=areas["community_a"].pk) == {complete.pk, partial.pk}
    body = client.get(f"/api/v1/compounds/{partial.pk}/").json()
    assert body["four_in_one"] is False
    assert body["missing"] == [
        "party_organisation",
        "residents_committee",
        "owners_committee",
        "property_company",
    ]
    response = client.post(
        "/api/v1/houses/",
        {"grid": areas["grid_b"].pk, "building": "8", "compound": elsewhere.pk},
        format="json",
    )
    assert response.status_code == 400 and list(response.json()) == ["compound"]
    response = client.post(
        "/api/v1/houses/",
        {"grid": areas["grid_b"].pk, "building": "8", "compound": complete.pk},
        format="json",
    )
    assert response.status_code == 201 and response.json()["compound"] == complete.pk
    assert House.objects.get(pk=response.json()["id"]).compound == complete
    assert client.get(f"/api/v1/compounds/{complete.pk}/").json()["house_count"] == 1
    response = client.patch(
        f"/api/v1/compounds/{partial.pk}/",
        {"property_company": the_four(areas["grid_a"])["owners_committee"].pk},
        format="json",
    )
    assert response.status_code == 400 and list(response.json()) == ["property_company"]


def test_the_compound_page_lists_only_the_houses_its_reader_sees(client, users, areas):
    """A compound spans its community: grid_a's worker does not see grid_b's house in it."""
    compound = CompoundFactory(grid=areas["grid_a"])
    own = HouseFactory(grid=areas["grid_a"], compound=compound)
    hidden = HouseFactory(grid=areas["grid_b"], compound=compound)
    login(client, users["grid_worker_a"])
    page = client.get(reverse("compounds:detail", args=[compound.pk])).content.decode()
    assert reverse("houses:detail", args=[own.pk]) in page
    assert reverse("houses:detail", args=[hidden.pk]) not in page
