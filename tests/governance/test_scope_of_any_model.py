"""The object check follows each model's `scope_path`, not only areas (issue 5)."""

from governance.models import Notification
from governance.scoping import area_of, in_scope
from grid.models import GridTeamMember


def member_of(grid) -> GridTeamMember:
    return GridTeamMember.objects.filter(grid=grid).select_related("grid").first()


def test_the_area_of_a_row_is_found_through_its_scope_path(users, areas):
    member = member_of(areas["grid_a"])
    assert area_of(member) == areas["grid_a"]
    assert area_of(areas["community_a"]) == areas["community_a"]
    assert area_of(users["street_office"]) == areas["street_a"]
    notice = Notification.objects.create(recipient=users["grid_worker_b"], kind="t", title="t")
    assert area_of(notice) == areas["grid_b"]
    assert area_of(users["superuser"]) is None  # no home area: in nobody's scope but a superuser's


def test_a_team_member_is_in_scope_where_its_grid_is(users, areas):
    inside, outside = member_of(areas["grid_a"]), member_of(areas["grid_other_street"])
    assert in_scope(users["street_admin"], inside)
    assert not in_scope(users["street_admin"], outside)
    assert not in_scope(users["grid_worker_b"], inside)
    assert in_scope(users["superuser"], outside)


def test_the_team_member_rules_go_through_the_object_check(users, areas):
    inside, outside = member_of(areas["grid_a"]), member_of(areas["grid_other_street"])
    admin = users["street_admin"]
    for action in ("view", "change", "delete"):
        assert admin.has_perm(f"grid.{action}_gridteammember", inside)
        assert not admin.has_perm(f"grid.{action}_gridteammember", outside)
    assert not users["street_office"].has_perm("grid.change_gridteammember", inside)
