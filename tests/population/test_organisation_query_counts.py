from django.urls import reverse

from population.models import OrganisationKind
from tests.conftest import login
from tests.population.factories import OrganisationFactory, VitalPartFactory
from tests.test_query_counts import count_queries


def test_organisation_lists_cost_the_same_for_one_row_as_for_several(client, users, areas):
    OrganisationFactory(grid=areas["grid_a"])
    login(client, users["street_office"])
    urls = (
        reverse("organisations:list"),
        reverse("organisations:list") + "?problem=size_rule",
        "/api/v1/organisations/",
        "/api/v1/vital-parts/",
    )
    VitalPartFactory(organisation__grid=areas["grid_a"])
    one = [count_queries(client, url) for url in urls]
    for grid, kind in (("grid_a", "enterprise"), ("grid_b", "new_social"), ("grid_b", "school")):
        OrganisationFactory(grid=areas[grid], kind=OrganisationKind(kind))
        VitalPartFactory(organisation__grid=areas[grid])
    assert [count_queries(client, url) for url in urls] == one


def test_a_key_units_page_costs_the_same_with_more_vital_parts(client, users, areas):
    part = VitalPartFactory(organisation__grid=areas["grid_a"])
    login(client, users["grid_worker_a"])
    url = reverse("organisations:detail", args=[part.organisation.pk])
    one = count_queries(client, url)
    for _ in range(3):
        VitalPartFactory(organisation=part.organisation)
    assert count_queries(client, url) == one
