"""Factories of the population rows that tests/factories.py does not hold (found there by
name: `<Model>Factory`)."""

import factory
from factory.django import DjangoModelFactory

from governance.models import Role
from population.models import Visit, VisitPurpose
from population.services import visit_log
from tests.factories import GridFactory, UserFactory


class VisitFactory(DjangoModelFactory):
    """A visit logged through the service by a grid worker of its grid (a new one unless
    given), without a point unless given one."""

    class Meta:
        model = Visit

    grid = factory.SubFactory(GridFactory)
    worker = factory.LazyAttribute(lambda o: UserFactory(role=Role.GRID_WORKER, home_area=o.grid))
    subject = factory.Sequence(lambda n: f"{n}幢1单元101住户")
    purpose = VisitPurpose.ROUTINE

    @classmethod
    def _create(cls, model_class, *, worker, **fields):
        return visit_log(actor=worker, **fields)
