"""Organisations: registration rules, the 两新 contacts (P11), the size rule (P12), key units
and their vital parts (P14)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from population.identities import credit_code_make
from population.models import Organisation, OrganisationKind, SecurityBodyKind, VitalPart
from population.selectors import LACKING_CONTACTS, SIZE_RULE, organisation_list
from population.services import (
    organisation_register,
    organisation_update,
    vital_part_add,
    vital_part_update,
)
from tests.population.factories import OrganisationFactory, SecurityBodyFactory, VitalPartFactory

CODE = credit_code_make(serial=4242)


def messages_of(error: ValidationError, field: str) -> str:
    return " ".join(error.message_dict[field])


def register(actor, grid, **fields):
    values = {"name": "某公司", "kind": OrganisationKind.ENTERPRISE, "credit_code": CODE}
    return organisation_register(actor=actor, grid=grid, **{**values, **fields})


def test_a_registration_normalises_the_credit_code_and_encrypts_the_phones(users, areas):
    organisation = register(
        users["grid_worker_a"],
        areas["grid_a"],
        name=" 云帆科技 ",
        credit_code=f" {CODE.lower()} ",
        liaison_name="郑雨",
        liaison_phone="13857100003",
    )
    organisation.refresh_from_db()
    assert (organisation.name, organisation.credit_code) == ("云帆科技", CODE)
    assert organisation.liaison_phone == "13857100003"
    assert organisation.liaison_phone_masked == "138****0003"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT liaison_phone FROM population_organisation WHERE id = %s", [organisation.pk]
        )
        stored = cursor.fetchone()[0]
    assert "13857100003" not in stored
    assert organisation.created_by == users["grid_worker_a"]


def test_a_bad_credit_code_is_refused_naming_the_part_that_is_wrong(users, areas):
    with pytest.raises(ValidationError) as error:
        register(users["grid_worker_a"], areas["grid_a"], credit_code=CODE[:17] + "0")
    assert "check character" in messages_of(error.value, "credit_code")
    assert not Organisation.objects.exists()


def test_a_registered_kind_needs_a_credit_code_an_owners_committee_does_not(users, areas):
    with pytest.raises(ValidationError) as error:
        register(users["grid_worker_a"], areas["grid_a"], credit_code="")
    assert "unified social credit code" in messages_of(error.value, "credit_code")
    committee = register(
        users["grid_worker_a"],
        areas["grid_a"],
        kind=OrganisationKind.OWNERS_COMMITTEE,
        credit_code="",
    )
    group = register(
        users["grid_worker_a"],
        areas["grid_a"],
        kind=OrganisationKind.UNREGISTERED_GROUP,
        credit_code="",
    )
    assert committee.credit_code == group.credit_code == ""  # two empty codes do not clash


def test_a_credit_code_is_registered_once_and_the_grid_named_only_in_scope(users, areas):
    OrganisationFactory(grid=areas["grid_a"], credit_code=CODE, name="先来的")
    with pytest.raises(ValidationError) as seen:
        register(users["street_office"], areas["grid_b"])
    assert areas["grid_a"].name in messages_of(seen.value, "credit_code")
    with pytest.raises(ValidationError) as hidden:
        register(users["grid_worker_b"], areas["grid_b"])
    message = messages_of(hidden.value, "credit_code")
    assert "another area" in message and "先来的" not in message
    assert Organisation.objects.count() == 1


def test_a_contact_needs_both_a_name_and_a_phone(users, areas):
    with pytest.raises(ValidationError) as error:
        register(users["grid_worker_a"], areas["grid_a"], liaison_name="郑雨")
    assert "phone" in messages_of(error.value, "liaison_phone")
    with pytest.raises(ValidationError) as error:
        register(users["grid_worker_a"], areas["grid_a"], safety_officer_phone="13800000000")
    assert "name" in messages_of(error.value, "safety_officer_name")
    with pytest.raises(ValidationError) as error:
        register(users["grid_worker_a"], areas["grid_a"], liaison_name="郑", liaison_phone="12345")
    assert "liaison_phone" in error.value.message_dict
    assert not Organisation.objects.exists()


def test_a_grid_outside_scope_or_a_larger_area_is_refused(users, areas):
    with pytest.raises(ValidationError) as error:
        register(users["grid_worker_a"], areas["grid_b"])
    assert "your own area" in messages_of(error.value, "grid")
    with pytest.raises(ValidationError) as error:
        register(users["street_office"], areas["community_a"])
    assert "not in a larger area" in messages_of(error.value, "grid")
    assert not Organisation.objects.exists()


def test_leaders_read_organisations_but_do_not_keep_them(users, areas):
    with pytest.raises(PermissionDenied):
        register(users["street_leader"], areas["grid_a"])
    organisation = OrganisationFactory(grid=areas["grid_a"])
    with pytest.raises(PermissionDenied):
        organisation_update(actor=users["street_leader"], organisation=organisation, name="改")
    with pytest.raises(PermissionDenied):
        vital_part_add(actor=users["street_leader"], organisation=organisation, name="机房")
    assert users["street_leader"].has_perm("population.view_organisation", organisation)


def test_two_new_organisations_lacking_a_contact_are_listed(users, areas):
    """P11: every 两新 organisation names a 综治联络员 and a 安全信息治安员; list those lacking."""
    grid = areas["grid_a"]
    both = OrganisationFactory(
        grid=grid,
        kind=OrganisationKind.NEW_ECONOMIC,
        liaison_name="甲",
        liaison_phone="13800000001",
        safety_officer_name="乙",
        safety_officer_phone="13800000002",
    )
    no_officer = OrganisationFactory(
        grid=grid, kind=OrganisationKind.NEW_SOCIAL, liaison_name="甲", liaison_phone="13800000001"
    )
    no_one = OrganisationFactory(grid=grid, kind=OrganisationKind.NEW_ECONOMIC)
    OrganisationFactory(grid=grid, kind=OrganisationKind.SCHOOL)  # not a 两新 organisation
    listed = organisation_list(user=users["grid_worker_a"], problem=LACKING_CONTACTS)
    assert set(listed) == {no_officer, no_one}
    assert not both.lacks_two_new_contacts and no_one.lacks_two_new_contacts


def test_the_size_rule_asks_large_ones_for_a_security_body_and_small_ones_for_a_liaison(
    users, areas, settings
):
    """P12: large → internal security body (P13: 治安综合治理工作站…); small → a liaison.
    The threshold is a setting: the seeds fix no number."""
    settings.ORGANISATION_SECURITY_BODY_MIN_EMPLOYEES = 50
    grid = areas["grid_a"]
    kind = OrganisationKind.ENTERPRISE
    large_without = OrganisationFactory(grid=grid, kind=kind, employee_count=50)
    large_with = OrganisationFactory(grid=grid, kind=kind, employee_count=400)
    SecurityBodyFactory(organisation=large_with, kind=SecurityBodyKind.WORKSTATION)
    small_without = OrganisationFactory(grid=grid, kind=OrganisationKind.NEW_SOCIAL)
    OrganisationFactory(
        grid=grid, kind=kind, employee_count=49, liaison_name="甲", liaison_phone="13800000001"
    )
    OrganisationFactory(grid=grid, kind=OrganisationKind.HOSPITAL, employee_count=900)
    listed = organisation_list(user=users["street_office"], problem=SIZE_RULE)
    assert set(listed) == {large_without, small_without}
    assert large_without.size_rule_shortfall == "security_body"
    assert small_without.size_rule_shortfall == "liaison"
    settings.ORGANISATION_SECURITY_BODY_MIN_EMPLOYEES = 51
    assert large_without in organisation_list(user=users["street_office"], problem=SIZE_RULE)
    large_without.refresh_from_db()
    assert large_without.size_rule_shortfall == "liaison"


def test_the_security_body_flag_is_not_set_by_hand(users, areas):
    """P13: has_security_body follows the bodies on record; the organisation services do
    not take it."""
    with pytest.raises(ValueError):
        register(users["grid_worker_a"], areas["grid_a"], has_security_body=True)


def test_removing_a_contacts_name_removes_their_phone(users, areas):
    organisation = OrganisationFactory(
        grid=areas["grid_a"], liaison_name="甲", liaison_phone="13800000001"
    )
    updated = organisation_update(
        actor=users["grid_worker_a"], organisation=organisation, liaison_name=""
    )
    updated.refresh_from_db()
    assert (updated.liaison_name, updated.liaison_phone) == ("", "")


def test_only_key_units_have_vital_parts(users, areas):
    """P14: organisation kind 'key unit' with vital-part records under it."""
    school = OrganisationFactory(grid=areas["grid_a"], kind=OrganisationKind.SCHOOL)
    with pytest.raises(ValidationError) as error:
        vital_part_add(actor=users["grid_worker_a"], organisation=school, name="配电房")
    assert "key units" in messages_of(error.value, "organisation")
    station = OrganisationFactory(grid=areas["grid_a"], kind=OrganisationKind.KEY_UNIT)
    part = vital_part_add(
        actor=users["grid_worker_a"],
        organisation=station,
        name=" 储油罐区 ",
        person_responsible="钱卫东",
    )
    assert part.name == "储油罐区"
    with pytest.raises(ValidationError) as error:
        vital_part_add(actor=users["grid_worker_a"], organisation=station, name="储油罐区")
    assert "already has" in messages_of(error.value, "name")
    assert VitalPart.objects.count() == 1


def test_a_key_unit_with_vital_parts_keeps_its_kind(users, areas):
    part = VitalPartFactory(organisation__grid=areas["grid_a"])
    with pytest.raises(ValidationError) as error:
        organisation_update(
            actor=users["grid_worker_a"],
            organisation=part.organisation,
            kind=OrganisationKind.ENTERPRISE,
        )
    assert "stays a key unit" in messages_of(error.value, "kind")
    part.organisation.refresh_from_db()
    assert part.organisation.is_key_unit


def test_a_vital_part_out_of_scope_cannot_be_changed(users, areas):
    part = VitalPartFactory(organisation__grid=areas["grid_b"])
    with pytest.raises(PermissionDenied):
        vital_part_update(actor=users["grid_worker_a"], vital_part=part, name="改")
    with pytest.raises(ValidationError) as error:
        vital_part_add(actor=users["grid_worker_a"], organisation=part.organisation, name="新")
    assert "organisation" in error.value.message_dict
