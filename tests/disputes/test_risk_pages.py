"""The register's pages: wiring over the services (the rules are tested in test_risk_services)."""

import datetime

from django.test import Client
from django.urls import reverse

from disputes.models import RiskAssessment, RiskMatter
from tests.conftest import login
from tests.disputes.factories import RiskAssessmentFactory, RiskMatterFactory


def page_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    login(client, user)
    return client


def test_office_staff_register_a_matter_and_write_an_assessment_on_the_pages(areas, users):
    client = page_client(users["street_office"])
    response = client.post(
        reverse("risk-matter-new"),
        {"area": areas["community_a"].pk, "title": "菜市场改造", "kind": "project",
         "sponsor": "街道城建科", "requires_assessment": "on"},
    )  # fmt: skip
    matter = RiskMatter.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "risk-matter-detail", args=[matter.pk]
    )
    response = client.post(
        reverse("risk-assessment-new", args=[matter.pk]),
        {"possibility": "2", "severity": "2", "difficulty": "1", "findings": "群众支持",
         "conclusion": "go", "assessing_body": "街道综治中心",
         "assessed_on": datetime.date.today().isoformat()},
    )  # fmt: skip
    assessment = RiskAssessment.objects.get()
    assert response.status_code == 302
    assert assessment.level == "low"
    response = client.post(reverse("risk-assessment-complete", args=[assessment.pk]), follow=True)
    assert "Record at least one consultation" in response.content.decode()
    client.post(
        reverse("risk-consultation-add", args=[assessment.pk]),
        {"held_on": datetime.date.today().isoformat(), "form": "forum", "participants": "商户",
         "opinions": "同意"},
    )  # fmt: skip
    client.post(reverse("risk-assessment-complete", args=[assessment.pk]))
    assert RiskAssessment.objects.get().status == "completed"


def test_a_form_error_keeps_what_was_typed(areas, users):
    client = page_client(users["street_office"])
    response = client.post(
        reverse("risk-matter-new"),
        {"area": areas["street_b"].pk, "title": "保留的标题", "kind": "project", "sponsor": "x"},
    )
    assert response.status_code == 200
    assert "保留的标题" in response.content.decode()
    assert not RiskMatter.objects.exists()


def test_the_leader_is_told_why_a_matter_cannot_be_approved_d31(areas, users):
    matter = RiskMatterFactory(area=areas["street_a"])
    RiskAssessmentFactory(matter=matter)  # a draft does not count
    client = page_client(users["street_leader"])
    response = client.post(
        reverse("risk-matter-decide", args=[matter.pk]), {"decision": "approved"}, follow=True
    )
    assert "应评尽评" in response.content.decode()
    assert RiskMatter.objects.get(pk=matter.pk).status == "proposed"


def test_grid_workers_are_told_the_register_is_not_theirs(areas, users):
    RiskMatterFactory(area=areas["community_a"], title="保密的项目")
    response = page_client(users["grid_worker_a"]).get(reverse("risk-matter-list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "保密的项目" not in html and "grid workers do not see it" in html


def test_the_counts_page_shows_each_community(areas, users):
    RiskMatterFactory(area=areas["community_a"])
    response = page_client(users["street_office"]).get(reverse("risk-summary"))
    assert response.status_code == 200
    html = response.content.decode()
    assert areas["community_a"].name in html and areas["community_b"].name in html
