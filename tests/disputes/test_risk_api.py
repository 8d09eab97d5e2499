"""/api/v1/risk-matters/ and /api/v1/risk-assessments/: the register through the API (D30-D35)."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from disputes.models import RiskAssessment, RiskMatter
from disputes.risk_services import risk_assessment_complete, risk_matter_decide
from tests.conftest import login
from tests.disputes.factories import RiskAssessmentFactory, RiskMatterFactory

MATTERS = "/api/v1/risk-matters/"
ASSESSMENTS = "/api/v1/risk-assessments/"
SUMMARY = "/api/v1/risk-assessments/summary/"


def session_client(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    login(client, user)
    return client


def token_client(key: str) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")


def test_a_token_registers_assesses_and_completes_but_cannot_decide(areas, street_token):
    client = token_client(street_token)
    created = client.post(
        MATTERS,
        {"area": areas["community_a"].pk, "title": "垃圾中转站选址", "kind": "decision",
         "sponsor": "区城管局", "planned_on": "2026-10-01"},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    matter = created.json()
    assert (matter["status"], matter["requires_assessment"], matter["assessed"]) == (
        "proposed",
        True,
        False,
    )
    today = datetime.date.today().isoformat()
    draft = client.post(
        ASSESSMENTS,
        {
            "matter": matter["id"],
            "possibility": 3,
            "severity": 4,
            "difficulty": 4,
            "findings": "周边居民反对意见集中",
            "conclusion": "go_with_measures",
            "assessing_body": "区综治中心",
            "assessed_on": today,
            "consultations": [
                {"held_on": today, "form": "hearing", "participants": "居民代表",
                 "opinions": "要求除臭设施"},
            ],
        },
        format="json",
    )  # fmt: skip
    assert draft.status_code == 201, draft.content
    assert draft.json()["level"] == "high" and draft.json()["status"] == "draft"
    done = client.post(f"{ASSESSMENTS}{draft.json()['id']}/complete/", format="json")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "completed"
    refused = client.post(
        f"{MATTERS}{matter['id']}/decide/", {"decision": "approved"}, format="json"
    )
    assert refused.status_code == 403
    assert RiskMatter.objects.get(pk=matter["id"]).status == "proposed"


def test_the_approval_guard_answers_json_naming_the_rule_d31(areas, users):
    matter = RiskMatterFactory(area=areas["street_a"])
    client = session_client(users["street_leader"])
    response = client.post(f"{MATTERS}{matter.pk}/decide/", {"decision": "approved"}, format="json")
    assert response.status_code == 400
    assert "应评尽评" in response.json()["decision"][0]
    done = risk_assessment_complete(
        actor=users["street_office"],
        assessment=RiskAssessmentFactory(matter=matter, conclusion="no_go"),
    )
    assert done.conclusion == "no_go"
    response = client.post(f"{MATTERS}{matter.pk}/decide/", {"decision": "approved"}, format="json")
    assert response.status_code == 400
    assert "当否必否" in response.json()["decision"][0]
    response = client.post(
        f"{MATTERS}{matter.pk}/decide/",
        {"decision": "not_approved", "comment": "评估结论为不予实施"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "not_approved"


def test_bad_input_is_refused_with_field_messages_and_changes_nothing(areas, users):
    client = session_client(users["street_office"])
    response = client.post(
        MATTERS,
        {"area": areas["street_b"].pk, "title": "", "kind": "plan", "sponsor": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert {"area", "title", "kind"} <= set(response.json())
    response = client.post(
        MATTERS,
        {"area": areas["street_a"].pk, "title": "t", "kind": "project",
         "sponsor": "x", "status": "approved"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400 and "status" in response.json()
    assert not RiskMatter.objects.exists()
    matter = RiskMatterFactory(area=areas["street_a"])
    response = client.post(
        ASSESSMENTS,
        {"matter": matter.pk, "possibility": 6, "conclusion": "maybe",
         "consultations": [{"held_on": "2026-01-01", "form": "chat"}]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    body = response.json()
    assert {"possibility", "conclusion", "consultations"} <= set(body)
    assert {"form", "participants", "opinions"} <= set(body["consultations"]["0"])
    draft = RiskAssessmentFactory(matter=matter, consultations=[])
    response = client.post(f"{ASSESSMENTS}{draft.pk}/complete/", format="json")
    assert response.status_code == 400
    assert "consultations" in response.json()
    assert RiskAssessment.objects.get(pk=draft.pk).status == "draft"
    response = client.post(f"{MATTERS}{matter.pk}/decide/", {"decision": "approved"}, format="json")
    assert response.status_code == 403  # office staff do not decide
    response = client.get(MATTERS, {"status": "done"})
    assert response.status_code == 400 and "status" in response.json()


def test_a_completed_assessment_is_not_changed_through_the_api(areas, users):
    matter = RiskMatterFactory(area=areas["street_a"])
    done = risk_assessment_complete(
        actor=users["street_office"], assessment=RiskAssessmentFactory(matter=matter)
    )
    response = session_client(users["street_office"]).patch(
        f"{ASSESSMENTS}{done.pk}/", {"findings": "改"}, format="json"
    )
    assert response.status_code == 400
    assert "correction" in response.json()["status"][0]
    assert RiskAssessment.objects.get(pk=done.pk).findings == done.findings


def test_filters_by_area_year_status_and_level(areas, users):
    street_a = RiskMatterFactory(area=areas["community_a"])
    street_b = RiskMatterFactory(area=areas["street_b"], requires_assessment=False)
    risk_matter_decide(actor=users["leader"], matter=street_b, decision="approved")
    high = RiskAssessmentFactory(matter=street_a, possibility=5, severity=5)
    RiskAssessmentFactory(matter=street_a, possibility=1, severity=1)
    client = session_client(users["leader"])

    def ids(url, **query):
        response = client.get(url, query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids(MATTERS, area=areas["street_a"].pk) == [street_a.pk]
    assert ids(MATTERS, status="approved") == [street_b.pk]
    assert ids(MATTERS, awaiting_assessment="true") == [street_a.pk]
    year = datetime.date.today().year
    assert set(ids(MATTERS, year=year)) == {street_a.pk, street_b.pk}
    assert ids(MATTERS, year=year - 1) == []
    assert ids(ASSESSMENTS, level="high") == [high.pk]
    assert len(ids(ASSESSMENTS, area=areas["community_a"].pk, status="draft")) == 2


def test_grid_workers_see_no_register(areas, users):
    RiskMatterFactory(area=areas["community_a"])
    client = session_client(users["grid_worker_a"])
    assert client.get(MATTERS).json()["results"] == []
    summary = client.get(SUMMARY).json()
    assert summary["total"]["matters"] == 0


def test_the_summary_counts_per_area_and_year_in_a_few_queries_d34(areas, users):
    go = RiskMatterFactory(area=areas["community_a"])
    risk_assessment_complete(
        actor=users["street_office"], assessment=RiskAssessmentFactory(matter=go, severity=5)
    )
    risk_matter_decide(actor=users["leader"], matter=go, decision="approved")
    no_go = RiskMatterFactory(area=areas["community_b"])
    risk_assessment_complete(
        actor=users["street_office"],
        assessment=RiskAssessmentFactory(matter=no_go, conclusion="no_go", possibility=1),
    )
    risk_matter_decide(actor=users["leader"], matter=no_go, decision="not_approved", comment="否")
    free = RiskMatterFactory(area=areas["community_b"], requires_assessment=False)
    risk_matter_decide(actor=users["leader"], matter=free, decision="approved")
    RiskMatterFactory(area=areas["street_a"])  # awaiting assessment
    RiskMatterFactory(area=areas["street_b"])  # outside the street office's area
    client = session_client(users["street_office"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(SUMMARY, {"year": datetime.date.today().year})
    assert response.status_code == 200, response.content
    summary_queries = [q for q in queries.captured_queries if "disputes_" in q["sql"]]
    assert len(summary_queries) <= 3
    total = response.json()["total"]
    assert total["area"] == areas["street_a"].pk
    assert {name: total[name] for name in (
        "matters", "requiring_assessment", "assessed", "approved", "not_approved",
        "approved_without_assessment", "approved_without_required_assessment",
        "completed_assessments",
    )} == {
        "matters": 4, "requiring_assessment": 3, "assessed": 2, "approved": 2,
        "not_approved": 1, "approved_without_assessment": 1,
        "approved_without_required_assessment": 0, "completed_assessments": 2,
    }  # fmt: skip
    assert total["by_level"] == {"low": 1, "medium": 1, "high": 0}
    assert total["by_conclusion"] == {"go": 1, "go_with_measures": 0, "no_go": 1}
    rows = {row["area"]: row for row in response.json()["rows"]}
    assert rows[areas["community_a"].pk]["completed_assessments"] == 1
    assert rows[areas["community_b"].pk]["matters"] == 2
    assert client.get(SUMMARY, {"year": 1999}).status_code == 400
    hidden = client.get(SUMMARY, {"area": areas["street_b"].pk})
    assert hidden.status_code == 400 and "area" in hidden.json()
    last_year = client.get(SUMMARY, {"year": datetime.date.today().year - 1}).json()
    assert last_year["total"]["matters"] == 0
