"""Residence permits, passports, employers and the high-risk flag at the service (P3, P6,
P7, P10): each bad value is refused naming its field, and nothing is saved."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from population.identities import id_number_make
from population.models import Resident, ResidentStatus
from population.services import resident_register, resident_status_change, resident_update
from tests.factories import ResidentFactory
from tests.population.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
SOON = TODAY + datetime.timedelta(days=20)


def register(users, areas, who="grid_worker_a", **fields):
    defaults = {
        "name": "张伟",
        "id_number": id_number_make(born=datetime.date(1987, 12, 25), serial=5),
    }
    return resident_register(actor=users[who], grid=areas["grid_a"], **{**defaults, **fields})


def refused(field, call):
    before = Resident.objects.count()
    with pytest.raises(ValidationError) as error:
        call()
    assert field in error.value.message_dict, error.value.message_dict
    assert Resident.objects.count() == before
    return error.value.message_dict[field]


def test_a_floating_resident_is_registered_with_permit_and_employer(users, areas):
    """P3: 以证管人、以业管人 — the permit number and expiry, and the employer in the ledger."""
    employer = OrganisationFactory(grid=areas["grid_a"])
    resident = register(
        users,
        areas,
        status=ResidentStatus.FLOATING,
        residence_permit_number=" 3301 0620 24000 1 ",
        residence_permit_expires_on=SOON,
        employer_organisation=employer,
    )
    resident.refresh_from_db()
    assert resident.residence_permit_number == "33010620240001"
    assert resident.residence_permit_expires_on == SOON
    assert list(employer.workers.all()) == [resident]


def test_only_a_floating_resident_holds_a_residence_permit(users, areas):
    refused(
        "residence_permit_number",
        lambda: register(users, areas, residence_permit_number="33010620240001",
                         residence_permit_expires_on=SOON),
    )  # fmt: skip


def test_a_permit_needs_its_expiry_date_and_the_date_its_number(users, areas):
    floating = {"status": ResidentStatus.FLOATING}
    refused(
        "residence_permit_expires_on",
        lambda: register(users, areas, residence_permit_number="33010620240001", **floating),
    )
    refused(
        "residence_permit_number",
        lambda: register(users, areas, residence_permit_expires_on=SOON, **floating),
    )


def test_an_expiry_date_decades_away_is_refused(users, areas):
    refused(
        "residence_permit_expires_on",
        lambda: register(
            users,
            areas,
            status=ResidentStatus.FLOATING,
            residence_permit_number="33010620240001",
            residence_permit_expires_on=TODAY.replace(year=TODAY.year + 40),
        ),
    )


def test_a_foreign_national_needs_a_passport_and_a_nationality(users, areas):
    """P10: passport, nationality, visa/stay expiry."""
    foreign = {"status": ResidentStatus.FOREIGN}
    refused("passport_number", lambda: register(users, areas, nationality="KOR", **foreign))
    refused("nationality", lambda: register(users, areas, passport_number="M12345678", **foreign))
    refused(
        "nationality",
        lambda: register(users, areas, passport_number="M12345678", nationality="XYZ", **foreign),
    )
    refused(
        "nationality",
        lambda: register(users, areas, passport_number="M12345678", nationality="CHN", **foreign),
    )
    resident = register(
        users, areas, passport_number="m 1234 5678", nationality="kor", stay_expires_on=SOON,
        **foreign,
    )  # fmt: skip
    resident.refresh_from_db()
    assert (resident.passport_number, resident.nationality) == ("M12345678", "KOR")
    assert resident.passport_number_masked == "M1*****78"


def test_a_passport_is_refused_for_a_chinese_resident(users, areas):
    refused("passport_number", lambda: register(users, areas, passport_number="M12345678"))


def test_the_employer_must_lie_in_the_actors_area(users, areas):
    elsewhere = OrganisationFactory(grid=areas["grid_b"])
    refused(
        "employer_organisation",
        lambda: register(users, areas, employer_organisation=elsewhere),
    )


def test_only_office_staff_set_the_high_risk_flag(users, areas):
    """P6: 流动人口中高危人群 — flagged by the office, not by the grid worker."""
    floating = {"status": ResidentStatus.FLOATING}
    refused("high_risk", lambda: register(users, areas, high_risk=True, **floating))
    resident = register(users, areas, who="street_office", high_risk=True, **floating)
    assert resident.high_risk
    refused(
        "high_risk",
        lambda: resident_update(actor=users["grid_worker_a"], resident=resident, high_risk=False),
    )
    # Saving the flag as it is (a whole form) is no change and allowed.
    resident_update(actor=users["grid_worker_a"], resident=resident, high_risk=True, name="张伟伟")
    refused("high_risk", lambda: register(users, areas, who="street_office", high_risk=True))


def test_a_status_change_clears_the_documents_of_the_old_status(users, areas):
    resident = ResidentFactory(
        grid=areas["grid_a"],
        status=ResidentStatus.FLOATING,
        residence_permit_number="33010620240001",
        residence_permit_expires_on=SOON,
    )
    resident_status_change(
        actor=users["grid_worker_a"],
        resident=resident,
        status=ResidentStatus.REGISTERED,
        happened_on=TODAY,
    )
    resident.refresh_from_db()
    assert (resident.residence_permit_number, resident.residence_permit_expires_on) == ("", None)
    # The correction of a name still passes the document rules afterwards.
    resident_update(actor=users["grid_worker_a"], resident=resident, name="张伟")
