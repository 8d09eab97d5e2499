"""The factories make valid rows, and row_in() puts a row of every area-bound model where the
scoping matrix asks: inside the area, and outside the area to avoid where it has a choice."""

import pytest
from django.apps import apps

from governance.models import Role
from governance.services import api_token_authenticate
from grid.models import Area, AreaLevel
from grid.validation import validate_code
from tests.factories import (
    ApiTokenFactory,
    GridFactory,
    GridTeamMemberFactory,
    UserFactory,
    area_of,
    row_in,
)

AREA_BOUND_MODELS = [model for model in apps.get_models() if hasattr(model, "scope_path")]


def test_a_grid_comes_with_its_community_street_and_district_with_valid_codes_and_paths(db):
    grid = GridFactory()
    chain = [grid]
    while chain[-1].parent is not None:
        chain.append(chain[-1].parent)
    assert [area.level for area in chain] == [
        AreaLevel.GRID,
        AreaLevel.COMMUNITY,
        AreaLevel.STREET,
        AreaLevel.DISTRICT,
    ]
    for area in chain:
        validate_code(code=area.code, level=area.level, parent=area.parent)
    assert grid.path == "/" + "/".join(str(a.pk) for a in reversed(chain)) + "/"


def test_a_token_from_the_factory_authenticates_with_its_key(db):
    token = ApiTokenFactory()
    assert api_token_authenticate(token.key) == token
    assert token.client.role == Role.API_CLIENT and token.client.home_area == token.area


def test_a_person_lives_in_their_home_area_with_the_role_it_implies(db):
    grid = GridFactory()
    assert UserFactory(home_area=grid).role == Role.GRID_WORKER
    assert UserFactory(home_area=grid.parent).role == Role.OFFICE_STAFF
    root = UserFactory(superuser=True)
    assert root.is_superuser and root.is_staff and root.home_area is None
    assert GridTeamMemberFactory(grid=grid).grid == grid


@pytest.mark.parametrize("model", AREA_BOUND_MODELS, ids=lambda model: model._meta.label_lower)
@pytest.mark.parametrize("level", ["street", "community", "grid"])
def test_row_in_puts_a_row_of_every_area_bound_model_inside_the_area(areas, model, level):
    area = areas["grid_a" if level == "grid" else f"{level}_a"]
    row = row_in(model, area)
    assert row.pk and type(row).objects.filter(pk=row.pk).exists()
    assert area_of(row).path.startswith(area.path), f"{row} is in {area_of(row)}, not {area}"


@pytest.mark.parametrize("model", AREA_BOUND_MODELS, ids=lambda model: model._meta.label_lower)
def test_row_in_chooses_outside_the_area_to_avoid(areas, model):
    row = row_in(model, areas["community_a"], avoid=areas["grid_a"])
    place = area_of(row)  # community_a itself, or a grid of it: grid_b
    assert place.path.startswith(areas["community_a"].path)
    assert not place.path.startswith(areas["grid_a"].path)


def test_an_area_is_its_own_place(areas):
    assert row_in(Area, areas["street_a"]) == areas["street_a"]
