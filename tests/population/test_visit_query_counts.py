from django.urls import reverse

from tests.conftest import login
from tests.factories import ResidentFactory
from tests.population.factories import VisitFactory
from tests.test_query_counts import count_queries


def test_visit_lists_cost_the_same_for_one_row_as_for_several(client, users, areas):
    resident = ResidentFactory(grid=areas["grid_a"])
    point = areas["grid_b"].geometry.representative_point()

    def visit(grid: str) -> None:
        VisitFactory(
            grid=areas[grid],
            worker=users["grid_worker_a" if grid == "grid_a" else "grid_worker_b"],
            resident=resident if grid == "grid_a" else None,
            latitude=point.y,
            longitude=point.x,
        )

    visit("grid_a")
    login(client, users["street_office"])
    urls = (
        reverse("visits:list"),
        reverse("residents:detail", args=[resident.pk]),
        "/api/v1/visits/",
    )
    one = [count_queries(client, url) for url in urls]
    for grid in ("grid_a", "grid_b", "grid_b"):
        visit(grid)
    assert [count_queries(client, url) for url in urls] == one
    client.logout()
    login(client, users["grid_worker_a"])
    mine = count_queries(client, reverse("visits:mine"))
    visit("grid_a")
    assert count_queries(client, reverse("visits:mine")) == mine


def test_a_visit_detail_costs_the_same_with_or_without_its_rows(client, users, areas):
    resident = ResidentFactory(grid=areas["grid_a"])
    point = areas["grid_b"].geometry.representative_point()
    bare = VisitFactory(grid=areas["grid_a"], worker=users["grid_worker_a"])
    full = VisitFactory(
        grid=areas["grid_a"],
        worker=users["grid_worker_a"],
        resident=resident,
        latitude=point.y,
        longitude=point.x,
    )
    login(client, users["community_office"])
    assert count_queries(client, reverse("visits:detail", args=[bare.pk])) == count_queries(
        client, reverse("visits:detail", args=[full.pk])
    )
