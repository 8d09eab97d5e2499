from django.core.management import call_command

from disputes.models import AssessmentStatus, RiskAssessment, RiskDecision, RiskMatter
from disputes.risk_selectors import risk_matter_list, risk_summary
from governance.models import User


def test_the_demo_has_every_state_of_the_risk_register_in_each_street_once(db, settings):
    """D30-D35 in `make demo`: per street an approved, a refused (no-go), an awaiting and an
    unassessed matter; the office sees its street's, the leader decides none without one."""
    settings.DEMO_MODE = True
    call_command("load_demo")
    office = User.objects.get(username="office")
    mine = risk_matter_list(user=office)
    assert sorted(mine.values_list("status", flat=True)) == sorted(
        [RiskDecision.APPROVED, RiskDecision.NOT_APPROVED, "proposed", "proposed"]
    )
    assert risk_matter_list(user=office, awaiting_assessment=True).count() == 1
    streets = RiskMatter.objects.values("area").distinct().count()
    assert streets == 3
    assert RiskAssessment.objects.filter(status=AssessmentStatus.DRAFT).count() == streets
    summary = risk_summary(user=User.objects.get(username="leader"))
    assert summary.total.approved_without_required_assessment == 0
    assert summary.total.completed_assessments == 2 * streets
    call_command("load_demo")
    assert RiskMatter.objects.count() == 4 * streets
