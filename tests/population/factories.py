"""Row factories of the population app (tests/factories.py finds `<Model>Factory` here)."""

import factory
from factory.django import DjangoModelFactory

from population.identities import credit_code_make
from population.models import Organisation, OrganisationKind, VitalPart
from population.services import organisation_register, vital_part_add
from tests.factories import SYSTEM, GridFactory


class OrganisationFactory(DjangoModelFactory):
    """An organisation registered through the service; a key unit by default, so that the
    vital parts of the scoping matrix have one to belong to."""

    class Meta:
        model = Organisation

    grid = factory.SubFactory(GridFactory)
    name = factory.Sequence(lambda n: f"单位{n}")
    kind = OrganisationKind.KEY_UNIT
    credit_code = factory.Sequence(lambda n: credit_code_make(serial=10_000 + n))

    @classmethod
    def _create(cls, model_class, **fields):
        return organisation_register(actor=SYSTEM, **fields)


class VitalPartFactory(DjangoModelFactory):
    class Meta:
        model = VitalPart

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"要害部位{n}")
    person_responsible = "王保卫"

    @classmethod
    def _create(cls, model_class, **fields):
        return vital_part_add(actor=SYSTEM, **fields)
