"""Row factories of the disputes app (tests/factories.py finds `<Model>Factory` here)."""

import datetime

import factory
from django.apps import apps
from django.utils import timezone
from factory.django import DjangoModelFactory

from disputes.defaults import reference_data_ensure
from disputes.models import (
    AccountabilityRecord,
    Case,
    CaseAction,
    CaseHandoff,
    CaseParty,
    DisputeCategory,
    ExtensionRequest,
    MediationOrganisation,
    MediationSession,
    Mediator,
    Meeting,
    MeetingDecision,
    ReceptionBooking,
    ReceptionSlot,
    RiskAssessment,
    RiskConsultation,
    RiskMatter,
    ScreeningCadence,
    ScreeningHotspot,
    ScreeningItem,
    ScreeningItemKind,
    ScreeningPeriod,
    ScreeningReport,
    Supervision,
)
from disputes.risk_services import (
    risk_assessment_create,
    risk_consultation_add,
    risk_matter_register,
)
from disputes.screening_services import period_of
from governance.models import Role
from tests.factories import (
    SYSTEM,
    CommunityFactory,
    GridFactory,
    StreetFactory,
    UnitFactory,
    UserFactory,
)

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


# --- Cases ---


def office_staff_of(area):
    """An office staff account of the area (made once), and its office (made once)."""
    from governance.models import Role, User
    from grid.models import Unit, UnitKind
    from tests.factories import UnitFactory, UserFactory

    office = Unit.objects.filter(area=area, kind=UnitKind.OFFICE).first() or UnitFactory(
        area=area, kind=UnitKind.OFFICE, name=f"{area.name}综治中心"
    )
    staff = User.objects.filter(username=f"t_case_office_{area.code}").first() or UserFactory(
        username=f"t_case_office_{area.code}", role=Role.OFFICE_STAFF, home_area=area
    )
    return office, staff


def offices_above(grid) -> None:
    """An office for each area above the grid, as a real district has."""
    from grid.models import Area, Unit, UnitKind
    from tests.factories import UnitFactory

    for area in Area.objects.filter(pk__in=grid.ancestor_ids).defer("boundary"):
        if not Unit.objects.filter(area=area, kind=UnitKind.OFFICE).exists():
            UnitFactory(area=area, kind=UnitKind.OFFICE, name=f"{area.name}综治中心")


class CaseFactory(DjangoModelFactory):
    """A registered case in a grid, registered by its community's office (which owns it)."""

    class Meta:
        model = Case

    grid = factory.SubFactory(GridFactory)
    title = factory.Sequence(lambda n: f"纠纷{n}")
    summary = "邻里因漏水发生纠纷"
    severity = "general"
    source = "walk_in"
    occurred_on = datetime.date(2026, 11, 20)

    @classmethod
    def _create(cls, model_class, *, grid, **fields):
        from disputes.case_services import case_register

        _office, staff = office_staff_of(grid.parent)
        offices_above(grid)
        if not DisputeCategory.objects.filter(code="neighbour").exists():
            # A transactional test flushed the migrations' rows: put them back.
            reference_data_ensure(lambda name: apps.get_model("disputes", name))
        fields.setdefault("category", DisputeCategory.objects.get(code="neighbour"))
        fields.setdefault("parties", [{"role": "applicant", "name": "张三"}])
        return case_register(actor=staff, grid=grid, **fields)


class CasePartyFactory(DjangoModelFactory):
    class Meta:
        model = CaseParty

    case = factory.SubFactory(CaseFactory)
    role = "respondent"
    name = factory.Sequence(lambda n: f"当事人{n}")


class CaseActionFactory(DjangoModelFactory):
    class Meta:
        model = CaseAction

    case = factory.SubFactory(CaseFactory)
    action = "instruct"
    comment = "尽快化解"


class MediationSessionFactory(DjangoModelFactory):
    class Meta:
        model = MediationSession

    case = factory.SubFactory(CaseFactory)
    kind = "peoples"
    held_on = datetime.date(2026, 11, 25)
    mediators = "和谐使者"
    outcome = "达成意向"
    recorded_by = factory.LazyAttribute(lambda o: o.case.registered_by)


