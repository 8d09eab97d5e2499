"""The dispute figures per area and period (issue 8, "Figures, API, Open311"): each figure per
child area and in total, the acceptance-on-time rule across a holiday, the query count, and
the scoping of the page and the API."""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from disputes import case_figures as figures
from disputes.case_services import (
    case_accept,
    case_card,
    case_escalate,
    case_fail,
    case_hand_off,
    case_resolve,
    case_verify,
)
from disputes.models import Case
from grid.models import Area
from tests.conftest import login
from tests.disputes.factories import CaseFactory, office_staff_of

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
URL = "/api/v1/disputes/figures/"
YEAR = {"since": datetime.date(2026, 1, 1), "until": datetime.date(2026, 12, 31)}


def at(month: int, day: int, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, 0, tzinfo=SHANGHAI)


def registered(grid, when: datetime.datetime | None = None, **fields) -> Case:
    """A case registered (its row and its timeline's "register" step) at `when`."""
    when = when or at(9, 1)
    case = CaseFactory(grid=grid, **fields)
    Case.objects.filter(pk=case.pk).update(registered_at=when)
    case.actions.filter(action="register").update(at=when)
    case.refresh_from_db()
    return case


def accepted(case: Case, when: datetime.datetime, **plan) -> Case:
    case = case_accept(actor=case.registered_by, case=case, measures="上门调解", **plan)
    case.actions.filter(action="accept").update(at=when)
    return case


def resolved_and_verified(case: Case, *, satisfied: bool) -> Case:
    office = case.registered_by
    case = case_resolve(
        actor=office, case=case, agreement="赔偿维修费", resolution_method="人民调解"
    )
    return case_verify(
        actor=office,
        case=case,
        satisfied=satisfied,
        evaluation="回访当事人",
        evaluated_on=datetime.date.today(),
    )


@pytest.fixture
def community_b_grid(areas) -> Area:
    return Area.objects.filter(parent=areas["community_b"]).order_by("code").first()


@pytest.fixture
def street_cases(users, areas, community_b_grid):
    """Street A: four cases in community A, one in community B; one in street B (hidden)."""
    closed = accepted(registered(areas["grid_a"]), at(9, 1, 15))
    resolved_and_verified(closed, satisfied=True)
    criminal = accepted(registered(areas["grid_b"]), at(9, 1, 15))
    case_fail(
        actor=criminal.registered_by,
        case=criminal,
        outcome="criminal",
        referred_to="区公安分局",
    )
    petition = registered(
        areas["grid_a"], petition=True, collective_petition=True, bypass_petition=True
    )
    mass = registered(areas["grid_a"], severity="mass_incident")
    major_b = registered(community_b_grid, severity="major", petition=True)
    case_escalate(actor=major_b.registered_by, case=major_b, reason="久拖未决")
    hidden = registered(areas["grid_other_street"], severity="mass_incident")
    return {
        "closed": closed,
        "criminal": criminal,
        "petition": petition,
        "mass": mass,
        "major_b": major_b,
        "hidden": hidden,
    }


@pytest.mark.django_db
def test_every_figure_per_community_and_in_total_D13_D25_D26(users, areas, street_cases):
    report = figures.dispute_figures(user=users["street_office"], **YEAR)
    assert report.area == areas["street_a"]
    assert [row.area for row in report.rows] == [areas["community_a"], areas["community_b"]]
    community_a, community_b = report.rows
    total = report.total
    assert total.registered == 5 and community_a.registered == 4 and community_b.registered == 1
    assert community_a.by_state == {
        "registered": 2,
        "handed_off": 0,
        "accepted": 0,
        "mediating": 0,
        "resolved": 0,
        "awaiting_sign_off": 0,
        "closed": 2,
    }
    # D13: every case has a grade, counted per grade.
    assert community_a.by_grade == {"general": 3, "major": 0, "mass_incident": 1}
    assert community_b.by_grade == {"general": 0, "major": 1, "mass_incident": 0}
    assert (total.closed, total.resolved, total.resolution_rate) == (2, 1, 50)
    assert (total.verified, total.satisfied, total.satisfaction_rate) == (1, 1, 100)
    assert community_a.turned_criminal == 1 and community_b.turned_criminal == 0  # D26
    # D25: petitions, collective and bypass-level, per area.
    assert (community_a.petitions, community_a.collective_petitions) == (1, 1)
    assert community_a.bypass_petitions == 1 and community_b.petitions == 1
    assert total.petitions == 2 and total.collective_petitions == 1
    assert community_a.mass_incidents == 1 and total.mass_incidents == 1
    assert community_b.escalated == 1 and community_a.escalated == 0
    assert total.accepted == 2


