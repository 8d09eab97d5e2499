"""The stability-risk register's rules at the service (D30, D31, D32, D35)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from disputes.models import AssessmentStatus, RiskDecision, RiskMatter
from disputes.risk_services import (
    risk_assessment_complete,
    risk_assessment_create,
    risk_assessment_update,
    risk_consultation_add,
    risk_matter_decide,
    risk_matter_register,
    risk_matter_update,
)
from tests.disputes.factories import RiskAssessmentFactory, RiskMatterFactory


@pytest.fixture
def matter(areas):
    return RiskMatterFactory(area=areas["street_a"])


def completed(matter, users, conclusion="go"):
    assessment = RiskAssessmentFactory(matter=matter, conclusion=conclusion)
    return risk_assessment_complete(actor=users["street_office"], assessment=assessment)


def snapshot(matter):
    fresh = RiskMatter.objects.get(pk=matter.pk)
    return (fresh.status, fresh.decided_by_id, fresh.decided_at, fresh.decision_comment)


# --- The approval guard (D31: 应评尽评,当否必否) ------------------------------------------------


def test_a_matter_requiring_assessment_is_not_approved_without_one_d31(matter, users):
    before = snapshot(matter)
    with pytest.raises(ValidationError) as refused:
        risk_matter_decide(actor=users["street_leader"], matter=matter, decision="approved")
    assert "应评尽评" in str(refused.value.message_dict["decision"])
    assert snapshot(matter) == before


def test_a_draft_assessment_does_not_count_for_approval_d31(matter, users):
    RiskAssessmentFactory(matter=matter)
    with pytest.raises(ValidationError, match="应评尽评"):
        risk_matter_decide(actor=users["street_leader"], matter=matter, decision="approved")
    assert RiskMatter.objects.get(pk=matter.pk).status == RiskDecision.PROPOSED


def test_a_no_go_conclusion_forbids_approval_d31(matter, users):
    completed(matter, users, conclusion="no_go")
    before = snapshot(matter)
    with pytest.raises(ValidationError) as refused:
        risk_matter_decide(actor=users["leader"], matter=matter, decision="approved")
    assert "当否必否" in str(refused.value.message_dict["decision"])
    assert snapshot(matter) == before


def test_a_no_go_forbids_approval_even_where_no_assessment_was_required_d31(areas, users):
    matter = RiskMatterFactory(area=areas["street_a"], requires_assessment=False)
    completed(matter, users, conclusion="no_go")
    with pytest.raises(ValidationError, match="当否必否"):
        risk_matter_decide(actor=users["leader"], matter=matter, decision="approved")


@pytest.mark.parametrize("conclusion", ["go", "go_with_measures"])
def test_a_go_conclusion_allows_approval_d31(matter, users, conclusion):
    completed(matter, users, conclusion=conclusion)
    decided = risk_matter_decide(
        actor=users["street_leader"], matter=matter, decision="approved", comment="同意实施"
    )
    assert decided.status == RiskDecision.APPROVED
    assert decided.decided_by == users["street_leader"]
    assert decided.decided_at is not None
    assert decided.decision_comment == "同意实施"


def test_the_last_completed_assessment_stands_a_correction_is_a_new_one_d31(matter, users):
    completed(matter, users, conclusion="no_go")
    completed(matter, users, conclusion="go_with_measures")
    decided = risk_matter_decide(actor=users["leader"], matter=matter, decision="approved")
    assert decided.status == RiskDecision.APPROVED


def test_a_matter_not_requiring_assessment_may_be_approved_without_one_d31(areas, users):
    matter = RiskMatterFactory(area=areas["street_a"], requires_assessment=False)
    decided = risk_matter_decide(actor=users["leader"], matter=matter, decision="approved")
    assert decided.status == RiskDecision.APPROVED


def test_not_approving_or_suspending_needs_a_comment_and_needs_no_assessment(matter, users):
    with pytest.raises(ValidationError) as refused:
        risk_matter_decide(actor=users["leader"], matter=matter, decision="not_approved")
    assert "comment" in refused.value.message_dict
    suspended = risk_matter_decide(
        actor=users["leader"], matter=matter, decision="suspended", comment="待补充评估"
    )
    assert suspended.status == RiskDecision.SUSPENDED
    refused_matter = risk_matter_decide(
        actor=users["leader"], matter=matter, decision="not_approved", comment="风险过高"
    )
    assert refused_matter.status == RiskDecision.NOT_APPROVED


def test_a_decided_matter_is_final(matter, users):
    risk_matter_decide(actor=users["leader"], matter=matter, decision="not_approved", comment="否")
    with pytest.raises(ValidationError, match="cannot be marked"):
        risk_matter_decide(actor=users["leader"], matter=matter, decision="suspended", comment="x")
    with pytest.raises(ValidationError, match="decided matter cannot be changed"):
        risk_matter_update(actor=users["street_office"], matter=matter, title="改名")
    with pytest.raises(ValidationError, match="decided already"):
        RiskAssessmentFactory(matter=matter)


# --- Who may do what --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "allowed"),
    [
        ("street_leader", True),
        ("leader", True),
        ("street_office", False),
        ("admin", False),
        ("api_client", False),
        ("grid_worker_a", False),
    ],
)
def test_only_leaders_of_the_area_decide(areas, users, person, allowed):
    matter = RiskMatterFactory(area=areas["street_a"], requires_assessment=False)
    if allowed:
        risk_matter_decide(actor=users[person], matter=matter, decision="approved")
    else:
        with pytest.raises(PermissionDenied):
            risk_matter_decide(actor=users[person], matter=matter, decision="approved")
    assert (RiskMatter.objects.get(pk=matter.pk).status == "approved") == allowed


def test_a_leader_of_another_street_does_not_decide(areas, users):
    matter = RiskMatterFactory(area=areas["street_b"], requires_assessment=False)
    with pytest.raises(PermissionDenied):
        risk_matter_decide(actor=users["street_leader"], matter=matter, decision="approved")


@pytest.mark.parametrize(
    ("person", "allowed"),
    [
        ("street_office", True),
        ("community_office", False),  # the street lies above the community office
        ("api_client", True),
        ("street_leader", False),
        ("admin", False),
        ("grid_worker_a", False),
    ],
)
def test_office_staff_of_the_area_register_matters_d30(areas, users, person, allowed):
    register = {
        "area": areas["street_a"],
        "title": "老旧小区加装电梯",
        "kind": "project",
        "sponsor": "街道城建科",
    }
    if allowed:
        matter = risk_matter_register(actor=users[person], **register)
        assert matter.registered_by == users[person]
        assert matter.requires_assessment
    else:
        with pytest.raises((PermissionDenied, ValidationError)):
            risk_matter_register(actor=users[person], **register)
        assert not RiskMatter.objects.exists()


def test_a_matter_needs_a_title_a_sponsor_and_a_known_kind(areas, users):
    with pytest.raises(ValidationError) as refused:
        risk_matter_register(
            actor=users["street_office"], area=areas["street_a"], title=" ", kind="x", sponsor=""
        )
    assert set(refused.value.message_dict) == {"title", "kind", "sponsor"}
    assert not RiskMatter.objects.exists()


# --- Assessments (D32, D35) -------------------------------------------------------------------


def test_an_assessment_takes_its_level_from_its_scores_d32(matter, users):
    assessment = risk_assessment_create(
        actor=users["street_office"], matter=matter, possibility=4, severity=4, difficulty=2
    )
    assert assessment.level == "high"
    assert assessment.status == AssessmentStatus.DRAFT
    assessment = risk_assessment_update(
        actor=users["street_office"], assessment=assessment, severity=1
    )
    assert assessment.level == "low"
    partial = risk_assessment_create(actor=users["street_office"], matter=matter, possibility=3)
    assert partial.level == ""


def test_scores_run_from_one_to_five_d32(matter, users):
    with pytest.raises(ValidationError) as refused:
        risk_assessment_create(
            actor=users["street_office"], matter=matter, possibility=6, severity=0, difficulty=3
        )
    assert set(refused.value.message_dict) == {"possibility", "severity"}
    assert not matter.assessments.exists()


def test_completing_needs_scores_findings_conclusion_and_a_consultation_d32_d35(matter, users):
    draft = risk_assessment_create(actor=users["street_office"], matter=matter)
    with pytest.raises(ValidationError) as refused:
        risk_assessment_complete(actor=users["street_office"], assessment=draft)
    assert set(refused.value.message_dict) == {
        "possibility",
        "severity",
        "difficulty",
        "findings",
        "conclusion",
        "assessing_body",
        "assessed_on",
        "consultations",
    }
    draft.refresh_from_db()
    assert draft.status == AssessmentStatus.DRAFT


def test_a_consultation_is_recorded_on_a_draft_d35(matter, users):
    draft = RiskAssessmentFactory(matter=matter, consultations=[])
    with pytest.raises(ValidationError, match="consultation"):
        risk_assessment_complete(actor=users["street_office"], assessment=draft)
    risk_consultation_add(
        actor=users["street_office"],
        assessment=draft,
        held_on=datetime.date.today(),
        form="dialogue",
        participants="居民代表10人",
        opinions="支持,要求夜间停工",
    )
    done = risk_assessment_complete(actor=users["street_office"], assessment=draft)
    assert done.status == AssessmentStatus.COMPLETED
    assert done.assessor == users["street_office"]  # who completes it signs it
    assert done.completed_at is not None


def test_a_consultation_in_the_future_or_without_opinions_is_refused_d35(matter, users):
    with pytest.raises(ValidationError) as refused:
        RiskAssessmentFactory(
            matter=matter,
            consultations=[
                {
                    "held_on": datetime.date.today() + datetime.timedelta(days=1),
                    "form": "poll",
                    "participants": "居民",
                    "opinions": "",
                }
            ],
        )
    messages = " ".join(refused.value.message_dict["consultations"])
    assert "future" in messages and "opinions" in messages and "form" in messages
    assert not matter.assessments.exists()


def test_a_completed_assessment_is_read_only(matter, users):
    done = completed(matter, users)
    with pytest.raises(ValidationError, match="correction is a new assessment"):
        risk_assessment_update(actor=users["street_office"], assessment=done, findings="改")
    with pytest.raises(ValidationError, match="correction is a new assessment"):
        risk_assessment_complete(actor=users["street_office"], assessment=done)
    with pytest.raises(ValidationError, match="correction is a new assessment"):
        risk_consultation_add(
            actor=users["street_office"],
            assessment=done,
            held_on=datetime.date.today(),
            form="survey",
            participants="x",
            opinions="y",
        )


@pytest.mark.parametrize("person", ["street_leader", "admin", "grid_worker_a"])
def test_leaders_administrators_and_grid_workers_write_no_assessment(matter, users, person):
    with pytest.raises((PermissionDenied, ValidationError)):
        risk_assessment_create(actor=users[person], matter=matter, possibility=1)
    assert not matter.assessments.exists()


def test_an_assessor_outside_the_area_is_refused(matter, users):
    with pytest.raises(ValidationError) as refused:
        risk_assessment_create(
            actor=users["street_office"], matter=matter, assessor=users["other_street_office"]
        )
    assert "assessor" in refused.value.message_dict
