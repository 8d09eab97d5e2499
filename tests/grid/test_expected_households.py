"""A grid's expected household count (应登记户数), the base of the ledger's 采集率 (P1)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from grid.models import Area
from grid.services import area_update
from tests.conftest import login
from tests.pages.test_admin import area_form


def test_an_administrator_sets_a_grids_expected_count(users, areas):
    grid = area_update(actor=users["street_admin"], area=areas["grid_a"], expected_households=120)
    assert Area.objects.get(pk=grid.pk).expected_households == 120
    area_update(actor=users["street_admin"], area=grid, expected_households=None)
    assert Area.objects.get(pk=grid.pk).expected_households is None


def test_a_larger_area_has_no_count_of_its_own(users, areas):
    with pytest.raises(ValidationError) as raised:
        area_update(actor=users["admin"], area=areas["community_a"], expected_households=10)
    assert "expected_households" in raised.value.message_dict
    assert Area.objects.get(pk=areas["community_a"].pk).expected_households is None


def test_the_api_sets_and_shows_it_and_refuses_a_negative_count(users, areas):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    login(client, users["admin"])
    url = f"/api/v1/areas/{areas['grid_a'].pk}/"
    response = client.patch(url, {"expected_households": 80}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["expected_households"] == 80
    bad = client.patch(url, {"expected_households": -1}, format="json")
    assert bad.status_code == 400 and "expected_households" in bad.json()
    community = f"/api/v1/areas/{areas['community_a'].pk}/"
    refused = client.patch(community, {"expected_households": 5}, format="json")
    assert refused.status_code == 400 and "expected_households" in refused.json()
    assert Area.objects.get(pk=areas["grid_a"].pk).expected_households == 80


def test_the_admin_form_sets_it(client, users, areas):
    login(client, users["admin"])
    grid = areas["grid_a"]
    response = client.post(
        reverse("admin:grid_area_change", args=[grid.pk]),
        area_form(grid, expected_households="64"),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Area.objects.get(pk=grid.pk).expected_households == 64


def test_a_leader_cannot_set_it(users, areas):
    client = APIClient()
    login(client, users["leader"])
    url = f"/api/v1/areas/{areas['grid_a'].pk}/"
    assert client.patch(url, {"expected_households": 1}, format="json").status_code == 403
    assert Area.objects.get(pk=areas["grid_a"].pk).expected_households is None
