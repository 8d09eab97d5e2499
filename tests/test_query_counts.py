"""Pages and lists cost a constant number of queries, however many rows they show."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import login


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_area_pages_cost_the_same_for_one_child_as_for_two(client, users, areas):
    lonely = areas["community_b"].children.order_by("code").last()
    lonely.users.update(home_area=areas["community_b"])
    lonely.delete()
    login(client, users["leader"])
    for name in ("areas:detail", "areas:children"):
        two = count_queries(client, reverse(name, args=[areas["community_a"].pk]))
        one = count_queries(client, reverse(name, args=[areas["community_b"].pk]))
        assert one == two, name


def test_api_lists_cost_the_same_for_two_rows_as_for_all(client, users):
    login(client, users["leader"])
    for path in ("/api/v1/areas/", "/api/v1/areas/geojson/"):
        assert count_queries(client, f"{path}?page_size=2") == count_queries(
            client, f"{path}?page_size=500"
        )


def test_a_grid_page_costs_the_same_whatever_the_team_size(client, users, areas):
    login(client, users["leader"])
    grid = areas["grid_a"]
    full = count_queries(client, reverse("areas:detail", args=[grid.pk]))
    grid.team_members.filter(
        pk__in=list(grid.team_members.values_list("pk", flat=True)[:3])
    ).delete()
    assert count_queries(client, reverse("areas:detail", args=[grid.pk])) == full
