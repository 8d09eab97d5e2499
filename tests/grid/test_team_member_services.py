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


def member_with_account_above(users, areas) -> GridTeamMember:
    """A member of a grid of street_a linked to a district account: the district's
    administrator may place one there (a district police officer on a grid team)."""
    return team_member_add(
        actor=users["admin"], grid=areas["grid_a"], role=role(), name="区民警", user=users["leader"]
    )


def test_a_member_linked_to_an_account_above_can_still_be_edited_below(users, areas):
    member = member_with_account_above(users, areas)
    updated = team_member_update(actor=users["street_admin"], member=member, phone="13800138001")
    assert updated.phone == "13800138001" and updated.user == users["leader"]
    with pytest.raises(ValidationError):  # choosing such an account is still refused
        team_member_update(
            actor=users["street_admin"], member=member, user=users["other_street_office"]
        )


def test_the_admin_inline_keeps_an_account_link_the_administrator_cannot_see(client, users, areas):
    """The street administrator's page does not name the district account, and saving the
    grid's page (the member's row posted as the browser sends it) keeps the link."""
    member = member_with_account_above(users, areas)
    grid = areas["grid_a"]
    login(client, users["street_admin"])
    url = reverse("admin:grid_area_change", args=[grid.pk])
    page = client.get(url)
    formset = next(
        f.formset
        for f in page.context["inline_admin_formsets"]
        if f.formset.model is GridTeamMember
    )
    html = page.content.decode()
    assert users["leader"].username not in html and users["leader"].display_name not in html
    data = {
        "name": grid.name,
        "level": grid.level,
        "code": grid.code,
        "parent": grid.parent_id,
        "boundary": __import__("json").dumps(grid.boundary),
        "team_members-TOTAL_FORMS": str(len(formset.forms)),
        "team_members-INITIAL_FORMS": str(len(formset.forms)),
    }
    for form in formset.forms:
        # What the browser submits: each enabled field's rendered value ("" when the select
        # has no option selected); a disabled field is not submitted at all.
        for name, field in form.fields.items():
            if field.disabled:
                continue
            value = form[name].value()
            if name == "user" and value is not None:
                rendered = str(form[name])
                value = value if f'value="{value}" selected' in rendered else ""
            data[form.add_prefix(name)] = "" if value is None else value
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    member.refresh_from_db()
    assert member.user == users["leader"]
