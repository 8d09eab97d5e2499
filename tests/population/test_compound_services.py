"""Compounds and their four-in-one (四位一体, P27): the rules of the services."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from population.compound_selectors import compound_list
from population.compound_services import compound_register, compound_update
from population.models import OrganisationKind
from population.services import house_register, house_update
from tests.population.compound_data import complete_compound, the_four
from tests.population.factories import CompoundFactory, HouseFactory, OrganisationFactory


def test_a_compound_with_all_four_is_complete_and_one_without_its_owners_committee_is_not(
    users, areas
):
    """P27: 四位一体 (党组织、居委会、业委会、物业) complete when all four are present; the list
    shows which are missing and filters the incomplete ones."""
    grid = areas["grid_a"]
    four = the_four(grid)
    complete = compound_register(
        actor=users["grid_worker_a"],
        grid=grid,
        name=" 东苑小区 ",
        party_organisation="东苑党支部",
        **four,
    )
    assert complete.name == "东苑小区"
    assert complete.four_in_one and complete.missing == []
    partial = compound_register(
        actor=users["grid_worker_a"],
        grid=grid,
        name="西苑小区",
        party_organisation="西苑党支部",
        residents_committee=four["residents_committee"],
        property_company=four["property_company"],
    )
    assert not partial.four_in_one
    assert partial.missing == ["owners_committee"]
    office = users["street_office"]
    assert list(compound_list(user=office, incomplete=True)) == [partial]
    assert list(compound_list(user=office, incomplete=False)) == [complete]
    bare = CompoundFactory(grid=grid)
    assert bare.missing == [
        "party_organisation",
        "residents_committee",
        "owners_committee",
        "property_company",
    ]


def test_a_linked_organisation_of_the_wrong_kind_is_refused_by_field(users, areas):
    """P27: each link names an organisation of its own kind."""
    grid = areas["grid_a"]
    enterprise = OrganisationFactory(grid=grid, kind=OrganisationKind.ENTERPRISE)
    with pytest.raises(ValidationError) as error:
        compound_register(
            actor=users["grid_worker_a"], grid=grid, name="东苑", property_company=enterprise
        )
    assert list(error.value.message_dict) == ["property_company"]
    assert "Property management company" in error.value.message_dict["property_company"][0]


def test_an_organisation_outside_the_editors_scope_is_refused(users, areas):
    """The grid worker of grid_a cannot link grid_b's property company, though it is in the
    same community."""
    other = OrganisationFactory(grid=areas["grid_b"], kind=OrganisationKind.PROPERTY_COMPANY)
    with pytest.raises(ValidationError) as error:
        compound_register(
            actor=users["grid_worker_a"], grid=areas["grid_a"], name="东苑", property_company=other
        )
    assert error.value.message_dict == {
        "property_company": ["Choose an organisation within your own area."]
    }


def test_an_organisation_of_another_community_is_refused(users, areas):
    """The street office sees both communities, but a compound's four are its community's."""
    elsewhere = areas["community_b"].children.order_by("code").first()
    committee = OrganisationFactory(grid=elsewhere, kind=OrganisationKind.RESIDENTS_COMMITTEE)
    with pytest.raises(ValidationError) as error:
        compound_register(
            actor=users["street_office"],
            grid=areas["grid_a"],
            name="东苑",
            residents_committee=committee,
        )
    assert error.value.message_dict == {
        "residents_committee": ["Choose an organisation of the compound's own community."]
    }


def test_a_compound_goes_in_a_grid_of_the_actors_own_area(users, areas):
    with pytest.raises(ValidationError) as error:
        compound_register(actor=users["grid_worker_a"], grid=areas["grid_b"], name="东苑")
    assert list(error.value.message_dict) == ["grid"]
    with pytest.raises(ValidationError) as error:
        compound_register(actor=users["street_office"], grid=areas["community_a"], name="东苑")
    assert list(error.value.message_dict) == ["grid"]


def test_leaders_read_compounds_and_do_not_keep_them(users, areas):
    with pytest.raises(PermissionDenied):
        compound_register(actor=users["street_leader"], grid=areas["grid_a"], name="东苑")
    compound = CompoundFactory(grid=areas["grid_a"])
    with pytest.raises(PermissionDenied):
        compound_update(actor=users["street_leader"], compound=compound, name="改名")


def test_one_name_per_grid_and_a_blank_name_is_refused(users, areas):
    CompoundFactory(grid=areas["grid_a"], name="东苑")
    with pytest.raises(ValidationError) as error:
        compound_register(actor=users["grid_worker_a"], grid=areas["grid_a"], name="东苑")
    assert list(error.value.message_dict) == ["name"]
    with pytest.raises(ValidationError) as error:
        compound_register(actor=users["grid_worker_a"], grid=areas["grid_a"], name="  ")
    assert list(error.value.message_dict) == ["name"]
    CompoundFactory(grid=areas["grid_b"], name="东苑")  # another grid may have one


def test_an_update_completes_the_four_and_is_checked_like_a_registration(users, areas):
    grid = areas["grid_a"]
    compound = CompoundFactory(grid=grid)
    four = the_four(grid)
    updated = compound_update(
        actor=users["grid_worker_a"], compound=compound, party_organisation="党支部", **four
    )
    assert updated.four_in_one
    with pytest.raises(ValidationError) as error:
        compound_update(
            actor=users["grid_worker_a"],
            compound=compound,
            owners_committee=four["property_company"],
        )
    assert list(error.value.message_dict) == ["owners_committee"]
    compound.refresh_from_db()
    assert compound.owners_committee == four["owners_committee"]  # nothing half-saved


def test_a_house_belongs_to_a_compound_of_its_own_community_that_the_editor_sees(users, areas):
    """P27: the houses of a compound; a house of grid_b may belong to grid_a's compound (same
    community), not to one of another community, nor to one its editor does not see."""
    compound = complete_compound(areas["grid_a"])
    house = house_register(
        actor=users["grid_worker_a"], grid=areas["grid_a"], building="1", compound=compound
    )
    assert house.compound == compound
    neighbour = HouseFactory(grid=areas["grid_b"])
    assert (
        house_update(actor=users["community_office"], house=neighbour, compound=compound).compound
        == compound
    )
    with pytest.raises(ValidationError) as error:  # grid_b's worker does not see grid_a's
        house_update(
            actor=users["grid_worker_b"],
            house=HouseFactory(grid=areas["grid_b"]),
            compound=compound,
        )
    assert error.value.message_dict == {"compound": ["Choose a compound within your own area."]}
    # A correction of the house by grid_b's worker leaves the compound as it is.
    assert house_update(actor=users["grid_worker_b"], house=neighbour, room="302").compound_id
    far = HouseFactory(grid=areas["grid_other_street"])
    with pytest.raises(ValidationError) as error:
        house_update(actor=users["admin"], house=far, compound=compound)
    assert error.value.message_dict == {
        "compound": ["Choose a compound of the house's own community."]
    }
    far.refresh_from_db()
    assert far.compound is None
