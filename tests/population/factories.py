"""Row factories of the population app's special groups (found by tests/factories.py)."""

import datetime

import factory
from factory.django import DjangoModelFactory

from population.models import SpecialGroupEvent, SpecialGroupKind, SpecialGroupRecord
from population.services import special_group_event_record, special_group_record_create
from tests.factories import SYSTEM, ResidentFactory


class SpecialGroupKindFactory(DjangoModelFactory):
    """A kind with no specific fields and no health data unless told."""

    class Meta:
        model = SpecialGroupKind
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"test_kind_{n}")
    name = factory.Sequence(lambda n: f"测试人群{n}")
    follow_up_days = 30


class SpecialGroupRecordFactory(DjangoModelFactory):
    """A membership tagged through the service (the system as its actor)."""

    class Meta:
        model = SpecialGroupRecord

    resident = factory.SubFactory(ResidentFactory)
    # Released persons: a kind whose records also take re-offence events (the event factory).
    kind = factory.SubFactory(
        SpecialGroupKindFactory, code="test_release", name="测试刑释人员", details="release"
    )
    since = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=10))

    @classmethod
    def _create(cls, model_class, **fields):
        return special_group_record_create(actor=SYSTEM, **fields)


class SpecialGroupEventFactory(DjangoModelFactory):
    class Meta:
        model = SpecialGroupEvent

    record = factory.SubFactory(SpecialGroupRecordFactory)
    kind = "reoffence"
    occurred_on = factory.LazyFunction(datetime.date.today)

    @classmethod
    def _create(cls, model_class, **fields):
        return special_group_event_record(actor=SYSTEM, **fields)
