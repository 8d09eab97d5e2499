"""The ledger-quality figures (P1: 底数清、情况明) on a small known data set."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from population import selectors
from tests.factories import AreaFactory, ResidentFactory
from tests.population.factories import HouseFactory, HouseholdFactory
from tests.population.ledger_data import ledger_build


def figures(row) -> dict:
    names = [
        "grids",
        "grids_without_expected",
        "expected_households",
        "households",
        "residents",
        "without_household",
        "missing_phone",
        "missing_address",
        "rentals_not_filed",
        "organisations_lacking_contacts",
        "follow_ups_overdue",
        "visits_recent",
        "grid_workers",
    ]
    return {name: getattr(row, name) for name in names}


def test_each_figure_counts_the_known_rows_of_a_community(db, areas, users):
    """P1: the ledger of each community with its completeness figures."""
    ledger_build(areas, users)
    report = selectors.ledger_quality(user=users["street_office"])
    assert report.area == areas["street_a"]
    by_area = {row.area: row for row in report.rows}
    community_a = by_area[areas["community_a"]]
    assert figures(community_a) == {
        "grids": 2,
        "grids_without_expected": 0,
        "expected_households": 6,
        "households": 3,
        "residents": 4,
        "without_household": 1,
        "missing_phone": 2,
        "missing_address": 1,
        "rentals_not_filed": 1,
        "organisations_lacking_contacts": 1,
        "follow_ups_overdue": 1,
        "visits_recent": 2,
        "grid_workers": 4,  # one per grid built with the district, grid_worker_a and _b
    }
    assert community_a.collection_rate == Decimal("50.0")
    assert community_a.visits_per_worker == Decimal("0.5")


def test_a_larger_area_sums_its_grids_and_its_rate_is_unknown_while_a_grid_has_no_count(
    db, areas, users
):
    ledger_build(areas, users)
    report = selectors.ledger_quality(user=users["street_office"])
    community_b = next(row for row in report.rows if row.area == areas["community_b"])
    assert (community_b.grids, community_b.grids_without_expected) == (2, 1)
    assert community_b.expected_households == 5
    assert community_b.collection_rate is None
    assert report.total.expected_households == 11
    assert report.total.households == 3
    assert report.total.collection_rate is None


def test_rows_come_worst_first(db, areas, users):
    """Unknown rate first (its base is not clear), then the lowest rate."""
    ledger_build(areas, users)
    rows = selectors.ledger_quality(user=users["street_office"]).rows
    assert [row.area for row in rows] == [areas["community_b"], areas["community_a"]]
    second = areas["community_b"].children.order_by("code").last()
    second.expected_households = 1
    second.save()
    # community_b: no household of 6 expected (0%) is now worse than community_a's 50%
    rows = selectors.ledger_quality(user=users["street_office"]).rows
    assert [row.collection_rate for row in rows] == [Decimal("0.0"), Decimal("50.0")]


def test_a_grid_has_its_own_figures_and_no_rows(db, areas, users):
    ledger_build(areas, users)
    report = selectors.ledger_quality(user=users["grid_worker_a"])
    assert report.area == areas["grid_a"]
    assert report.rows == []
    assert (report.total.households, report.total.expected_households) == (2, 4)
    assert report.total.collection_rate == Decimal("50.0")
    assert (report.total.without_household, report.total.missing_phone) == (1, 2)
    assert report.total.rentals_not_filed == 0


def test_figures_stop_at_the_scope(db, areas, users):
    ledger_build(areas, users)
    other = selectors.ledger_quality(user=users["other_street_office"])
    assert other.total.residents == 0 and other.total.households == 0
    # a grid worker asking about the street sees their own grid's rows only
    report = selectors.ledger_quality(user=users["grid_worker_b"], area=areas["community_a"])
    assert report.total.residents == 1
    assert report.total.households == 1


def test_the_district_rolls_streets_up(db, areas, users):
    ledger_build(areas, users)
    report = selectors.ledger_quality(user=users["leader"])
    assert report.area == areas["district"]
    street_a = next(row for row in report.rows if row.area == areas["street_a"])
    street_b = next(row for row in report.rows if row.area == areas["street_b"])
    assert street_a.residents == 4 and street_b.residents == 0
    assert report.total.grids == 8


def test_a_superuser_sees_every_district_as_a_row(db, areas, users):
    ledger_build(areas, users)
    report = selectors.ledger_quality(user=users["superuser"])
    assert report.area is None
    assert [row.area for row in report.rows] == [areas["district"]]
    assert report.total.residents == 4


def test_the_queries_do_not_grow_with_the_grids(db, areas, users):
    ledger_build(areas, users)

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            selectors.ledger_quality(user=users["leader"])
        return len(queries)

    before = cost()
    for community in (areas["community_a"], areas["community_b"]):
        for _ in range(3):
            grid = AreaFactory(parent=community)
            HouseholdFactory(house=HouseFactory(grid=grid), head=ResidentFactory(grid=grid))
    assert cost() == before
