"""Row factories of the population app (tests/factories.py finds `<Model>Factory` here)."""

import datetime

import factory
from factory.django import DjangoModelFactory

from governance.models import Role
from population.care_services import special_group_care_add
from population.compound_services import compound_register, security_body_add
from population.drive_services import drive_checklist_build
from population.identities import credit_code_make
from population.imports import resident_import_check
from population.incident_services import rental_incident_record
from population.models import (
    CareKind,
    Compound,
    DriveCheck,
    DriveKind,
    House,
    Household,
    HouseholdEvent,
    HouseholdKind,
    Organisation,
    OrganisationKind,
    Relationship,
    RentalIncident,
    RentalIncidentKind,
    ResidentDrive,
    ResidentImport,
    ResidentStatus,
    SecurityBody,
    SecurityBodyKind,
    SpecialGroupCare,
    SpecialGroupEvent,
    SpecialGroupExportRequest,
    SpecialGroupKind,
    SpecialGroupRecord,
    Visit,
    VisitPurpose,
    VitalPart,
)
from population.services import (
    house_register,
    house_update,
    household_member_add,
    household_register,
    organisation_register,
    special_group_event_record,
    special_group_record_create,
    visit_log,
    vital_part_add,
)
from tests.factories import SYSTEM, GridFactory, ResidentFactory, UserFactory, id_number_for


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


_numbers = iter(range(700_000, 800_000))


class ResidentImportFactory(DjangoModelFactory):
    """A checked (not loaded) one-row import of a person in a grid of `area`."""

    class Meta:
        model = ResidentImport

    area = factory.SubFactory(GridFactory)

    @classmethod
    def _create(cls, model_class, *, area, **fields):
        from tests.factories import grid_in

        grid = grid_in(area)
        content = (
            f"网格编码,姓名,公民身份号码\n{grid.code},导入居民,{id_number_for(next(_numbers))}\n"
        )
        resident_import = resident_import_check(
            actor=SYSTEM, file_name="residents.csv", content=content.encode()
        )
        if resident_import.area != area:
            resident_import.area = area
            resident_import.save(update_fields=["area"])
        return resident_import


# --- Compounds (P27) and internal security bodies (P13) ---


class CompoundFactory(DjangoModelFactory):
    """A compound registered through the service, with none of its four unless told."""

    class Meta:
        model = Compound

    grid = factory.SubFactory(GridFactory)
    name = factory.Sequence(lambda n: f"小区{n}")

    @classmethod
    def _create(cls, model_class, **fields):
        return compound_register(actor=SYSTEM, **fields)


class SecurityBodyFactory(DjangoModelFactory):
    class Meta:
        model = SecurityBody

    organisation = factory.SubFactory(OrganisationFactory)
    kind = SecurityBodyKind.SECURITY
    head_name = "赵保卫"
    member_count = 6

    @classmethod
    def _create(cls, model_class, **fields):
        return security_body_add(actor=SYSTEM, **fields)


class SpecialGroupExportRequestFactory(DjangoModelFactory):
    """A request (not yet decided) for the ledger of `area`, by office staff of that area."""

    class Meta:
        model = SpecialGroupExportRequest
        skip_postgeneration_save = True

    area = factory.SubFactory(GridFactory)
    reason = "季度重点人员台账核对"
    requested_by = factory.SubFactory(
        UserFactory, role=Role.OFFICE_STAFF, home_area=factory.SelfAttribute("..area")
    )


class RentalIncidentFactory(DjangoModelFactory):
    """An incident recorded through the service at a house let for the occasion (P5)."""

    class Meta:
        model = RentalIncident

    house = factory.SubFactory(HouseFactory)
    kind = RentalIncidentKind.PUBLIC_SECURITY
    occurred_on = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=3))
    summary = "出租屋内发生盗窃"

    @classmethod
    def _create(cls, model_class, **fields):
        if not fields["house"].is_rented:
            fields["house"] = house_update(
                actor=SYSTEM, house=fields["house"], is_rented=True, landlord_name="王房东"
            )
        return rental_incident_record(actor=SYSTEM, **fields)


# --- Care records and re-verification drives (P8, P16, P23) ----------------------------------


class SpecialGroupCareFactory(DjangoModelFactory):
    class Meta:
        model = SpecialGroupCare

    record = factory.SubFactory(SpecialGroupRecordFactory)
    kind = CareKind.CARE
    given_on = factory.LazyFunction(datetime.date.today)
    provider = "帮扶小组"

    @classmethod
    def _create(cls, model_class, **fields):
        return special_group_care_add(actor=SYSTEM, **fields)


class ResidentDriveFactory(DjangoModelFactory):
    """A running clean-up drive over the area, saved as it is (the matrix places drives in
    every area, grids included, which the opener refuses) with its checklist built."""

    class Meta:
        model = ResidentDrive

    area = factory.SubFactory(GridFactory)
    kind = DriveKind.FLOATING_CLEANUP
    title = factory.Sequence(lambda n: f"清理清查专项行动{n}")
    starts_on = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=7))
    ends_on = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=30))

    @classmethod
    def _create(cls, model_class, **fields):
        drive = model_class.objects.create(**fields)
        drive_checklist_build(actor=SYSTEM, drive=drive)
        return drive


class DriveCheckFactory(DjangoModelFactory):
    """An unchecked subject: a floating resident of the grid on a drive over its community."""

    class Meta:
        model = DriveCheck

    grid = factory.SubFactory(GridFactory)

    @classmethod
    def _create(cls, model_class, grid, drive=None, resident=None, **fields):
        drive = drive or ResidentDriveFactory(area=grid.parent)
        resident = resident or ResidentFactory(grid=grid, status=ResidentStatus.FLOATING)
        check, _ = model_class.objects.get_or_create(
            drive=drive, resident=resident, defaults={"grid": grid, **fields}
        )
        return check