class CaseHandoffFactory(DjangoModelFactory):
    """A hand-off answered already (one awaits an answer at a time, through the service)."""

    class Meta:
        model = CaseHandoff

    case = factory.SubFactory(CaseFactory)
    kind = "transfer"
    from_unit = factory.LazyAttribute(lambda o: o.case.owner_unit)
    to_unit = factory.LazyAttribute(lambda o: office_staff_of(o.case.grid.parent.parent)[0])
    reason = "转办"
    handed_by = factory.LazyAttribute(lambda o: o.case.registered_by)
    accepted = False
    return_reason = "退回"


class ExtensionRequestFactory(DjangoModelFactory):
    class Meta:
        model = ExtensionRequest

    case = factory.SubFactory(CaseFactory)
    days = 5
    reason = "当事人外出"
    requested_by = factory.LazyAttribute(lambda o: o.case.registered_by)


class SupervisionFactory(DjangoModelFactory):
    class Meta:
        model = Supervision

    case = factory.SubFactory(CaseFactory)
    office = factory.LazyAttribute(lambda o: o.case.owner_unit)
    requirement = "十日内化解"
    deadline = datetime.date(2099, 1, 1)
    listed_by = factory.LazyAttribute(lambda o: o.case.registered_by)


class AccountabilityRecordFactory(DjangoModelFactory):
    class Meta:
        model = AccountabilityRecord

    case = factory.SubFactory(CaseFactory)
    persons = "网格长"
    finding = "排查不细"
    sanction = "通报批评"
    recorded_by = factory.LazyAttribute(lambda o: o.case.registered_by)


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


# --- The mediator roster ---


class MediatorFactory(DjangoModelFactory):
    class Meta:
        model = Mediator

    area = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"调解员{n}")
    kind = "peoples"
    organisation = "社区人民调解委员会"


class MediationOrganisationFactory(DjangoModelFactory):
    class Meta:
        model = MediationOrganisation
        skip_postgeneration_save = True

    area = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"人民调解委员会{n}")
    kind = "peoples_committee"

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        if create and extracted:
            self.categories.set(extracted)


def _in_days(days: int, hour: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


class ReceptionSlotFactory(DjangoModelFactory):
    """A leader's reception tomorrow morning, held by a new leader of the area (D24)."""

    class Meta:
        model = ReceptionSlot

    area = factory.SubFactory(StreetFactory)
    leader = factory.LazyAttribute(
        lambda o: UserFactory(home_area=o.area, role=Role.LEADER, last_name="接访领导")
    )
    starts_at = factory.LazyFunction(lambda: _in_days(1, 9))
    ends_at = factory.LazyFunction(lambda: _in_days(1, 11))
    venue = "街道信访接待室"
    capacity = 5


class ReceptionBookingFactory(DjangoModelFactory):
    """A booking at a reception under way, begun an hour ago (so it can be received today):
    a slot given to it (row_in's, tomorrow's) is moved to now."""

    class Meta:
        model = ReceptionBooking

    slot = factory.SubFactory(ReceptionSlotFactory)
    name = factory.Sequence(lambda n: f"来访人{n}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    subject = "反映小区违建问题"

    @classmethod
    def _create(cls, model_class, **fields):
        slot = fields["slot"]
        now = timezone.now()
        if slot.starts_at > now:
            slot.starts_at, slot.ends_at = (
                now - datetime.timedelta(hours=1),
                now + datetime.timedelta(hours=1),
            )
            slot.save(update_fields=["starts_at", "ends_at"])
        return super()._create(model_class, **fields)


class MeetingFactory(DjangoModelFactory):
    """A meeting of an area's office on its disputes (D14), without decisions."""

    class Meta:
        model = Meeting

    area = factory.SubFactory(StreetFactory)
    kind = "meeting"
    held_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=1))
    title = factory.Sequence(lambda n: f"矛盾纠纷排查调处例会{n}")
    attendees = "综治办、司法所、派出所"


class MeetingDecisionFactory(DjangoModelFactory):
    class Meta:
        model = MeetingDecision

    meeting = factory.SubFactory(MeetingFactory)
    text = "三日内约谈双方当事人"
    unit = factory.LazyAttribute(lambda o: UnitFactory(area=o.meeting.area))
    deadline = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=7))
