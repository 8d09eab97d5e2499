"""Grid team members (一格多元) change through team_member_add / update / remove, which the
admin inline calls."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from grid.models import GridTeamMember, TeamRole
from grid.services import team_member_add, team_member_remove, team_member_update
from tests.conftest import login


def role(code: str = "volunteer") -> TeamRole:
    return TeamRole.objects.get_or_create(code=code, defaults={"name": code})[0]


def test_a_street_administrator_adds_changes_and_removes_a_member(users, areas):
    actor = users["street_admin"]
    member = team_member_add(
        actor=actor, grid=areas["grid_a"], role=role(), name=" 王五 ", phone="13800138000"
    )
    assert member.name == "王五" and member.grid == areas["grid_a"]
    member = team_member_update(actor=actor, member=member, phone="0571-87654321")
    assert GridTeamMember.objects.get(pk=member.pk).phone == "0571-87654321"
    team_member_remove(actor=actor, member=member)
    assert not GridTeamMember.objects.filter(pk=member.pk).exists()


def test_a_member_outside_the_actors_street_is_refused(users, areas):
    with pytest.raises(PermissionDenied):
        team_member_add(
            actor=users["street_admin"], grid=areas["grid_other_street"], role=role(), name="x"
        )
    other = GridTeamMember.objects.filter(grid=areas["grid_other_street"]).first()
    with pytest.raises(PermissionDenied):
        team_member_remove(actor=users["street_admin"], member=other)
    assert GridTeamMember.objects.filter(pk=other.pk).exists()


def test_office_staff_cannot_change_a_team(users, areas):
    with pytest.raises(PermissionDenied):
        team_member_add(actor=users["street_office"], grid=areas["grid_a"], role=role(), name="x")


@pytest.mark.parametrize(
    "change, field",
    [
        ({"phone": "12345"}, "phone"),
        ({"name": "  "}, "name"),
    ],
)
def test_bad_member_data_is_a_field_error_and_changes_nothing(users, areas, change, field):
    member = GridTeamMember.objects.filter(grid=areas["grid_a"]).first()
    before = (member.name, member.phone)
    with pytest.raises(ValidationError) as refused:
        team_member_update(actor=users["street_admin"], member=member, **change)
    assert field in refused.value.message_dict
    member.refresh_from_db()
    assert (member.name, member.phone) == before


def test_a_team_belongs_to_a_grid_only(users, areas):
    with pytest.raises(ValidationError) as refused:
        team_member_add(actor=users["admin"], grid=areas["community_a"], role=role(), name="x")
    assert "grid" in refused.value.message_dict


def test_an_account_outside_the_actors_street_cannot_join_a_team(users, areas):
    with pytest.raises(ValidationError) as refused:
        team_member_add(
            actor=users["street_admin"],
            grid=areas["grid_a"],
            role=role(),
            name="x",
            user=users["other_street_office"],
        )
    assert "user" in refused.value.message_dict


def test_the_admin_inline_adds_a_member_through_the_service(client, users, areas, monkeypatch):
    from grid import services

    called = []
    real = services.team_member_add
    monkeypatch.setattr(services, "team_member_add", lambda **kw: called.append(kw) or real(**kw))
    grid = areas["grid_a"]
    existing = list(GridTeamMember.objects.filter(grid=grid).order_by("pk"))
    login(client, users["street_admin"])
    data = {
        "name": grid.name,
        "level": grid.level,
        "code": grid.code,
        "parent": grid.parent_id,
        "boundary": __import__("json").dumps(grid.boundary),
        "team_members-TOTAL_FORMS": str(len(existing) + 1),
        "team_members-INITIAL_FORMS": str(len(existing)),
    }
    for index, member in enumerate(existing):
        prefix = f"team_members-{index}-"
        data |= {
            prefix + "id": member.pk,
            prefix + "grid": grid.pk,
            prefix + "role": member.role_id,
            prefix + "name": member.name,
            prefix + "phone": member.phone,
            prefix + "user": member.user_id or "",
        }
    new = f"team_members-{len(existing)}-"
    data |= {
        new + "grid": grid.pk,
        new + "role": role().pk,
        new + "name": "赵六",
        new + "phone": "",
    }
    response = client.post(reverse("admin:grid_area_change", args=[grid.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert [kw["name"] for kw in called] == ["赵六"]
    assert GridTeamMember.objects.filter(grid=grid, name="赵六").exists()
