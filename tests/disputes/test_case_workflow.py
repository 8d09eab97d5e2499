"""The case workflow (issue 8, "Cases"): every step, who may take it, and what a refused step
leaves behind (nothing). Seed rows cited: D5, D8, D10, D12, D17, D18, D21, D23, D25, D26, D28."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from disputes.case_services import (
    CaseConflict,
    case_accept,
    case_escalate,
    case_fail,
    case_hand_off,
    case_instruct,
    case_mediate,
    case_register,
    case_reopen,
    case_resolve,
    case_return,
    case_send_back,
    case_sign_off,
    case_steps,
    case_take,
    case_verify,
    stage_begin,
)
from disputes.models import Case, CaseAction, CaseState, DisputeCategory, Severity, Stage
from governance.models import Notification
from governance.scoping import visible_to
from grid.models import UnitKind
from tests.factories import ResidentFactory, UnitFactory

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
TODAY = datetime.date(2026, 11, 30)


@pytest.fixture
def offices(areas):
    """The offices of community_a, street_a and the district."""
    return {
        key: UnitFactory(area=areas[key], kind=UnitKind.OFFICE, name=f"{areas[key].name}综治中心")
        for key in ("community_a", "street_a", "district")
    }


@pytest.fixture
def neighbour():
    return DisputeCategory.objects.get(code="neighbour")


def register(actor, grid, neighbour, **more):
    fields = {
        "title": "楼上漏水",
        "summary": "楼上住户漏水，双方争执",
        "category": neighbour,
        "source": "visit",
        "occurred_on": TODAY,
        "parties": [{"role": "applicant", "name": "张三"}, {"role": "respondent", "name": "李四"}],
    }
    return case_register(actor=actor, grid=grid, **{**fields, **more})


def nothing_changed(case: Case, state: str, actions: int) -> None:
    case.refresh_from_db()
    assert case.state == state
    assert case.actions.count() == actions


def test_a_grid_worker_registers_and_the_community_office_owns_it_D28(
    users, areas, offices, neighbour
):
    case = register(users["grid_worker_a"], areas["grid_a"], neighbour)
    assert case.state == CaseState.REGISTERED
    assert case.owner_unit == offices["community_a"]  # 首问负责: the registering side's office
    assert case.supervising_area == areas["grid_a"]  # grid level until it escalates
    assert case.number == f"MD2026{case.pk:07d}"
    assert case.stage == Stage.ACCEPT and case.stage_due_at is not None
    assert [a.action for a in case.actions.all()] == ["register"]
    assert {p.name for p in case.parties.all()} == {"张三", "李四"}


def test_deadlines_count_working_days_across_national_day_D29(users, areas, offices, neighbour):
    case = register(users["grid_worker_a"], areas["grid_a"], neighbour)
    # Registered on Wednesday 30 September 2026: National Day runs 1–7 October, so one
    # working day to accept ends on Thursday 8 October.
    started = datetime.datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)
    stage_begin(case, started)
    assert case.stage_due_at == datetime.datetime(2026, 10, 8, 23, 59, 59, 999999, tzinfo=SHANGHAI)
    # The yellow card falls at the policy's share (60 %) of that time.
    assert case.stage_warn_at == started + (case.stage_due_at - started) * 60 / 100
    # Ten working days to handle from 8 October: Saturday 10 October is a make-up working
    # day (调休), so they end on Wednesday 21 October.
    case.state = CaseState.ACCEPTED
    stage_begin(case, datetime.datetime(2026, 10, 8, 9, 0, tzinfo=SHANGHAI))
    assert case.stage == Stage.HANDLE
    assert case.stage_due_at.date() == datetime.date(2026, 10, 21)


def test_the_whole_life_of_a_general_case_with_a_hand_off_and_a_return(
    users, areas, offices, neighbour
):
    office = users["community_office"]
    department = users["department"]
    case = register(users["grid_worker_a"], areas["grid_a"], neighbour)
    # The department does not see the case until it is handed to its unit.
    assert not visible_to(department, Case.objects.all()).exists()
    case_accept(actor=office, case=case, measures="上门调解")
    case_hand_off(
        actor=office, case=case, to_unit=department.unit, kind="administrative", reason="涉及物业"
    )
    case.refresh_from_db()
    assert case.state == CaseState.HANDED_OFF
    assert case.owner_unit == offices["community_a"]  # the sender owns it until accepted (D28)
    assert visible_to(department, Case.objects.all()).get() == case
    case_return(actor=department, case=case, reason="不属于本部门职责")
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED and case.pending_unit is None
    # Once handed, still seen by the department (its history of the case).
    assert visible_to(department, Case.objects.all()).exists()
    case_hand_off(actor=office, case=case, to_unit=department.unit, kind="transfer", reason="再议")
    case_accept(actor=department, case=case, measures="行政调解")
    case.refresh_from_db()
    assert case.owner_unit == department.unit and case.stage == Stage.HANDLE
    case_mediate(
        actor=department,
        case=case,
        kind="administrative",
        held_on=TODAY,
        mediators="王调解员",
        outcome="初步达成意向",
    )
    case_resolve(
        actor=department, case=case, agreement="修复漏水并赔偿", resolution_method="行政调解"
    )
    # The office checks with the parties (D17): unsatisfied sends it back (退回重办).
    case_verify(
        actor=office, case=case, satisfied=False, evaluation="赔偿未到位", evaluated_on=TODAY
    )
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED and case.outcome == ""
    case_resolve(actor=department, case=case, agreement="已赔偿", resolution_method="行政调解")
    case_verify(actor=office, case=case, satisfied=True, evaluation="双方满意", evaluated_on=TODAY)
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and case.closed_at is not None and case.stage == ""
    assert [a.action for a in case.actions.all()] == [
        "register",
        "accept",
        "hand_off",
        "return",
        "hand_off",
        "accept",
        "mediate",
        "resolve",
        "redo",
        "resolve",
        "verify",
    ]
    handoffs = list(case.handoffs.all())
    assert [(h.accepted, h.return_reason) for h in handoffs] == [
        (False, "不属于本部门职责"),
        (True, ""),
    ]


def test_a_major_case_is_reported_at_once_taken_by_a_leader_and_signed_off_D5_D12(
    users, areas, offices, neighbour
):
    office = users["street_office"]
    case = register(office, areas["grid_a"], neighbour, severity=Severity.MAJOR)
    # 随时上报: the offices and leaders of the street and district hear at once.
    told = set(
        Notification.objects.filter(title__contains="随时上报").values_list(
            "recipient__username", flat=True
        )
    )
    assert {"t_office_a", "t_leader_a", "t_leader"} <= told
    assert "t_office_b" not in told
    actions = case.actions.count()
    with pytest.raises(ValidationError) as refused:
        case_accept(actor=office, case=case, measures="约谈")
    assert "领导包案" in str(refused.value)
    nothing_changed(case, CaseState.REGISTERED, actions)
    case_accept(actor=office, case=case, measures="约谈", responsible_leader=users["street_leader"])
    case_fail(actor=office, case=case, outcome="court", referred_to="西湖区人民法院")
    case.refresh_from_db()
    assert case.state == CaseState.AWAITING_SIGN_OFF
    for stranger in ("grid_worker_a", "street_office", "leader"):
        with pytest.raises(PermissionDenied):
            case_sign_off(actor=users[stranger], case=case)
    case_send_back(actor=users["street_leader"], case=case, comment="再做工作")
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED
    case_fail(actor=office, case=case, outcome="criminal", referred_to="派出所")  # 民转刑 D26
    case_sign_off(actor=users["street_leader"], case=case, comment="同意")
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and case.outcome == "criminal"


def test_escalation_goes_up_one_level_and_asks_for_a_leader(users, areas, offices, neighbour):
    case = register(users["grid_worker_a"], areas["grid_a"], neighbour)
    office = users["street_office"]
    case_escalate(actor=office, case=case, reason="逾期未受理")
    case.refresh_from_db()
    assert case.supervising_area == areas["community_a"] and not case.needs_leader
    case_escalate(actor=office, case=case, reason="仍未化解")
    case.refresh_from_db()
    assert case.supervising_area == areas["street_a"] and case.needs_leader
    asked = Notification.objects.filter(
        recipient=users["street_leader"], title__contains="领导包案"
    )
    assert asked.exists()
    case_take(actor=users["street_leader"], case=case)
    case.refresh_from_db()
    assert case.responsible_leader == users["street_leader"]
    # The overdue scan escalates once per key, however often it runs.
    case_escalate(actor=None, case=case, reason="逾期", key="escalate:handle:1")
    case_escalate(actor=None, case=case, reason="逾期", key="escalate:handle:1")
    case.refresh_from_db()
    assert case.supervising_area == areas["district"] and case.escalations == 3
    with pytest.raises(CaseConflict):
        case_escalate(actor=office, case=case, reason="再升")


def test_leaders_instruct_and_the_office_reopens(users, areas, offices, neighbour):
    case = register(users["grid_worker_a"], areas["grid_a"], neighbour)
    case_instruct(actor=users["leader"], case=case, instruction="尽快化解")
    with pytest.raises(PermissionDenied):
        case_instruct(actor=users["street_office"], case=case, instruction="x")
    office = users["community_office"]
    case_accept(actor=office, case=case, measures="调解")
    case_resolve(actor=office, case=case, agreement="和解", resolution_method="人民调解")
    case_verify(actor=office, case=case, satisfied=True, evaluation="满意", evaluated_on=TODAY)
    case_reopen(actor=office, case=case, reason="当事人反映协议未履行")
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED and case.closed_at is None


@pytest.mark.parametrize(
    ("actor", "step"),
    [
        ("grid_worker_a", "accept"),  # a grid worker does not act for the office
        ("department", "accept"),  # a department acting on a case not handed to it
        ("other_street_office", "accept"),  # another street's office
        ("leader", "resolve"),
        ("community_office", "sign_off"),  # only the responsible leader signs off
    ],
)
def test_a_refused_step_names_its_rule_and_changes_nothing(
    users, areas, offices, neighbour, actor, step
):
    case = register(users["grid_worker_a"], areas["grid_a"], neighbour)
    steps = {
        "accept": lambda who: case_accept(actor=who, case=case, measures="x"),
        "resolve": lambda who: case_resolve(
            actor=who, case=case, agreement="x", resolution_method="x"
        ),
        "sign_off": lambda who: case_sign_off(actor=who, case=case),
    }
    with pytest.raises(PermissionDenied) as refused:
        steps[step](users[actor])
    assert str(refused.value)
    nothing_changed(case, CaseState.REGISTERED, 1)
    assert step not in case_steps(actor=users[actor], case=case)


def test_a_step_the_state_does_not_allow_is_a_conflict(users, areas, offices, neighbour):
    office = users["community_office"]
    case = register(users["grid_worker_a"], areas["grid_a"], neighbour)
    with translation.override("en"), pytest.raises(CaseConflict) as conflict:
        case_resolve(actor=office, case=case, agreement="x", resolution_method="x")
    assert str(conflict.value) == (
        f"Case {case.number} is now “Registered, awaiting acceptance”: this step does not "
        "apply to it."
    )
    case_accept(actor=office, case=case, measures="x")
    with pytest.raises(CaseConflict):
        case_accept(actor=office, case=case, measures="again")
    nothing_changed(case, CaseState.ACCEPTED, 2)


@pytest.mark.parametrize(
    ("grid", "change", "field"),
    [
        ("grid_b", {}, "grid"),  # not grid worker a's grid
        ("grid_a", {"occurred_on": datetime.date(2099, 1, 1)}, "occurred_on"),
        ("grid_a", {"parties": []}, "parties"),
        ("grid_a", {"parties": [{"role": "applicant", "name": ""}]}, "parties"),
        ("grid_a", {"title": "  "}, "title"),
    ],
)
def test_bad_registrations_are_refused_and_nothing_is_written(
    users, areas, offices, neighbour, grid, change, field
):
    with pytest.raises(ValidationError) as refused:
        register(users["grid_worker_a"], areas[grid], neighbour, **change)
    assert field in refused.value.message_dict
    assert not Case.objects.exists() and not CaseAction.objects.exists()


def test_a_party_outside_the_area_does_not_exist(users, areas, offices, neighbour):
    stranger = ResidentFactory(grid=areas["grid_b"])
    with pytest.raises(ValidationError) as refused:
        register(
            users["grid_worker_a"],
            areas["grid_a"],
            neighbour,
            parties=[{"role": "applicant", "resident": stranger}],
        )
    assert refused.value.message_dict == {"parties": ["A party must be someone in your area."]}


def test_a_department_registers_in_the_area_it_serves_and_owns_the_case(
    users, areas, offices, neighbour
):
    department = users["department"]
    case = register(department, areas["grid_b"], neighbour, source="hotline")
    assert case.owner_unit == department.unit
    assert visible_to(department, Case.objects.all()).get() == case
    assert not visible_to(users["other_street_office"], Case.objects.all()).exists()


def test_hand_offs_go_to_units_serving_the_case_area_only(users, areas, offices, neighbour):
    office = users["community_office"]
    case = register(users["grid_worker_a"], areas["grid_a"], neighbour)
    elsewhere = UnitFactory(area=areas["street_b"], name="别处的派出所")
    with pytest.raises(ValidationError) as refused:
        case_hand_off(actor=office, case=case, to_unit=elsewhere, kind="transfer", reason="x")
    assert "to_unit" in refused.value.message_dict
    with pytest.raises(ValidationError):
        case_hand_off(
            actor=office, case=case, to_unit=offices["community_a"], kind="transfer", reason="x"
        )
    nothing_changed(case, CaseState.REGISTERED, 1)


def test_mediation_kinds_include_the_public_hearing_D18_D23(users, areas, offices, neighbour):
    office = users["community_office"]
    case = register(users["grid_worker_a"], areas["grid_a"], neighbour)
    case_accept(actor=office, case=case, measures="听证")
    for kind in ("peoples", "administrative", "judicial", "hearing"):
        case_mediate(
            actor=office,
            case=case,
            kind=kind,
            held_on=TODAY,
            mediators="和谐使者",
            outcome="进行中",
        )
    assert case.mediations.count() == 4
    with pytest.raises(ValidationError):
        case_mediate(
            actor=office, case=case, kind="hearing", held_on=TODAY, mediators="", outcome="x"
        )


def test_petition_flags_imply_a_petition_D25(users, areas, offices, neighbour):
    case = register(users["grid_worker_a"], areas["grid_a"], neighbour, collective_petition=True)
    assert case.petition and case.collective_petition and not case.bypass_petition
