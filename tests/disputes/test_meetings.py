"""Meetings on major disputes (D14: 定期召开会议,听取专门工作汇报; 定期会商; 定期汇报): the cases
discussed, noted on their timelines, and the decisions, each a task for a unit."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from disputes.meeting_selectors import meeting_agenda, meeting_decision_list, meeting_list
from disputes.meeting_services import meeting_decision_done, meeting_record
from disputes.models import Meeting
from governance.errors import Conflict
from governance.models import Notification
from tests.conftest import login
from tests.disputes.factories import CaseFactory, MeetingDecisionFactory
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db
YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


def record(actor, area, **more):
    fields = {
        "kind": "meeting",
        "held_on": YESTERDAY,
        "title": "十一月矛盾纠纷排查调处例会",
        "attendees": "街道综治办、司法所、派出所",
    }
    return meeting_record(actor=actor, area=area, **(fields | more))


def test_the_agenda_holds_the_major_overdue_and_escalated_cases_of_the_area_D14(users, areas):
    major = CaseFactory(grid=areas["grid_a"], severity="major")
    overdue = CaseFactory(grid=areas["grid_b"])
    overdue.stage_due_at = timezone.now() - datetime.timedelta(days=1)
    overdue.save(update_fields=["stage_due_at"])
    CaseFactory(grid=areas["grid_a"])  # a general case in time: not on the agenda
    CaseFactory(grid=areas["grid_other_street"], severity="major")  # another street's
    agenda = list(meeting_agenda(user=users["street_office"], area=areas["street_a"]))
    assert agenda == [major, overdue]


def test_a_meeting_notes_its_cases_and_sets_tasks_for_units_D14(users, areas):
    case = CaseFactory(grid=areas["grid_a"], severity="major")
    justice = users["department"].unit  # 区司法局, a member department of the district
    meeting = record(
        users["street_office"],
        areas["street_a"],
        chair=users["street_leader"],
        cases=[case],
        decisions=[
            {
                "text": "司法局三日内派员参与调解",
                "unit": justice,
                "case": case,
                "deadline": YESTERDAY + datetime.timedelta(days=4),
            }
        ],
    )
    assert list(meeting.cases.all()) == [case]
    assert case.actions.filter(action="meeting", comment__contains=meeting.title).exists()
    decision = meeting.decisions.get()
    assert decision.unit == justice and decision.done_at is None
    told = Notification.objects.get(kind="meeting_decision")
    assert told.recipient == users["department"] and told.body == "司法局三日内派员参与调解"


@pytest.mark.parametrize(
    ("more", "field"),
    [
        ({"held_on": timezone.localdate() + datetime.timedelta(days=1)}, "held_on"),
        ({"title": " "}, "title"),
        ({"attendees": ""}, "attendees"),
        ({"kind": "party"}, "kind"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(users, areas, more, field):
    with pytest.raises(ValidationError) as refused:
        record(users["street_office"], areas["street_a"], **more)
    assert field in refused.value.message_dict
    assert not Meeting.objects.exists()


def test_cases_and_units_outside_the_area_are_refused(users, areas):
    elsewhere = CaseFactory(grid=areas["grid_other_street"])
    with pytest.raises(ValidationError) as refused:
        record(users["leader"], areas["street_a"], cases=[elsewhere])
    assert elsewhere.number in " ".join(refused.value.message_dict["cases"])
    other_unit = UnitFactory(area=areas["street_b"])
    with pytest.raises(ValidationError) as refused:
        record(
            users["street_office"],
            areas["street_a"],
            decisions=[{"text": "x", "unit": other_unit, "deadline": YESTERDAY}],
        )
    assert "does not serve this area" in " ".join(refused.value.message_dict["decisions"])
    with pytest.raises(ValidationError) as refused:
        record(users["street_office"], areas["street_b"])
    assert set(refused.value.message_dict) == {"area"}
    with pytest.raises(PermissionDenied):
        record(users["grid_worker_a"], areas["grid_a"])
    assert not Meeting.objects.exists()


def test_the_unit_or_the_office_marks_a_decision_done_once(users, areas):
    decision = MeetingDecisionFactory(meeting__area=areas["street_a"])
    with pytest.raises(PermissionDenied, match="responsible unit"):
        meeting_decision_done(actor=users["grid_worker_a"], decision=decision, note="x")
    with pytest.raises(ValidationError):
        meeting_decision_done(actor=users["street_office"], decision=decision, note=" ")
    done = meeting_decision_done(actor=users["street_office"], decision=decision, note="已约谈")
    assert done.done_by == users["street_office"]
    with pytest.raises(Conflict):
        meeting_decision_done(actor=users["street_office"], decision=decision, note="again")


def test_a_department_sees_the_meeting_that_set_its_task(users, areas):
    department = users["department"]
    task = MeetingDecisionFactory(meeting__area=areas["street_a"], unit=department.unit)
    MeetingDecisionFactory(meeting__area=areas["street_a"])  # another unit's
    assert list(meeting_decision_list(user=department)) == [task]
    assert list(meeting_list(user=department)) == [task.meeting]
    meeting_decision_done(actor=department, decision=task, note="已派员参与调解")


def test_the_pages_record_a_meeting_with_its_agenda_and_close_a_task(client, users, areas):
    case = CaseFactory(grid=areas["grid_a"], severity="major")
    unit = UnitFactory(area=areas["street_a"], name="街道司法所")
    login(client, users["street_office"])
    page = client.get(reverse("cases:meeting-new")).content.decode()
    assert case.number in page and "checked" in page
    response = client.post(
        reverse("cases:meeting-new"),
        {
            "area": areas["street_a"].pk,
            "kind": "consultation",
            "held_on": str(YESTERDAY),
            "title": "重大纠纷会商",
            "attendees": "综治办、司法所",
            "cases": [case.pk],
            "d0-text": "司法所牵头调解",
            "d0-unit": unit.pk,
            "d0-deadline": str(YESTERDAY + datetime.timedelta(days=5)),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    meeting = Meeting.objects.get()
    detail = client.get(response.url).content.decode()
    assert case.number in detail and "司法所牵头调解" in detail
    decision = meeting.decisions.get()
    client.post(response.url, {"decision": decision.pk, "note": "已调解成功"})
    decision.refresh_from_db()
    assert decision.done_note == "已调解成功"
    kept = client.post(
        reverse("cases:meeting-new"),
        {
            "area": areas["street_a"].pk,
            "kind": "meeting",
            "held_on": str(YESTERDAY),
            "title": "漏填参会人员",
            "attendees": "",
        },
    )
    assert kept.status_code == 400 and "漏填参会人员" in kept.content.decode()


def test_the_api_records_and_lists(client, users, areas):
    case = CaseFactory(grid=areas["grid_a"], severity="major")
    unit = UnitFactory(area=areas["street_a"])
    login(client, users["street_leader"])
    created = client.post(
        reverse("api:meeting-list"),
        {
            "area": areas["street_a"].pk,
            "kind": "report",
            "held_on": str(YESTERDAY),
            "title": "综治工作汇报",
            "attendees": "街道党工委",
            "cases": [case.pk],
            "decisions": [
                {
                    "text": "下周复查",
                    "unit": unit.pk,
                    "deadline": str(YESTERDAY + datetime.timedelta(days=7)),
                }
            ],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["open_decisions"] == 1 and created.json()["cases"] == [case.pk]
    open_tasks = client.get(reverse("api:meeting-decision-list") + "?done=false").json()["results"]
    assert [row["text"] for row in open_tasks] == ["下周复查"]
