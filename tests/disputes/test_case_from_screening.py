"""造册登记 (D8): a dispute found in the two screenings is registered as a case, once; the
entry then names its case."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from disputes.case_services import CaseConflict, case_register_from_screening
from disputes.models import CaseSource, DisputeCategory, PartyRole
from grid.models import Unit, UnitKind
from tests.conftest import login
from tests.disputes.factories import (
    ScreeningItemFactory,
    ScreeningReportFactory,
    offices_above,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(areas):
    offices_above(areas["grid_a"])
    office = Unit.objects.get(area=areas["community_a"], kind=UnitKind.OFFICE)
    return ScreeningItemFactory(
        report=ScreeningReportFactory(unit=office),
        kind="dispute",
        title="征地补偿款分配争议",
        description="十一户村民对补偿款分配方案有异议",
        category=DisputeCategory.objects.get(code="property_construction"),
        severity="general",
        grid=areas["grid_a"],
        people_count=11,
        parties="张建国、李秀英，王强",
    )


def test_a_screened_dispute_becomes_a_case_once_D8(item, users):
    case = case_register_from_screening(actor=users["community_office"], item=item)
    assert case.source == CaseSource.SCREENING
    assert (case.title, case.people_involved, case.grid) == (item.title, 11, item.grid)
    parties = [(p.role, p.name) for p in case.parties.order_by("pk")]
    assert parties == [
        (PartyRole.APPLICANT, "张建国"),
        (PartyRole.RESPONDENT, "李秀英"),
        (PartyRole.RESPONDENT, "王强"),
    ]
    item.refresh_from_db()
    assert item.case == case
    with pytest.raises(CaseConflict):
        case_register_from_screening(actor=users["community_office"], item=item)


def test_only_a_visible_dispute_with_a_grid_is_registered(item, users):
    with pytest.raises(PermissionDenied):
        case_register_from_screening(actor=users["other_street_office"], item=item)
    hazard = ScreeningItemFactory(report=item.report, grid=item.grid)
    with pytest.raises(ValidationError) as refused:
        case_register_from_screening(actor=users["community_office"], item=hazard)
    assert set(refused.value.message_dict) == {"kind"}


def test_from_the_report_page_and_the_api(client, item, users):
    login(client, users["community_office"])
    page = client.get(reverse("screenings:report", args=[item.report_id])).content.decode()
    assert reverse("cases:from-screening", args=[item.pk]) in page
    answer = client.post(reverse("api:screening-item-register-case", args=[item.pk]))
    assert answer.status_code == 201
    assert answer.json()["source"] == "screening"
    again = client.post(reverse("cases:from-screening", args=[item.pk]))
    assert again.status_code == 302  # back to the report, told it is registered already
    page = client.get(reverse("screenings:report", args=[item.report_id])).content.decode()
    assert reverse("cases:detail", args=[answer.json()["id"]]) in page
