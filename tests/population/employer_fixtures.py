"""An enterprise with its own account (以业管人, P7): its row of the ledger in grid_a, its unit
in street_a linked to that row, one of its people, and that person's unit token."""

from dataclasses import dataclass

from rest_framework.test import APIClient

from governance.models import ApiToken, Role, User
from governance.services import api_token_issue
from grid.models import Unit, UnitKind
from population.models import Organisation, OrganisationKind
from tests.factories import UnitFactory, UserFactory
from tests.population.factories import OrganisationFactory


@dataclass
class Employer:
    organisation: Organisation
    unit: Unit
    person: User
    token: ApiToken
    key: str

    def api(self) -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.credentials(HTTP_AUTHORIZATION=f"Token {self.key}")
        return client


def employer_create(users, areas, *, name: str = "甲机械厂", grid: str = "grid_a") -> Employer:
    organisation = OrganisationFactory(
        grid=areas[grid], kind=OrganisationKind.ENTERPRISE, name=name
    )
    street = areas[grid].parent.parent
    unit = UnitFactory(area=street, kind=UnitKind.ENTERPRISE, name=name, organisation=organisation)
    person = UserFactory(role=Role.DEPARTMENT, home_area=street, unit=unit)
    token, key = api_token_issue(actor=users["admin"], client=person, name="erp", unit=unit)
    return Employer(organisation, unit, person, token, key)
