"""Coverage per compound (seed 002: 實現對流動人口、高危人群等特殊人群管理服務的全覆蓋, P27):
floating residents and people in special groups living in its houses, and how many were
visited within COVERAGE_DAYS (30, our default)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from governance.models import Role
from population.compound_selectors import COVERAGE_DAYS, Coverage, compound_coverage
from population.models import ResidentStatus, Visit
from population.services import household_member_add
from tests.conftest import login
from tests.factories import SYSTEM, ResidentFactory, UserFactory
from tests.population.compound_data import complete_compound
from tests.population.factories import (
    CompoundFactory,
    HouseFactory,
    HouseholdFactory,
    SpecialGroupKindFactory,
    SpecialGroupRecordFactory,
    VisitFactory,
)
from tests.population.test_organisation_api import session_client
from tests.test_query_counts import count_queries

NOW = timezone.now()


def _living(house, *, status=ResidentStatus.FLOATING):
    """A resident of the house's grid living in a new household of the house."""
    person = ResidentFactory(grid=house.grid, status=status)
    household = HouseholdFactory(house=house)
    return household_member_add(
        actor=SYSTEM, household=household, resident=person, relationship="head"
    )


def _visit(person, *, days_ago, household=False):
    subject = {"household": person.household} if household else {"resident": person}
    visit = VisitFactory(grid=person.grid, subject="", **subject)
    Visit.objects.filter(pk=visit.pk).update(visited_at=NOW - datetime.timedelta(days=days_ago))


@pytest.fixture
def world(users, areas):
    """grid_a's compound with four floating residents (two visited lately, one 31 days ago,
    one never; one more by a visit to the household), a registered one with a released
    prisoner's record (visited), and one with a health-related record (not visited), whose
    responsible worker is another of grid_a's workers."""
    compound = complete_compound(areas["grid_a"])
    house = HouseFactory(grid=areas["grid_a"], compound=compound)
    floating = [_living(house) for _ in range(4)]
    _visit(floating[0], days_ago=1)
    _visit(floating[1], days_ago=COVERAGE_DAYS - 1, household=True)
    _visit(floating[2], days_ago=COVERAGE_DAYS + 1)
    released = _living(house, status=ResidentStatus.REGISTERED)
    SpecialGroupRecordFactory(resident=released)
    _visit(released, days_ago=3)
    ill = _living(house, status=ResidentStatus.REGISTERED)
    health = SpecialGroupKindFactory(code="test_health", health_related=True)
    colleague = UserFactory(role=Role.GRID_WORKER, home_area=areas["grid_a"])
    SpecialGroupRecordFactory(resident=ill, kind=health, responsible=colleague)
    # Beside it: a house of grid_a in no compound, whose people count nowhere.
    _living(HouseFactory(grid=areas["grid_a"]))
    return compound


def test_the_office_counts_every_kind_and_the_visits_of_the_last_thirty_days(users, world):
    """P27 (seed 002): 2 of 4 floating residents visited within 30 days (one through their
    household), 1 of 2 special-group people."""
    coverage = compound_coverage(user=users["street_office"], compounds=[world], now=NOW)
    assert coverage == {
        world.pk: Coverage(floating=4, floating_visited=2, special=2, special_visited=1)
    }
    assert coverage[world.pk].floating_percent == 50.0
    assert coverage[world.pk].special_percent == 50.0


def test_health_related_kinds_count_only_for_those_who_may_see_them(users, world):
    """P27 with issue 7's rule: a grid worker who is not responsible for the health-related
    record, a leader and an API client do not count its member."""
    for person in ("grid_worker_a", "street_leader", "api_client"):
        coverage = compound_coverage(user=users[person], compounds=[world], now=NOW)[world.pk]
        assert (coverage.special, coverage.special_visited) == (1, 1), person
        assert coverage.floating == 4, person


def test_residents_outside_the_viewers_scope_are_not_counted(users, areas, world):
    """A compound spans its community: grid_b's people in it count only for those who see
    grid_b."""
    house = HouseFactory(grid=areas["grid_b"], compound=world)
    _living(house)
    assert compound_coverage(user=users["grid_worker_a"], compounds=[world])[world.pk].floating == 4
    assert compound_coverage(user=users["street_office"], compounds=[world])[world.pk].floating == 5


def test_a_compound_with_nobody_to_cover_has_no_percentages(users, areas):
    empty = CompoundFactory(grid=areas["grid_a"])
    coverage = compound_coverage(user=users["street_office"], compounds=[empty])[empty.pk]
    assert coverage == Coverage()
    assert coverage.floating_percent is None and coverage.special_percent is None


def test_the_pages_and_the_api_show_the_coverage(client, users, world):
    login(client, users["street_office"])
    page = client.get(reverse("compounds:detail", args=[world.pk]), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert "Floating residents" in text and "50.0" in text
    listing = client.get(reverse("compounds:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "floating visited: 2/4 (50.0%)" in listing
    api = session_client(users["street_office"])
    body = api.get(f"/api/v1/compounds/{world.pk}/").json()
    assert body["coverage"] == {
        "floating": 4,
        "floating_visited": 2,
        "floating_percent": 50.0,
        "special": 2,
        "special_visited": 1,
        "special_percent": 50.0,
        "days": 30,
    }
    listed = api.get("/api/v1/compounds/").json()["results"]
    assert [row["coverage"]["floating"] for row in listed] == [4]


def test_the_compound_lists_cost_the_same_for_one_compound_as_for_several(
    client, users, areas, world
):
    CompoundFactory(grid=areas["grid_b"])  # an incomplete one for the third list
    login(client, users["street_office"])
    urls = (reverse("compounds:list"), "/api/v1/compounds/", "/api/v1/compounds/?incomplete=true")
    one = [count_queries(client, url) for url in urls]
    for grid in ("grid_a", "grid_b"):
        other = CompoundFactory(grid=areas[grid])
        _living(HouseFactory(grid=areas[grid], compound=other))
    assert [count_queries(client, url) for url in urls] == one
