"""The ledger-quality page (台账质量) and the filtered lists its figures link to."""

import datetime

from django.urls import reverse

from population.services import resident_record_death
from tests.conftest import login
from tests.factories import SYSTEM, ResidentFactory
from tests.population.ledger_data import ledger_build
from tests.test_query_counts import count_queries

URL = reverse("ledger_quality:overview")


def test_street_staff_see_one_row_per_community_worst_first_with_links(client, users, areas):
    """P1: where the ledger is thin, per community of the street."""
    ledger_build(areas, users)
    login(client, users["street_office"])
    response = client.get(URL)
    assert response.status_code == 200
    rows = response.context["report"].rows
    assert [row.area for row in rows] == [areas["community_b"], areas["community_a"]]
    page = response.content.decode()
    community_a = areas["community_a"].pk
    assert f'href="?area={community_a}"' in page  # drill down
    assert f"?area={community_a}&amp;missing=household" in page
    assert "50.0%" in page


def test_drilling_down_to_a_community_shows_its_grids(client, users, areas):
    ledger_build(areas, users)
    login(client, users["street_office"])
    response = client.get(URL, {"area": areas["community_a"].pk})
    assert [row.area for row in response.context["report"].rows] == [
        areas["grid_a"],
        areas["grid_b"],
    ]  # 2 of 4 and 1 of 2: both 50%, grid_a missing more
    assert areas["street_a"].name in response.content.decode()  # the way back up


def test_a_grid_worker_sees_their_grid_and_the_lists_of_what_is_missing(client, users, areas):
    ledger_build(areas, users)
    login(client, users["grid_worker_a"])
    response = client.get(URL)
    page = response.content.decode()
    assert response.context["report"].area == areas["grid_a"]
    assert 'data-testid="ledger-missing"' in page
    grid = areas["grid_a"].pk
    assert f"?area={grid}&amp;missing=phone" in page
    assert f"?area={grid}&amp;problem=lacking_contacts" in page


def test_an_area_outside_the_scope_is_not_found(client, users, areas):
    login(client, users["street_office"])
    assert client.get(URL, {"area": areas["street_b"].pk}).status_code == 404
    assert client.get(URL, {"area": "x"}).status_code == 404


def test_the_page_costs_the_same_with_more_grids_filled(client, users, areas):
    login(client, users["leader"])
    one = count_queries(client, URL)
    ledger_build(areas, users)
    assert count_queries(client, URL) == one


def test_the_resident_list_shows_who_lives_here_by_default(client, users, areas):
    data = ledger_build(areas, users)
    dead = ResidentFactory(grid=areas["grid_a"])
    resident_record_death(actor=SYSTEM, resident=dead, happened_on=datetime.date.today())
    login(client, users["grid_worker_a"])
    listed = set(client.get(reverse("residents:list")).context["residents"])
    assert data["gone"] not in listed and dead not in listed and data["loner"] in listed
    moved = client.get(reverse("residents:list"), {"presence": "moved_out"}).context["residents"]
    assert list(moved) == [data["gone"]]
    deceased = client.get(reverse("residents:list"), {"presence": "deceased"}).context["residents"]
    assert list(deceased) == [dead]
    anyone = set(client.get(reverse("residents:list"), {"presence": "any"}).context["residents"])
    assert {data["gone"], dead, data["loner"]} <= anyone


def test_the_figures_links_land_on_the_missing_rows(client, users, areas):
    data = ledger_build(areas, users)
    login(client, users["street_office"])
    grid = areas["grid_a"].pk

    def listed(missing: str) -> set:
        response = client.get(reverse("residents:list"), {"area": grid, "missing": missing})
        return set(response.context["residents"])

    assert listed("household") == {data["loner"]}
    assert listed("phone") == {data["loner"], data["no_phone"]}
    assert listed("address") == {data["loner"]}
    not_filed = client.get(reverse("houses:not-filed"), {"area": areas["grid_b"].pk})
    assert not_filed.context["total"] == 1
    assert client.get(reverse("houses:not-filed"), {"area": grid}).context["total"] == 0
    organisations = client.get(
        reverse("organisations:list"), {"area": grid, "problem": "lacking_contacts"}
    ).context["organisations"]
    assert len(organisations) == 1


def test_a_list_filtered_by_a_hidden_area_is_not_found(client, users, areas):
    login(client, users["street_office"])
    for name in ("residents:list", "houses:not-filed", "organisations:list"):
        assert client.get(reverse(name), {"area": areas["street_b"].pk}).status_code == 404
