"""Enterprises' internal security bodies (P13: 治安综合治理工作站, 保卫, 调解, 帮教, 安全生产,
外来务工人员管理, 护厂队/巡逻队), read by the size rule (P12): services, pages and API."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from population.compound_services import (
    security_body_add,
    security_body_remove,
    security_body_update,
)
from population.models import Organisation, OrganisationKind, SecurityBody, SecurityBodyKind
from population.selectors import SIZE_RULE, organisation_list
from tests.conftest import login
from tests.population.factories import OrganisationFactory, SecurityBodyFactory
from tests.population.test_organisation_api import session_client
from tests.test_query_counts import count_queries


@pytest.fixture
def factory(areas):
    return OrganisationFactory(
        grid=areas["grid_a"], kind=OrganisationKind.ENTERPRISE, employee_count=400
    )


def test_a_body_makes_a_large_enterprise_meet_the_size_rule_and_its_removal_undoes_it(
    users, areas, factory, settings
):
    """P13 read by P12: the size rule's list goes by the bodies on record, and
    has_security_body follows them."""
    settings.ORGANISATION_SECURITY_BODY_MIN_EMPLOYEES = 50
    office = users["street_office"]
    assert list(organisation_list(user=office, problem=SIZE_RULE)) == [factory]
    body = security_body_add(
        actor=users["grid_worker_a"],
        organisation=factory,
        kind=SecurityBodyKind.WORKSTATION,
        head_name=" 沈国平 ",
        head_phone="13957100011",
        member_count=5,
        established_on=datetime.date(2019, 3, 1),
    )
    factory.refresh_from_db()
    assert factory.has_security_body and factory.size_rule_shortfall == ""
    assert body.head_name == "沈国平" and body.head_phone_masked == "139****0011"
    assert list(organisation_list(user=office, problem=SIZE_RULE)) == []
    guards = security_body_add(
        actor=users["grid_worker_a"], organisation=factory, kind=SecurityBodyKind.GUARD_TEAM
    )
    security_body_remove(actor=users["grid_worker_a"], body=body)
    factory.refresh_from_db()
    assert factory.has_security_body  # the guard team is still there
    security_body_remove(actor=users["grid_worker_a"], body=guards)
    factory.refresh_from_db()
    assert not factory.has_security_body
    assert list(organisation_list(user=office, problem=SIZE_RULE)) == [factory]


def test_bad_details_are_refused_by_field_and_nothing_is_saved(users, factory):
    actor = users["grid_worker_a"]
    cases = [
        ({"kind": "canteen"}, "kind"),
        ({"kind": "security", "head_phone": "13957100011"}, "head_name"),
        ({"kind": "security", "head_name": "赵", "head_phone": "123"}, "head_phone"),
        ({"kind": "security", "established_on": datetime.date.today() + datetime.timedelta(1)},
         "established_on"),
    ]  # fmt: skip
    for fields, field in cases:
        with pytest.raises(ValidationError) as error:
            security_body_add(actor=actor, organisation=factory, **fields)
        assert list(error.value.message_dict) == [field], fields
    assert not SecurityBody.objects.exists()
    factory.refresh_from_db()
    assert not factory.has_security_body


def test_an_organisation_out_of_scope_is_refused_and_leaders_only_read(users, areas, factory):
    with pytest.raises(ValidationError) as error:
        security_body_add(actor=users["grid_worker_b"], organisation=factory, kind="security")
    assert list(error.value.message_dict) == ["organisation"]
    with pytest.raises(PermissionDenied):
        security_body_add(actor=users["street_leader"], organisation=factory, kind="security")
    body = SecurityBodyFactory(organisation=factory)
    with pytest.raises(PermissionDenied):
        security_body_update(actor=users["grid_worker_b"], body=body, head_name="李")
    with pytest.raises(PermissionDenied):
        security_body_remove(actor=users["street_leader"], body=body)
    assert SecurityBody.objects.filter(pk=body.pk).exists()


def test_the_organisation_page_lists_its_bodies_and_the_keeper_adds_edits_and_removes_them(
    client, users, factory
):
    login(client, users["grid_worker_a"])
    detail = reverse("organisations:detail", args=[factory.pk])
    page = client.get(detail, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No internal security body on record." in page
    response = client.post(
        reverse("security_bodies:new", args=[factory.pk]),
        {
            "kind": "mediation",
            "head_name": "陈玉兰",
            "head_phone": "13957100012",
            "member_count": 5,
        },
    )
    assert response.status_code == 302, response.content.decode()
    body = SecurityBody.objects.get(organisation=factory)
    page = client.get(detail, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Mediation committee (调解)" in page and "139****0012" in page
    edit = reverse("security_bodies:edit", args=[body.pk])
    response = client.post(edit, {"kind": "mediation", "head_name": "陈玉兰", "member_count": 7})
    assert response.status_code == 302
    body.refresh_from_db()
    assert body.member_count == 7 and body.head_phone == "13957100012"  # the phone is kept
    response = client.post(
        edit, {"kind": "mediation", "member_count": 7, "head_phone": "13957100099"},
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert response.status_code == 200
    assert "Give the name of the person with this phone." in response.content.decode()
    assert client.post(reverse("security_bodies:remove", args=[body.pk])).status_code == 302
    assert not SecurityBody.objects.exists()


def test_a_leader_sees_the_bodies_without_the_buttons_and_cannot_remove_one(client, users, factory):
    body = SecurityBodyFactory(organisation=factory)
    login(client, users["street_leader"])
    page = client.get(reverse("organisations:detail", args=[factory.pk])).content.decode()
    assert body.head_name in page
    assert reverse("security_bodies:edit", args=[body.pk]) not in page
    response = client.post(
        reverse("security_bodies:remove", args=[body.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 403
    assert SecurityBody.objects.filter(pk=body.pk).exists()


def test_the_api_keeps_bodies_and_the_organisation_shows_them_nested(users, factory):
    client = session_client(users["grid_worker_a"])
    response = client.post(
        "/api/v1/security-bodies/",
        {"organisation": factory.pk, "kind": "guard_team", "head_name": "马骏",
         "head_phone": "13957100013", "member_count": 12},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json()["head_phone"] == "139****0013"
    body_id = response.json()["id"]
    listed = client.get("/api/v1/security-bodies/", {"organisation": factory.pk}).json()
    assert [row["id"] for row in listed["results"]] == [body_id]
    organisation = client.get(f"/api/v1/organisations/{factory.pk}/").json()
    assert organisation["has_security_body"] is True
    assert [body["kind"] for body in organisation["security_bodies"]] == ["guard_team"]
    response = client.post(
        "/api/v1/security-bodies/",
        {"organisation": factory.pk, "kind": "security", "head_phone": "13957100013"},
        format="json",
    )
    assert response.status_code == 400 and list(response.json()) == ["head_name"]
    response = client.patch(
        f"/api/v1/organisations/{factory.pk}/", {"has_security_body": False}, format="json"
    )
    assert response.status_code == 400 and "has_security_body" in response.json()
    assert client.delete(f"/api/v1/security-bodies/{body_id}/").status_code == 204
    assert client.get(f"/api/v1/organisations/{factory.pk}/").json()["has_security_body"] is False


def test_the_organisation_list_api_costs_the_same_with_more_bodies(client, users, areas, factory):
    SecurityBodyFactory(organisation=factory)
    login(client, users["street_office"])
    urls = ("/api/v1/organisations/", "/api/v1/security-bodies/")
    one = [count_queries(client, url) for url in urls]
    for grid in ("grid_a", "grid_b"):
        other = OrganisationFactory(grid=areas[grid], kind=OrganisationKind.ENTERPRISE)
        SecurityBodyFactory(organisation=other)
        SecurityBodyFactory(organisation=other, kind=SecurityBodyKind.MEDIATION)
    assert [count_queries(client, url) for url in urls] == one


def test_the_migration_keeps_a_ticked_box_as_a_work_station_with_its_notes(areas, factory):
    """P13: an organisation whose box was ticked before the bodies existed keeps it through
    one body (治安综合治理工作站) holding what was typed beside the box."""
    unticked = OrganisationFactory(grid=areas["grid_a"], kind=OrganisationKind.ENTERPRISE)
    Organisation.objects.filter(pk=factory.pk).update(
        has_security_body=True, security_body_notes="保卫科, 护厂队"
    )
    migration = importlib.import_module("population.migrations.0017_compounds_security_bodies")
    migration.ticked_boxes_to_bodies(apps, None)
    (body,) = SecurityBody.objects.all()
    assert (body.organisation, body.kind, body.notes) == (factory, "workstation", "保卫科, 护厂队")
    assert not unticked.security_bodies.exists()
