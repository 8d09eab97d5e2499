from django.urls import reverse

from tests.conftest import login
from tests.factories import ResidentFactory
from tests.test_query_counts import count_queries


def test_resident_lists_cost_the_same_for_one_row_as_for_several(client, users, areas):
    ResidentFactory(grid=areas["grid_a"])
    login(client, users["street_office"])
    urls = (reverse("residents:list"), "/api/v1/residents/")
    one = [count_queries(client, url) for url in urls]
    for grid in ("grid_a", "grid_b", "grid_b"):
        ResidentFactory(grid=areas[grid])
    assert [count_queries(client, url) for url in urls] == one
