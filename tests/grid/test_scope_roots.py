"""An administrator edits what lies strictly below their home area; the root itself is the
level above's (issue 6). Deleting an area a token is scoped to says so, translated."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from governance.services import api_token_issue
from grid.models import Area
from grid.services import area_create, area_delete, area_update


def test_a_street_administrator_cannot_rename_recode_or_redraw_their_street(users, areas):
    street = areas["street_a"]
    for change in ({"name": "新街道"}, {"code": street.code[:-1] + "9"}, {"boundary": None}):
        with pytest.raises(PermissionDenied):
            area_update(actor=users["street_admin"], area=street, **change)
    assert Area.objects.get(pk=street.pk).name == street.name


def test_a_street_administrator_renames_a_community_below_their_street(users, areas):
    community = area_update(actor=users["street_admin"], area=areas["community_a"], name="新社区")
    assert community.name == "新社区"


def test_a_street_administrator_cannot_delete_their_street(users, areas):
    with pytest.raises(PermissionDenied):
        area_delete(actor=users["street_admin"], area=areas["street_a"])


def test_a_district_administrator_renames_a_street_and_a_superuser_the_district(users, areas):
    assert area_update(actor=users["admin"], area=areas["street_a"], name="甲街道").name == "甲街道"
    with pytest.raises(PermissionDenied):
        area_update(actor=users["admin"], area=areas["district"], name="新区")
    assert area_update(actor=users["superuser"], area=areas["district"], name="新区").name == "新区"


def test_a_street_administrator_still_creates_areas_under_their_street(users, areas):
    street = areas["street_a"]
    created = area_create(
        actor=users["street_admin"], name="新社区", level=3, code=street.code + "598", parent=street
    )
    assert created.parent == street


def test_deleting_an_area_a_token_is_scoped_to_names_the_reason_in_the_users_language(users, areas):
    grid = areas["grid_b"]
    grid.users.all().delete()
    api_token_issue(actor=users["admin"], client=users["api_client"], name="g", area=grid)
    with pytest.raises(ValidationError) as refused:
        area_delete(actor=users["admin"], area=grid)
    assert "API token(s)" in refused.value.messages[0]
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused_zh:
        area_delete(actor=users["admin"], area=grid)
    assert "令牌" in refused_zh.value.messages[0]
    assert Area.objects.filter(pk=grid.pk).exists()
