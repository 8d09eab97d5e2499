import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from grid.models import Area, AreaLevel, BoundaryRevision
from grid.selectors import area_tree_problems
from grid.services import area_create, area_delete, area_update


def square(x0: float, y0: float, size: float) -> dict:
    ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def inner_square(area: Area, fraction: float = 0.2) -> dict:
    """A small square around the centre of an area's boundary, inside it."""
    centre = area.geometry.representative_point()
    size = (area.geometry.bounds[2] - area.geometry.bounds[0]) * fraction / 4
    return square(centre.x - size / 2, centre.y - size / 2, size)


def test_the_generated_district_tiles_every_parent_and_passes_the_integrity_check(district):
    assert area_tree_problems() == []
    for parent in Area.objects.exclude(level=AreaLevel.GRID):
        children = [child.geometry for child in parent.children.all()]
        assert sum(c.area for c in children) == pytest.approx(parent.geometry.area, rel=1e-9)


def test_an_administrator_creates_a_grid_with_a_path_under_its_parent(users, areas):
    community = areas["community_b"]
    old_grid = community.children.first()
    old_grid.users.update(home_area=community)
    area_delete(actor=users["admin"], area=old_grid)
    grid = area_create(
        actor=users["admin"],
        name="新网格",
        level=AreaLevel.GRID,
        code=community.code + "009",
        parent=community,
        boundary=old_grid.boundary,
    )
    assert grid.path == f"{community.path}{grid.pk}/"
    assert grid.code == community.code + "009"


@pytest.mark.parametrize(
    ("boundary", "message"),
    [
        ({"type": "Point", "coordinates": [120.1, 30.2]}, "Polygon"),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
            "not a valid polygon",
        ),
        (square(0, 0, 1), "leaves its parent"),
    ],
)
def test_it_rejects_bad_boundaries_and_saves_nothing(users, areas, boundary, message):
    community = areas["community_a"]
    before = Area.objects.count()
    with pytest.raises(ValidationError) as error:
        area_create(
            actor=users["admin"],
            name="坏网格",
            level=AreaLevel.GRID,
            code=community.code + "050",
            parent=community,
            boundary=boundary,
        )
    assert message in " ".join(error.value.message_dict["boundary"])
    assert Area.objects.count() == before


def test_it_rejects_a_boundary_overlapping_a_sibling(users, areas):
    grid_a, grid_b = areas["grid_a"], areas["grid_b"]
    before = grid_a.boundary
    with pytest.raises(ValidationError) as error:
        area_update(actor=users["admin"], area=grid_a, boundary=inner_square(grid_b, 0.5))
    assert grid_b.name in " ".join(error.value.message_dict["boundary"])
    assert Area.objects.get(pk=grid_a.pk).boundary == before


def test_a_parent_of_the_wrong_level_is_rejected(users, areas):
    with pytest.raises(ValidationError) as error:
        area_create(
            actor=users["admin"],
            name="错层网格",
            level=AreaLevel.GRID,
            code=areas["street_a"].code + "001001",
            parent=areas["street_a"],
        )
    assert "must be a Community" in " ".join(error.value.message_dict["parent"])


def test_moving_an_area_under_its_own_descendant_is_rejected(users, areas):
    with pytest.raises(ValidationError) as error:
        area_update(actor=users["superuser"], area=areas["street_a"], parent=areas["community_a"])
    assert "parent" in error.value.message_dict


def test_moving_a_community_carries_its_subtree_paths_and_codes(users, areas):
    community, street_b = areas["community_b"], areas["street_b"]
    grid_ids = list(community.children.values_list("pk", flat=True))
    # The moved community needs a place inside street_b: swap the geometry check off by
    # moving without a boundary (a move re-validates any boundary it carries).
    Area.objects.filter(pk__in=grid_ids).update(boundary=None)
    Area.objects.filter(pk=community.pk).update(boundary=None)
    community.refresh_from_db()
    moved = area_update(
        actor=users["admin"], area=community, parent=street_b, code=street_b.code + "009"
    )
    assert moved.path == f"{street_b.path}{moved.pk}/"
    for grid in Area.objects.filter(pk__in=grid_ids):
        assert grid.path.startswith(moved.path)
        assert grid.code.startswith(moved.code)
    problems = [message for _, message in area_tree_problems()]
    assert problems and all("no boundary" in p for p in problems)  # only what we removed


def test_a_move_must_bring_a_code_under_the_new_parent(users, areas):
    with pytest.raises(ValidationError) as error:
        area_update(actor=users["admin"], area=areas["community_b"], parent=areas["street_b"])
    assert areas["street_b"].code in " ".join(error.value.message_dict["code"])


def test_a_duplicate_code_names_the_area_that_has_it(users, areas):
    with pytest.raises(ValidationError) as error:
        area_update(actor=users["admin"], area=areas["grid_a"], code=areas["grid_b"].code)
    assert areas["grid_b"].name in " ".join(error.value.message_dict["code"])


def test_an_area_with_children_cannot_be_deleted(users, areas):
    with pytest.raises(ValidationError):
        area_delete(actor=users["admin"], area=areas["community_a"])
    assert Area.objects.filter(pk=areas["community_a"].pk).exists()


def test_an_area_that_is_someones_home_area_cannot_be_deleted(users, areas):
    with pytest.raises(ValidationError) as error:
        area_delete(actor=users["admin"], area=areas["grid_a"])
    assert "reassign" in " ".join(error.value.messages)


def test_office_staff_and_administrators_of_other_areas_cannot_change_areas(users, areas):
    with pytest.raises(PermissionDenied):
        area_update(actor=users["street_office"], area=areas["grid_a"], name="改名")
    with pytest.raises(PermissionDenied):
        area_update(actor=users["street_admin"], area=areas["street_b"], name="改名")
    with pytest.raises(PermissionDenied):
        area_update(
            actor=users["street_admin"],
            area=areas["community_a"],
            parent=areas["street_b"],
            code=areas["street_b"].code + "009",
        )


def test_a_boundary_change_bumps_the_revision_other_processes_watch(users, areas):
    before = BoundaryRevision.objects.get().revision
    grid = areas["grid_a"]
    area_update(actor=users["admin"], area=grid, boundary=grid.boundary | {})
    assert BoundaryRevision.objects.get().revision == before  # unchanged geometry: no bump
    shrunk = inner_square(grid, 0.5)
    area_update(actor=users["admin"], area=grid, boundary=shrunk)
    assert BoundaryRevision.objects.get().revision != before


def test_a_parent_boundary_may_not_cut_off_a_child(users, areas):
    community = areas["community_a"]
    with pytest.raises(ValidationError) as error:
        area_update(actor=users["admin"], area=community, boundary=inner_square(community, 0.2))
    assert "would leave out part of" in " ".join(error.value.message_dict["boundary"])


@pytest.mark.parametrize(
    ("phone", "ok"),
    [
        ("13812345678", True),
        ("0571-87654321", True),
        ("abc", False),
        ("1381234567", False),
        ("12812345678", False),
    ],
)
def test_team_phones_are_mobile_or_landline_numbers(areas, phone, ok):
    member = areas["grid_a"].team_members.first()
    member.phone = phone
    if ok:
        member.full_clean()
    else:
        with pytest.raises(ValidationError) as error:
            member.full_clean()
        assert "phone" in error.value.message_dict
