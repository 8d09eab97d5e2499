"""Whom a visit was to (issue 7, item 2): a resident, a household or an organisation of the
visit's grid (seed-rules P26: the visit log of 走访基层群众)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from population.models import Visit
from population.services import visit_log
from tests.conftest import login
from tests.population.factories import HouseFactory, HouseholdFactory, OrganisationFactory


@pytest.fixture
def household(areas):
    return HouseholdFactory(house=HouseFactory(grid=areas["grid_a"]))


@pytest.fixture
def organisation(areas):
    return OrganisationFactory(grid=areas["grid_a"], name="精工机械制造有限公司")


def test_a_visit_to_a_household_takes_its_grid_and_names_it(users, areas, household):
    visit = visit_log(actor=users["street_office"], household=household, purpose="routine")
    assert (visit.grid, visit.household, visit.subject) == (
        areas["grid_a"],
        household,
        str(household),
    )


def test_a_visit_to_an_organisation_takes_its_grid_and_name(users, areas, organisation):
    visit = visit_log(actor=users["grid_worker_a"], organisation=organisation, purpose="other")
    assert (visit.grid, visit.organisation, visit.subject) == (
        areas["grid_a"],
        organisation,
        "精工机械制造有限公司",
    )


def test_a_household_of_another_grid_than_the_visits_is_refused(users, areas, household):
    with pytest.raises(ValidationError) as error:
        visit_log(actor=users["street_office"], grid=areas["grid_b"], household=household)
    assert "another grid" in " ".join(error.value.message_dict["household"])
    assert not Visit.objects.exists()


def test_an_organisation_outside_the_workers_area_is_refused(users, areas):
    elsewhere = OrganisationFactory(grid=areas["grid_b"])
    with pytest.raises(ValidationError) as error:
        visit_log(actor=users["grid_worker_a"], organisation=elsewhere)
    assert "within your own area" in " ".join(error.value.message_dict["organisation"])
    assert not Visit.objects.exists()


def test_the_household_page_leads_to_a_visit_form_that_names_it(client, users, household):
    login(client, users["grid_worker_a"])
    page = client.get(reverse("houses:household", args=[household.pk])).content.decode()
    link = f"{reverse('visits:new')}?household={household.pk}"
    assert link in page
    form = client.get(link).content.decode()
    assert str(household) in form
    response = client.post(
        link, {"household": household.pk, "purpose": "rental_inspection", "notes": "消防通道畅通"}
    )
    visit = Visit.objects.get()
    assert response.status_code == 302 and visit.household == household
    page = client.get(reverse("houses:household", args=[household.pk])).content.decode()
    assert reverse("visits:detail", args=[visit.pk]) in page


def test_the_organisation_page_lists_its_visits(client, users, organisation):
    visit = visit_log(actor=users["grid_worker_a"], organisation=organisation)
    login(client, users["street_leader"])
    page = client.get(reverse("organisations:detail", args=[organisation.pk])).content.decode()
    assert reverse("visits:detail", args=[visit.pk]) in page
    assert f"?organisation={organisation.pk}" not in page  # leaders read the log


def test_the_api_logs_and_filters_visits_by_household_and_organisation(
    street_token, household, organisation
):
    client = APIClient(HTTP_AUTHORIZATION=f"Token {street_token}")
    created = client.post("/api/v1/visits/", {"household": household.pk}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["household"] == household.pk
    client.post("/api/v1/visits/", {"organisation": organisation.pk}, format="json")
    listed = client.get("/api/v1/visits/", {"organisation": organisation.pk}).json()["results"]
    assert [row["organisation"] for row in listed] == [organisation.pk]
