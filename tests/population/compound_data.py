"""A compound of grid_a with its four, for the compound tests."""

from population.models import Compound, OrganisationKind
from tests.population.factories import CompoundFactory, OrganisationFactory


def the_four(grid) -> dict:
    """A residents' committee, owners' committee and property company in `grid`."""
    return {
        "residents_committee": OrganisationFactory(
            grid=grid, kind=OrganisationKind.RESIDENTS_COMMITTEE, name="东苑居委会"
        ),
        "owners_committee": OrganisationFactory(
            grid=grid, kind=OrganisationKind.OWNERS_COMMITTEE, name="东苑业委会", credit_code=""
        ),
        "property_company": OrganisationFactory(
            grid=grid, kind=OrganisationKind.PROPERTY_COMPANY, name="东苑物业"
        ),
    }


def complete_compound(grid, **fields) -> Compound:
    return CompoundFactory(grid=grid, party_organisation="东苑党支部", **the_four(grid), **fields)
