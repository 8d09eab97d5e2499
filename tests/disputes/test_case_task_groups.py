"""A case's special task group (D16: 专项工作组): units working on a case beside its owner,
one leading; their people see the case and report to it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from disputes.case_selectors import case_list
from disputes.case_services import case_group_report, case_steps, case_task_group_set
from governance.models import Notification
from tests.conftest import login
from tests.disputes.factories import CaseFactory
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(areas):
    return CaseFactory(grid=areas["grid_a"], severity="major")


def test_the_owner_forms_a_group_whose_units_see_the_case_D16(users, areas, case):
    justice = users["department"].unit
    police = UnitFactory(area=areas["district"], name="区公安分局")
    assert case not in case_list(user=users["department"])
    case_task_group_set(
        actor=users["community_office"], case=case, units=[justice, police], lead=police
    )
    members = {m.unit: m.lead for m in case.task_group.all()}
    assert members == {justice: False, police: True}
    assert case in case_list(user=users["department"])
    assert case.actions.filter(action="task_group", comment__contains="区公安分局").exists()
    assert Notification.objects.filter(recipient=users["department"], kind="dispute_case").exists()
    # Re-formed without the 司法局: it no longer sees the case.
    third = UnitFactory(area=areas["street_a"], name="街道司法所")
    case_task_group_set(actor=users["leader"], case=case, units=[police, third])
    assert case not in case_list(user=users["department"])
    assert case.task_group.get(lead=True).unit == police


def test_a_group_needs_two_units_serving_the_area_besides_the_owner(users, areas, case):
    justice = users["department"].unit
    with pytest.raises(ValidationError) as refused:
        case_task_group_set(actor=users["community_office"], case=case, units=[justice])
    assert set(refused.value.message_dict) == {"units"}
    elsewhere = UnitFactory(area=areas["street_b"], name="别的街道司法所")
    with pytest.raises(ValidationError) as refused:
        case_task_group_set(actor=users["community_office"], case=case, units=[justice, elsewhere])
    assert "别的街道司法所" in " ".join(refused.value.message_dict["units"])
    with pytest.raises(ValidationError) as refused:
        case_task_group_set(
            actor=users["community_office"],
            case=case,
            units=[justice, case.owner_unit],
        )
    assert set(refused.value.message_dict) == {"units"}
    with pytest.raises(PermissionDenied, match="forms its group"):
        case_task_group_set(actor=users["grid_worker_a"], case=case, units=[justice, elsewhere])
    assert not case.task_group.exists()


def test_only_the_groups_units_report_to_the_case_D16(users, areas, case):
    police = UnitFactory(area=areas["district"], name="区公安分局")
    with pytest.raises(PermissionDenied):
        case_group_report(actor=users["department"], case=case, report="x")
    case_task_group_set(
        actor=users["community_office"], case=case, units=[users["department"].unit, police]
    )
    assert "group_report" in case_steps(actor=users["department"], case=case)
    with pytest.raises(ValidationError):
        case_group_report(actor=users["department"], case=case, report=" ")
    action = case_group_report(actor=users["department"], case=case, report="已派员现场核查")
    assert action.comment == "已派员现场核查"


def test_the_case_page_and_api_show_and_form_the_group(client, users, areas, case):
    police = UnitFactory(area=areas["district"], name="区公安分局")
    login(client, users["community_office"])
    response = client.post(
        reverse("cases:step", kwargs={"pk": case.pk, "step": "task_group"}),
        {
            "task_group-units": [users["department"].unit_id, police.pk],
            "task_group-lead": police.pk,
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("cases:detail", kwargs={"pk": case.pk})).content.decode()
    assert 'data-testid="case-task-group"' in page and "区公安分局" in page
    detail = client.get(reverse("api:dispute-detail", kwargs={"pk": case.pk})).json()
    assert {row["unit_name"]: row["lead"] for row in detail["task_group"]} == {
        users["department"].unit.name: False,
        "区公安分局": True,
    }
    login(client, users["department"])
    reported = client.post(
        reverse("api:dispute-group-report", kwargs={"pk": case.pk}),
        {"report": "法律援助已介入"},
        content_type="application/json",
    )
    assert reported.status_code == 200, reported.content