@pytest.mark.django_db
def test_the_period_counts_the_cases_registered_in_it(users, areas):
    registered(areas["grid_a"], at(3, 31, 23))
    registered(areas["grid_a"], at(4, 1, 0))
    registered(areas["grid_a"], at(4, 30, 23))
    registered(areas["grid_a"], at(5, 1, 0))
    april = figures.cases_registered(
        user=users["street_office"],
        area=areas["street_a"],
        since=datetime.date(2026, 4, 1),
        until=datetime.date(2026, 4, 30),
    )
    assert april.total == {"registered": 2}
    assert april.of(areas["community_a"].pk) == {"registered": 2}


@pytest.mark.django_db
def test_accepted_on_time_counts_working_days_across_national_day(users, areas):
    # Registered Wednesday 30 September 2026 10:00, one working day to accept: National Day
    # (1–7 October) stretches it to the end of Thursday 8 October.
    on_time = accepted(registered(areas["grid_a"], at(9, 30, 10)), at(10, 8, 23))
    late = accepted(registered(areas["grid_a"], at(9, 30, 10)), at(10, 9, 0))
    registered(areas["grid_a"], at(9, 30, 10))  # not accepted: not counted
    figure = figures.cases_accepted_on_time(user=users["street_office"], area=areas["street_a"])
    assert figure.total == {"accepted": 2, "accepted_on_time": 1}
    assert figure.of(areas["community_a"].pk) == {"accepted": 2, "accepted_on_time": 1}
    # Only the first acceptance counts: a later one (of a hand-off) changes nothing.
    assert on_time.actions.filter(action="accept").count() == 1
    assert late.state == "accepted"


@pytest.mark.django_db
def test_a_hand_off_restarts_the_acceptance_clock(users, areas):
    case = registered(areas["grid_a"], at(9, 1, 10))
    street_office_unit, _staff = office_staff_of(areas["street_a"])
    case_hand_off(
        actor=case.registered_by,
        case=case,
        to_unit=street_office_unit,
        kind="assign",
        reason="交办",
    )
    case.actions.filter(action="hand_off").update(at=at(9, 10, 10))
    # Eight days after registration, but within a working day of the hand-off (Thursday).
    receiver = office_staff_of(areas["street_a"])[1]
    case_accept(actor=receiver, case=Case.objects.get(pk=case.pk), measures="街道调处")
    case.actions.filter(action="accept").update(at=at(9, 11, 9))
    figure = figures.cases_accepted_on_time(user=users["street_office"], area=areas["street_a"])
    assert figure.total == {"accepted": 1, "accepted_on_time": 1}


@pytest.mark.django_db
def test_overdue_now_and_cards_shown_D29(users, areas):
    case = registered(areas["grid_a"], at(9, 30, 10))
    Case.objects.filter(pk=case.pk).update(
        stage_started_at=at(9, 30, 10), stage_warn_at=at(10, 6), stage_due_at=at(10, 8, 23)
    )
    assert case_card(case_id=case.pk, color="yellow", now=at(10, 6, 13))
    assert case_card(case_id=case.pk, color="red", now=at(10, 9, 1))
    registered(areas["grid_a"], at(9, 30, 10))  # due later: neither overdue nor carded
    office = users["street_office"]
    cards = figures.cards_shown(user=office, area=areas["street_a"])
    assert cards.total == {"yellow_cards": 1, "red_cards": 1}
    overdue = figures.cases_overdue(user=office, area=areas["street_a"], now=at(10, 9, 2))
    assert overdue.of(areas["community_a"].pk) == {"overdue": 1}
    escalated = figures.cases_escalated(user=office, area=areas["street_a"])
    assert escalated.total == {"escalated": 1}  # the red card escalated it (督办)


def _count_queries(user, area) -> int:
    with CaptureQueriesContext(connection) as queries:
        figures.dispute_figures(user=user, area=area, **YEAR)
    return len(queries)


