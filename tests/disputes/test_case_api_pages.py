"""Cases through the API (/api/v1/disputes/ and its step actions) and the pages, and two
people acting on one case at once (issue 8: "one wins, the other gets a clear conflict")."""

import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from disputes.case_services import CaseConflict, case_accept
from disputes.models import Case, CaseState
from grid.models import UnitKind
from tests.conftest import login
from tests.disputes.factories import CaseFactory
from tests.factories import UnitFactory

TODAY = timezone.localdate().isoformat()


@pytest.fixture
def offices(areas):
    return {
        key: UnitFactory(area=areas[key], kind=UnitKind.OFFICE, name=f"{areas[key].name}综治中心")
        for key in ("community_a", "street_a", "district")
    }


def payload(grid, **more):
    return {
        "grid": grid.pk,
        "title": "工资拖欠",
        "summary": "某工地拖欠工资",
        "category": "labour",
        "occurred_on": TODAY,
        "parties": [{"role": "applicant", "name": "王五"}],
        **more,
    }


@pytest.mark.django_db
def test_another_system_files_a_case_and_follows_it(client, users, areas, offices, street_token):
    headers = {"HTTP_AUTHORIZATION": f"Token {street_token}"}
    created = client.post(
        reverse("api:dispute-list"),
        payload(areas["grid_a"], source="hotline"),
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["source"] == "other_system"  # whatever a token says
    assert body["state"] == "registered" and body["stage"] == "accept"
    assert body["owner_unit"] == offices["street_a"].pk  # the token's area's office received it
    assert body["steps"] == []  # a token takes no workflow step
    listed = client.get(reverse("api:dispute-list"), {"state": "registered"}, **headers).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    overdue = client.get(reverse("api:dispute-list"), {"overdue": "true"}, **headers).json()
    assert overdue["results"] == []


@pytest.mark.django_db
def test_api_errors_are_specific(client, users, areas, offices):
    login(client, users["grid_worker_a"])
    url = reverse("api:dispute-list")
    bad = client.post(
        url, payload(areas["grid_b"], category="nonsense"), content_type="application/json"
    )
    assert bad.status_code == 400
    assert set(bad.json()) == {"grid", "category"}
    unknown = client.post(
        url,
        payload(areas["grid_a"], state="closed"),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert unknown.json() == {"state": ["This field cannot be set here."]}
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_steps_through_the_api_answer_200_403_409(client, users, areas, offices):
    case = CaseFactory(grid=areas["grid_a"])
    url = reverse("api:dispute-accept", args=[case.pk])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(client, users["grid_worker_a"])
    refused = client.post(url, {"measures": "调解"}, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        f"Only the unit the case is with ({case.owner_unit}) may accept it."
    )
    login(client, users["community_office"])
    detail = client.get(reverse("api:dispute-detail", args=[case.pk])).json()
    assert {"accept", "hand-off", "escalate"} <= set(detail["steps"])
    accepted = client.post(url, {"measures": "调解"}, content_type="application/json")
    assert accepted.status_code == 200
    assert accepted.json()["state"] == "accepted"
    again = client.post(url, {"measures": "调解"}, content_type="application/json")
    assert again.status_code == 409
    missing = client.post(
        reverse("api:dispute-resolve", args=[case.pk]), {}, content_type="application/json"
    )
    assert missing.status_code == 400 and set(missing.json()) == {"agreement", "resolution_method"}


@pytest.mark.django_db
def test_a_grid_worker_registers_on_the_page_and_the_office_accepts(client, users, areas, offices):
    login(client, users["grid_worker_a"])
    answer = client.post(
        reverse("cases:new"),
        {
            "grid": areas["grid_a"].pk,
            "title": "噪音扰民",
            "summary": "夜间装修噪音",
            "category": Case._meta.get_field("category")
            .related_model.objects.get(code="neighbour")
            .pk,
            "severity": "general",
            "source": "visit",
            "occurred_on": TODAY,
            "people_involved": 3,
            "applicant": "赵六",
            "respondents": "钱七\n孙八",
        },
    )
    case = Case.objects.get()
    assert answer.status_code == 302 and answer.url == reverse("cases:detail", args=[case.pk])
    assert sorted(p.name for p in case.parties.all()) == ["孙八", "赵六", "钱七"]
    login(client, users["community_office"])
    page = client.get(answer.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-step="accept"' in page and 'data-step="hand_off"' in page
    bad = client.post(reverse("cases:step", args=[case.pk, "accept"]), {"accept-measures": ""})
    assert bad.status_code == 400
    done = client.post(reverse("cases:step", args=[case.pk, "accept"]), {"accept-measures": "上门"})
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED


@pytest.mark.django_db
def test_a_missing_grid_is_a_form_error_and_nothing_is_lost(client, users, areas, offices):
    login(client, users["grid_worker_a"])
    answer = client.post(
        reverse("cases:new"),
        {"title": "噪音扰民", "summary": "夜间装修噪音", "applicant": "赵六"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "噪音扰民" in page and "夜间装修噪音" in page  # what was typed is still there
    assert not Case.objects.exists()


def test_two_people_accepting_at_once_one_wins(transactional_db, users, areas, offices):
    case = CaseFactory(grid=areas["grid_a"])
    office = users["community_office"]
    start, outcomes = threading.Barrier(2), []

    def accept(measures: str) -> None:
        try:
            start.wait()
            case_accept(actor=office, case=Case(pk=case.pk), measures=measures)
            outcomes.append("accepted")
        except CaseConflict as conflict:
            outcomes.append(str(conflict))
        except Exception as error:  # a deadlock or any other failure must show
            outcomes.append(f"crashed: {error!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(m,)) for m in ("方案甲", "方案乙")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(outcomes) == 2 and outcomes.count("accepted") == 1, outcomes
    (lost,) = [outcome for outcome in outcomes if outcome != "accepted"]
    assert case.number in lost  # the loser is told which case, and its state now
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED
    assert case.actions.filter(action="accept").count() == 1
