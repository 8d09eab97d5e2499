"""Factories of the population rows beyond residents (tests/factories.py finds them by name)."""

import factory
from factory.django import DjangoModelFactory

from population.models import House, Household, HouseholdEvent, HouseholdKind, Relationship
from population.services import house_register, household_member_add, household_register
from tests.factories import SYSTEM, GridFactory, ResidentFactory


class HouseFactory(DjangoModelFactory):
    """A house registered through the service, at a new address of its grid."""

    class Meta:
        model = House

    grid = factory.SubFactory(GridFactory)
    building = factory.Sequence(lambda n: str(n % 30 + 1))
    unit = factory.Sequence(lambda n: str(n // 30 % 6 + 1))
    room = factory.Sequence(lambda n: f"{n // 180 % 30 + 1}{n % 4 + 1:02d}")

    @classmethod
    def _create(cls, model_class, **fields):
        return house_register(actor=SYSTEM, **fields)


class HouseholdFactory(DjangoModelFactory):
    """A household registered through the service (no members unless `head` is given)."""

    class Meta:
        model = Household

    house = factory.SubFactory(HouseFactory)
    kind = HouseholdKind.REGISTERED
    number = factory.Sequence(lambda n: f"H{n:06d}")

    @classmethod
    def _create(cls, model_class, **fields):
        return household_register(actor=SYSTEM, **fields)


class HouseholdEventFactory(DjangoModelFactory):
    """A resident of the house's grid joining a household: the event that records it."""

    class Meta:
        model = HouseholdEvent

    household = factory.SubFactory(HouseholdFactory)

    @classmethod
    def _create(cls, model_class, *, household, **fields):
        resident = ResidentFactory(grid=household.house.grid)
        household_member_add(
            actor=SYSTEM, household=household, resident=resident, relationship=Relationship.OTHER
        )
        return HouseholdEvent.objects.filter(household=household).latest("pk")
