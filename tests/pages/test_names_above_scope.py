"""What lies outside an administrator's area stays unseen, in the admin's lists, read-only
fields, history and messages too: a street administrator learns neither the district's name
nor the accounts above them."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from governance.models import ApiToken
from grid.models import Area
from grid.services import area_validate
from tests.conftest import login
from tests.pages.test_admin import area_form


@pytest.fixture
def street_admin_client(users) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    login(client, users["street_admin"])
    return client


def test_the_area_list_does_not_name_the_district_above_the_street(street_admin_client, areas):
    page = street_admin_client.get(reverse("admin:grid_area_changelist")).content.decode()
    assert areas["street_a"].name in page and areas["community_a"].name in page
    assert areas["district"].name not in page
    assert "outside your area" in page


def test_a_parent_in_scope_is_still_named_in_the_list(street_admin_client, areas):
    page = street_admin_client.get(
        reverse("admin:grid_area_changelist"), {"level": 3}
    ).content.decode()
    assert f'<td class="field-parent_column">{areas["street_a"].name}</td>' in page


def test_the_street_page_neither_names_nor_links_the_district(street_admin_client, areas):
    street, district = areas["street_a"], areas["district"]
    page = street_admin_client.get(
        reverse("admin:grid_area_change", args=[street.pk])
    ).content.decode()
    assert street.name in page
    assert district.name not in page
    assert reverse("admin:grid_area_change", args=[district.pk]) not in page
    assert "outside your area" in page


def test_a_community_page_still_offers_its_street_as_parent(street_admin_client, areas):
    page = street_admin_client.get(
        reverse("admin:grid_area_change", args=[areas["community_a"].pk])
    ).content.decode()
    assert 'name="parent"' in page and areas["street_a"].name in page


def test_the_history_does_not_name_people_above_the_street(users, areas, street_admin_client):
    # Accounts often carry their office in their display name (the demo's "系统管理员").
    district_admin = users["admin"]
    district_admin.last_name = f"{areas['district'].name}管理员"
    district_admin.save()
    community = areas["community_a"]
    above = Client()
    login(above, district_admin)
    renamed = above.post(
        reverse("admin:grid_area_change", args=[community.pk]), area_form(community, name="新社区")
    )
    assert renamed.status_code == 302
    mine = street_admin_client.post(
        reverse("admin:grid_area_change", args=[community.pk]),
        area_form(Area.objects.get(pk=community.pk), name="桂花社区"),
    )
    assert mine.status_code == 302
    page = street_admin_client.get(
        reverse("admin:grid_area_history", args=[community.pk])
    ).content.decode()
    assert "Changed" in page and "someone outside your area" in page
    assert not re.search(rf"\b{district_admin.username}\b", page)  # t_admin_a is the street's
    assert areas["district"].name not in page
    assert users["street_admin"].username in page  # their own edit, by name


def test_a_boundary_leaving_an_unseen_parent_does_not_name_it(users, areas):
    street = Area.objects.get(pk=areas["street_a"].pk)
    street.boundary = {
        "type": "Polygon",
        "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]],
    }
    with pytest.raises(ValidationError) as error:
        area_validate(street, actor=users["street_admin"])
    message = " ".join(error.value.message_dict["boundary"])
    assert "leaves its parent area" in message and areas["district"].name not in message
    with pytest.raises(ValidationError) as error:
        area_validate(street, actor=users["admin"])
    assert areas["district"].name in " ".join(error.value.message_dict["boundary"])


def test_the_token_pages_do_not_name_a_client_above_the_street(
    street_admin_client, users, street_token
):
    client_name = users["api_client"].username  # a district-level account
    token = ApiToken.objects.get()
    listing = street_admin_client.get(reverse("admin:governance_apitoken_changelist"))
    assert token.name in listing.content.decode()
    assert client_name not in listing.content.decode()
    detail = street_admin_client.get(
        reverse("admin:governance_apitoken_change", args=[token.pk])
    ).content.decode()
    assert token.prefix in detail and client_name not in detail
    assert reverse("admin:governance_user_change", args=[users["api_client"].pk]) not in detail


def test_a_client_in_scope_is_named_on_the_token_pages(client, users, street_token):
    login(client, users["admin"])
    token = ApiToken.objects.get()
    detail = client.get(reverse("admin:governance_apitoken_change", args=[token.pk]))
    assert users["api_client"].username in detail.content.decode()