@pytest.mark.django_db
def test_the_query_count_grows_with_neither_areas_nor_cases(
    users, areas, street_cases, django_assert_num_queries
):
    leader = users["leader"]
    with django_assert_num_queries(16):  # 13 figures, 2 for the deadlines, 1 for the areas
        figures.dispute_figures(user=leader, area=areas["district"], **YEAR)
    for grid in Area.objects.filter(level=4):
        accepted(registered(grid, at(9, 2)), at(9, 2, 15))
    with django_assert_num_queries(16):
        report = figures.dispute_figures(user=leader, area=areas["district"], **YEAR)
    assert len(report.rows) == 2 and report.total.registered == 6 + 8


@pytest.mark.django_db
def test_a_grid_worker_sees_the_figures_of_their_grid_alone(users, areas, street_cases):
    report = figures.dispute_figures(user=users["grid_worker_a"], **YEAR)
    assert report.area == areas["grid_a"] and report.rows == []
    assert report.total.registered == 3


# --- The page -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_drills_down_and_links_into_the_case_list(client, users, areas, street_cases):
    login(client, users["street_office"])
    page = client.get(reverse("cases:figures"), {"since": "2026-01-01", "until": "2026-12-31"})
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="figures-states"' in body and 'data-testid="figures-handling"' in body
    community_a = areas["community_a"].pk
    assert f'href="?area={community_a}&amp;since=2026-01-01&amp;until=2026-12-31"' in body
    link = f"area={community_a}&amp;since=2026-01-01&amp;until=2026-12-31&amp;state=closed"
    assert link in body
    listed = client.get(
        reverse("cases:list"),
        {"area": community_a, "since": "2026-01-01", "until": "2026-12-31", "state": "closed"},
    )
    assert list(listed.context["cases"]) == [street_cases["criminal"], street_cases["closed"]]
    drilled = client.get(reverse("cases:figures"), {"area": community_a, "since": "2026-01-01"})
    assert [row.area for row in drilled.context["report"].rows] == [
        areas["grid_a"],
        areas["grid_b"],
    ]


@pytest.mark.django_db
def test_the_page_hides_other_streets_and_refuses_a_backward_period(client, users, areas):
    login(client, users["street_office"])
    assert client.get(reverse("cases:figures"), {"area": areas["street_b"].pk}).status_code == 404
    assert client.get(reverse("cases:list"), {"area": areas["street_b"].pk}).status_code == 404
    backward = client.get(
        reverse("cases:figures"),
        {"since": "2026-05-01", "until": "2026-04-01"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert backward.status_code == 400
    assert "The end of the period comes after its start." in backward.content.decode()


# --- The API ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_answers_figures_not_a_case(users, areas, street_cases, street_token):
    client = APIClient(HTTP_AUTHORIZATION=f"Token {street_token}")
    response = client.get(URL, {"since": "2026-01-01", "until": "2026-12-31"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["total"]["area"] == areas["street_a"].pk and data["total"]["registered"] == 5
    assert [row["area"] for row in data["rows"]] == [
        areas["community_a"].pk,
        areas["community_b"].pk,
    ]
    assert data["rows"][0]["by_grade"]["mass_incident"] == 1
    assert data["total"]["resolution_rate"] == "50.0"
    assert data["rows"][1]["satisfaction_rate"] is None


@pytest.mark.django_db
def test_the_api_refuses_a_hidden_area_and_a_backward_period(users, areas, street_token):
    client = APIClient(HTTP_AUTHORIZATION=f"Token {street_token}", HTTP_ACCEPT_LANGUAGE="en")
    hidden = client.get(URL, {"area": areas["street_b"].pk})
    assert hidden.status_code == 400 and set(hidden.json()) == {"area"}
    backward = client.get(URL, {"since": "2026-05-01", "until": "2026-04-01"})
    assert backward.status_code == 400
    assert backward.json() == {"until": ["The end of the period comes after its start."]}


@pytest.mark.django_db
def test_the_calendar_s_first_and_last_days_leave_the_period_open(users, areas, street_token):
    registered(areas["grid_a"], at(4, 1))
    client = APIClient(HTTP_AUTHORIZATION=f"Token {street_token}")
    response = client.get(URL, {"since": "0001-01-01", "until": "9999-12-31"})
    assert response.status_code == 200 and response.json()["total"]["registered"] == 1


@pytest.mark.django_db
def test_an_empty_date_is_not_a_missing_one(users, street_token):
    client = APIClient(HTTP_AUTHORIZATION=f"Token {street_token}", HTTP_ACCEPT_LANGUAGE="en")
    response = client.get(URL, {"until": ""})
    assert response.status_code == 400 and set(response.json()) == {"until"}
