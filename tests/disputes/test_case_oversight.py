"""Extensions (延期申请), listed supervision (挂牌督办, D11) and accountability (责任追究, D27)
on a case: who may take each step, what it changes, and that a refused one changes nothing."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from disputes.case_services import (
    CaseConflict,
    case_accept,
    case_deadline_scan,
    case_decide_extension,
    case_extend,
    case_hold_accountable,
    case_lift_supervision,
    case_report_back,
    case_steps,
    case_supervise,
    stage_begin,
)
from disputes.models import CaseState, ExtensionDecision
from governance.models import Notification
from grid.models import UnitKind
from tests.disputes.factories import CaseFactory
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def local_day(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(SHANGHAI).date()


@pytest.fixture
def case(areas, users):
    """A case in grid_a owned by community_a's office, accepted on 30 September 2026: ten
    working days to handle it end on Tuesday 20 October (National Day, and the make-up
    Saturday of 10 October, in between)."""
    UnitFactory(area=areas["street_a"], kind=UnitKind.OFFICE, name="文新街道综治中心")
    case = CaseFactory(grid=areas["grid_a"])
    case_accept(actor=users["community_office"], case=case, measures="调解")
    case.refresh_from_db()
    case.stage = ""  # start the handling stage afresh, on the day below
    stage_begin(case, datetime.datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI))
    case.save()
    return case


def test_granted_days_move_the_deadline_in_working_days(case, users):
    office = users["community_office"]
    assert local_day(case.stage_due_at) == datetime.date(2026, 10, 20)
    case_extend(actor=office, case=case, days=3, reason="当事人外出务工")
    with pytest.raises(CaseConflict):
        case_extend(actor=office, case=case, days=2, reason="再延")
    # The community supervises it: the street decides.
    with pytest.raises(PermissionDenied):
        case_decide_extension(actor=office, case=case, grant=True)
    assert "decide_extension" in case_steps(actor=users["street_office"], case=case)
    case_decide_extension(actor=users["street_office"], case=case, grant=True, comment="同意")
    case.refresh_from_db()
    assert case.extended_days == 3
    assert local_day(case.stage_due_at) == datetime.date(2026, 10, 23)  # Wed, Thu, Fri
    request = case.extensions.get()
    assert (
        request.decision == ExtensionDecision.GRANTED
        and request.decided_by == users["street_office"]
    )
    assert Notification.objects.filter(recipient=office, title="Extension granted").exists()


def test_a_refusal_needs_its_reason_and_keeps_the_deadline(case, users):
    case_extend(actor=users["community_office"], case=case, days=5, reason="需要鉴定")
    with pytest.raises(ValidationError) as refused:
        case_decide_extension(actor=users["street_leader"], case=case, grant=False)
    assert "comment" in refused.value.message_dict
    case_decide_extension(
        actor=users["street_leader"], case=case, grant=False, comment="可先行调解"
    )
    case.refresh_from_db()
    assert case.extended_days == 0 and local_day(case.stage_due_at) == datetime.date(2026, 10, 20)


def test_an_extension_granted_after_the_red_card_can_be_carded_again(case, users):
    case_deadline_scan(now=datetime.datetime(2026, 10, 22, 9, tzinfo=SHANGHAI))
    case.refresh_from_db()
    assert case.red_carded_at is not None
    case_extend(actor=users["community_office"], case=case, days=10, reason="等待鉴定结论")
    case_decide_extension(actor=users["leader"], case=case, grant=True)
    case.refresh_from_db()
    # Ten more working days from 20 October end on 3 November: a new deadline, not carded yet.
    assert local_day(case.stage_due_at) == datetime.date(2026, 11, 3)
    assert case.red_carded_at is None
    assert case_deadline_scan(now=datetime.datetime(2026, 11, 5, 9, tzinfo=SHANGHAI))["red"] == 1
    assert case.actions.filter(action="red_card").count() == 2


def test_listed_supervision_report_back_and_lift_D11(case, users):
    street = users["street_office"]
    with pytest.raises(PermissionDenied):
        case_supervise(
            actor=users["grid_worker_a"],
            case=case,
            requirement="x",
            deadline=datetime.date(2099, 1, 1),
        )
    with pytest.raises(ValidationError):
        case_supervise(actor=street, case=case, requirement="x", deadline=datetime.date(2020, 1, 1))
    supervision = case_supervise(
        actor=street,
        case=case,
        requirement="十日内化解并书面报告",
        deadline=datetime.date(2099, 1, 1),
    )
    assert supervision.office.area == users["street_office"].home_area
    with pytest.raises(CaseConflict):
        case_supervise(
            actor=street, case=case, requirement="再次", deadline=datetime.date(2099, 1, 1)
        )
    with pytest.raises(PermissionDenied):
        case_report_back(actor=street, case=case, report="x")  # the responsible unit reports
    case_report_back(actor=users["community_office"], case=case, report="已组织三次调解")
    with pytest.raises(PermissionDenied):
        case_lift_supervision(actor=users["community_office"], case=case)
    case_lift_supervision(actor=street, case=case, comment="已化解")
    supervision.refresh_from_db()
    assert supervision.report == "已组织三次调解" and supervision.lifted_at is not None
    assert [
        a.action
        for a in case.actions.filter(action__in=["supervise", "report_back", "lift_supervision"])
    ] == ["supervise", "report_back", "lift_supervision"]


def test_accountability_is_recorded_by_the_office_or_a_leader_D27(case, users):
    with pytest.raises(PermissionDenied):
        case_hold_accountable(
            actor=users["grid_worker_a"], case=case, persons="x", finding="x", sanction="x"
        )
    with pytest.raises(PermissionDenied):
        case_hold_accountable(
            actor=users["other_street_office"], case=case, persons="x", finding="x", sanction="x"
        )
    record = case_hold_accountable(
        actor=users["street_leader"],
        case=case,
        persons="某社区网格长",
        finding="排查不细，未及时上报",
        sanction="通报批评",
    )
    assert record.case == case and case.state == CaseState.ACCEPTED
    with pytest.raises(ValidationError):
        case_hold_accountable(
            actor=users["street_leader"], case=case, persons="", finding="x", sanction="x"
        )
