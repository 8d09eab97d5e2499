"""Row factories of the disputes app (tests/factories.py finds `<Model>Factory` here)."""

import datetime

import factory
from factory.django import DjangoModelFactory

from disputes.models import (
    RiskAssessment,
    RiskConsultation,
    RiskMatter,
    ScreeningCadence,
    ScreeningHotspot,
    ScreeningItem,
    ScreeningItemKind,
    ScreeningPeriod,
    ScreeningReport,
)
from disputes.risk_services import (
    risk_assessment_create,
    risk_consultation_add,
    risk_matter_register,
)
from disputes.screening_services import period_of
from tests.factories import SYSTEM, CommunityFactory, StreetFactory, UnitFactory

# --- Stability-risk assessment ---


class RiskMatterFactory(DjangoModelFactory):
    """A proposed matter that requires assessment, registered through the service."""

    class Meta:
        model = RiskMatter

    area = factory.SubFactory(StreetFactory)
    title = factory.Sequence(lambda n: f"重大项目{n}")
    kind = "project"
    sponsor = "区住建局"
    description = "旧城改造征收补偿方案"
    planned_on = datetime.date(2026, 9, 1)
    requires_assessment = True

    @classmethod
    def _create(cls, model_class, **fields):
        return risk_matter_register(actor=SYSTEM, **fields)


class RiskAssessmentFactory(DjangoModelFactory):
    """A draft assessment, ready to complete: scores, findings, a conclusion and one
    consultation (pass consultations=[] for none)."""

    class Meta:
        model = RiskAssessment

    matter = factory.SubFactory(RiskMatterFactory)
    possibility = 2
    severity = 3
    difficulty = 2
    findings = "多数群众理解支持,少数住户对补偿标准有意见"
    measures = "公开补偿标准,设立咨询点"
    conclusion = "go"
    assessing_body = "街道综治中心"
    assessed_on = factory.LazyFunction(datetime.date.today)
    consultations = factory.LazyFunction(
        lambda: [
            {
                "held_on": datetime.date.today(),
                "form": "dialogue",
                "participants": "居民代表12人",
                "opinions": "希望补偿标准公开",
            }
        ]
    )

    @classmethod
    def _create(cls, model_class, **fields):
        return risk_assessment_create(actor=SYSTEM, **fields)


class RiskConsultationFactory(DjangoModelFactory):
    class Meta:
        model = RiskConsultation

    assessment = factory.SubFactory(RiskAssessmentFactory, consultations=[])
    held_on = factory.LazyFunction(datetime.date.today)
    form = "hearing"
    participants = "利害关系人代表8人"
    opinions = "同意实施,要求分期补偿"

    @classmethod
    def _create(cls, model_class, **fields):
        return risk_consultation_add(actor=SYSTEM, **fields)


# --- The two screenings ---


class ScreeningPeriodFactory(DjangoModelFactory):
    """The half-monthly period that holds today (the one the opener makes)."""

    class Meta:
        model = ScreeningPeriod

    cadence = ScreeningCadence.HALF_MONTHLY

    @classmethod
    def _create(cls, model_class, cadence, day=None, **fields):
        return period_of(cadence, day or datetime.date.today())


class ScreeningReportFactory(DjangoModelFactory):
    """An open report of a member department for the current half-monthly period."""

    class Meta:
        model = ScreeningReport

    unit = factory.SubFactory(UnitFactory)
    period = factory.SubFactory(ScreeningPeriodFactory)


class ScreeningItemFactory(DjangoModelFactory):
    """A safety hazard on an open report, with its plan (D10)."""

    class Meta:
        model = ScreeningItem

    report = factory.SubFactory(ScreeningReportFactory)
    kind = ScreeningItemKind.HAZARD
    title = factory.Sequence(lambda n: f"消防通道堵塞{n}")
    description = "楼道堆放杂物"
    responsible_leader = "王主任"
    deadline = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=10))


class ScreeningHotspotFactory(DjangoModelFactory):
    """An area flagged by hand."""

    class Meta:
        model = ScreeningHotspot

    area = factory.SubFactory(CommunityFactory)
    reason = "邻里纠纷多发"
