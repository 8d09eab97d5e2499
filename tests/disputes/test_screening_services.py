"""The two screenings (两个排查): the reporting chain, zero reports, submission, the grid
workers' entries, immediate reports, hotspots and the roll-up (D1-D9)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from disputes.models import (
    DisputeCategory,
    ScreeningCadence,
    ScreeningHotspot,
    ScreeningPeriod,
    ScreeningReport,
    ScreeningState,
)
from disputes.screening_selectors import (
    my_open_reports,
    screening_overview,
    screening_report_list,
)
from disputes.screening_services import (
    period_bounds,
    period_of,
    screening_hotspot_flag,
    screening_hotspot_lift,
    screening_hotspots_scan,
    screening_item_add,
    screening_late_scan,
    screening_major_report,
    screening_periods_open,
    screening_reminders_send,
    screening_report_submit,
)
from governance.models import Notification
from grid.generation import units_build
from grid.models import Unit, UnitKind
from tests.factories import SYSTEM, UserFactory

TODAY = datetime.date(2026, 11, 20)  # in the half-month 16-30 November, due 3 working days on


@pytest.fixture
def chain(users, areas):
    """The district's units (offices, departments, enterprises) and the reports of today's
    periods."""
    units_build(district=areas["district"])
    screening_periods_open(today=TODAY)
    return {
        "community_a": Unit.objects.get(area=areas["community_a"], kind=UnitKind.OFFICE),
        "community_b": Unit.objects.get(area=areas["community_b"], kind=UnitKind.OFFICE),
        "street_a": Unit.objects.get(area=areas["street_a"], kind=UnitKind.OFFICE),
        "district": Unit.objects.get(area=areas["district"], kind=UnitKind.OFFICE),
        "enterprise_a": Unit.objects.get(area=areas["street_a"], kind=UnitKind.ENTERPRISE),
        "justice": users["department"].unit,
    }


def report_of(unit, cadence=ScreeningCadence.HALF_MONTHLY, day=TODAY):
    return ScreeningReport.objects.get(unit=unit, period=period_of(cadence, day))


def dispute(**more):
    return {
        "kind": "dispute",
        "title": "相邻通行纠纷",
        "category": DisputeCategory.objects.get(code="neighbour"),
        "parties": "张某、李某",
        "responsible_leader": "王主任",
        "deadline": TODAY + datetime.timedelta(days=10),
        **more,
    }


def test_periods_are_half_months_and_months():
    """D1 (monthly) and D2 (half-monthly): 1st-15th, 16th-end; the calendar month."""
    assert period_bounds("half_monthly", datetime.date(2026, 2, 3)) == (
        datetime.date(2026, 2, 1),
        datetime.date(2026, 2, 15),
    )
    assert period_bounds("half_monthly", datetime.date(2026, 2, 16)) == (
        datetime.date(2026, 2, 16),
        datetime.date(2026, 2, 28),
    )
    assert period_bounds("monthly", datetime.date(2026, 12, 31)) == (
        datetime.date(2026, 12, 1),
        datetime.date(2026, 12, 31),
    )


@pytest.mark.django_db
def test_the_due_day_counts_working_days_after_the_period(settings):
    """No seed fixes a due day: SCREENING_DUE_WORKING_DAYS working days after the last day."""
    settings.SCREENING_DUE_WORKING_DAYS = 3
    period = period_of("monthly", datetime.date(2026, 10, 10))
    assert period.ends_on == datetime.date(2026, 10, 31)  # a Saturday
    assert period.due_on == datetime.date(2026, 11, 4)  # Mon 2, Tue 3, Wed 4


def test_the_chain_opens_one_report_per_unit_and_period_once(chain, users):
    """D2, D3: communities, the street's enterprise and departments half-monthly; streets and
    the district's departments monthly; the district office reports to no one. Re-running
    creates nothing."""
    half = period_of("half_monthly", TODAY)
    month = period_of("monthly", TODAY)
    assert report_of(chain["community_a"]).period == half
    assert report_of(chain["enterprise_a"]).period == half
    assert report_of(chain["street_a"], "monthly").period == month
    assert report_of(chain["justice"], "monthly").period == month
    assert not ScreeningReport.objects.filter(unit=chain["district"]).exists()
    assert not ScreeningReport.objects.filter(unit=chain["street_a"], period=half).exists()
    count = ScreeningReport.objects.count()
    assert screening_periods_open(today=TODAY) == 0
    assert ScreeningReport.objects.count() == count
    assert ScreeningPeriod.objects.count() == 2


def test_the_chain_is_configurable_per_district(users, areas, settings):
    """D1 (seed 000 screens monthly): a district whose communities report monthly."""
    settings.SCREENING_CADENCES_BY_DISTRICT = {areas["district"].code: {"community": "monthly"}}
    units_build(district=areas["district"])
    screening_periods_open(today=TODAY)
    community = Unit.objects.get(area=areas["community_a"], kind=UnitKind.OFFICE)
    assert report_of(community, "monthly")
    assert not ScreeningReport.objects.filter(
        unit=community, period__cadence="half_monthly"
    ).exists()


def test_a_zero_report_is_distinct_from_a_missing_one(chain, users):
    """D4: an explicit zero submission for both kinds; the other community's is missing."""
    report = report_of(chain["community_a"])
    screening_report_submit(
        actor=users["community_office"],
        report=report,
        disputes_zero=True,
        security_zero=True,
        today=TODAY,
    )
    report.refresh_from_db()
    assert report.state == ScreeningState.SUBMITTED
    assert report.disputes_zero and report.security_zero and not report.late
    overview = screening_overview(
        user=users["street_office"],
        period=report.period,
        area=chain["street_a"].area,
        today=report.period.due_on + datetime.timedelta(days=1),
    )
    communities = {row.area.name: row for row in overview.rows}
    a = communities[chain["community_a"].area.name]
    b = communities[chain["community_b"].area.name]
    assert (a.submitted_on_time, a.zero_disputes, a.zero_security, a.missing) == (1, 1, 1, 0)
    assert (b.submitted_on_time, b.zero_disputes, b.missing) == (0, 0, 1)


def test_each_kind_needs_items_or_a_zero_report_never_both(chain, users):
    """D4: an unanswered kind and a zero report beside listed items are both refused, and
    nothing is saved."""
    report = report_of(chain["community_a"])
    actor = users["community_office"]
    with pytest.raises(ValidationError) as refused:
        screening_report_submit(actor=actor, report=report, disputes_zero=True, today=TODAY)
    assert "security_zero" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        screening_report_submit(
            actor=actor,
            report=report,
            disputes_zero=True,
            security_zero=True,
            items=[dispute(grid=users["grid_worker_a"].home_area)],
            today=TODAY,
        )
    assert "not a zero report" in refused.value.message_dict["disputes_zero"][0]
    report.refresh_from_db()
    assert report.state == ScreeningState.OPEN and not report.items.exists()


def test_items_with_their_plan_and_a_second_submission_refused(chain, users, areas):
    """D8, D10: items are registered with the responsible leader and deadline; a second
    submission of the same report is refused with a clear message."""
    report = report_of(chain["community_a"])
    actor = users["community_office"]
    screening_report_submit(
        actor=actor,
        report=report,
        security_zero=True,
        items=[dispute(grid=areas["grid_a"], measures="组织调解")],
        today=TODAY,
    )
    item = report.items.get()
    assert item.responsible_leader == "王主任" and item.deadline and item.category.code
    with pytest.raises(ValidationError) as refused:
        screening_report_submit(
            actor=actor, report=report, disputes_zero=True, security_zero=True, today=TODAY
        )
    assert "second submission is refused" in refused.value.message_dict["state"][0]


def test_an_item_without_its_plan_or_category_is_refused(chain, users, areas):
    """D10: the responsible person and the deadline; a dispute's category."""
    report = report_of(chain["community_a"])
    with pytest.raises(ValidationError) as refused:
        screening_item_add(
            actor=users["community_office"],
            report=report,
            **dispute(grid=areas["grid_a"], responsible_leader=" ", deadline=None, category=None),
        )
    assert {"responsible_leader", "deadline", "category"} <= set(refused.value.message_dict)


def test_a_future_period_cannot_be_submitted(chain, users):
    report = report_of(chain["community_a"])
    with pytest.raises(ValidationError) as refused:
        screening_report_submit(
            actor=users["community_office"],
            report=report,
            disputes_zero=True,
            security_zero=True,
            today=report.period.starts_on - datetime.timedelta(days=1),
        )
    assert "future period" in refused.value.message_dict["period"][0]


def test_a_report_submitted_after_the_due_day_is_late(chain, users):
    """D3: the late flag is recorded with the submission."""
    report = report_of(chain["enterprise_a"])
    report.unit.members.add(users["street_office"])  # (an enterprise's liaison, here)
    screening_report_submit(
        actor=users["street_office"],
        report=report,
        disputes_zero=True,
        security_zero=True,
        today=report.period.due_on + datetime.timedelta(days=1),
    )
    report.refresh_from_db()
    assert report.late and report.state == ScreeningState.SUBMITTED


def test_grid_workers_compile_entries_into_their_communitys_report(chain, users, areas):
    """D9 (三级排查网络): a grid worker adds their grid's entries to the community's open
    report (the grid is theirs, whatever they send); they do not submit it."""
    worker = users["grid_worker_a"]
    report = report_of(chain["community_a"])
    assert list(my_open_reports(worker)) == [report]
    item = screening_item_add(actor=worker, report=report, **dispute(grid=None))
    assert item.grid == areas["grid_a"] and item.added_by == worker
    with pytest.raises(ValidationError):
        screening_item_add(actor=worker, report=report, **dispute(grid=areas["grid_b"]))
    with pytest.raises(PermissionDenied):
        screening_report_submit(actor=worker, report=report, security_zero=True, today=TODAY)
    other = report_of(chain["community_b"])
    with pytest.raises(PermissionDenied):
        screening_item_add(actor=worker, report=other, **dispute())


def test_department_staff_see_and_submit_their_own_units_reports_only(chain, users):
    """Units (issue 8): the 司法局's staff see their unit's reports, not the district's."""
    department = users["department"]
    mine = report_of(chain["justice"], "monthly")
    assert list(screening_report_list(user=department)) == [mine]
    screening_report_submit(
        actor=department, report=mine, disputes_zero=True, security_zero=True, today=TODAY
    )
    with pytest.raises(PermissionDenied):
        screening_report_submit(
            actor=department,
            report=report_of(chain["community_a"]),
            disputes_zero=True,
            security_zero=True,
            today=TODAY,
        )


def test_the_level_above_sees_its_units_reports(chain, users):
    """D3, D9: the street office sees its communities', its enterprise's and its own reports,
    not the other street's; the district sees all."""
    street = set(screening_report_list(user=users["street_office"]).values_list("unit", flat=True))
    assert {chain["community_a"].pk, chain["community_b"].pk, chain["enterprise_a"].pk} <= street
    assert chain["street_a"].pk in street and chain["justice"].pk not in street
    assert screening_report_list(user=users["leader"]).count() == ScreeningReport.objects.count()


def test_reminders_go_once_to_the_liaison_and_lead(chain, users):
    """T10 (seed 001: 联络员) via D3: once per report, however often the task runs."""
    report = report_of(chain["community_a"])
    day = report.period.due_on - datetime.timedelta(days=1)
    assert screening_reminders_send(today=day - datetime.timedelta(days=3)) == 0  # too early
    sent = screening_reminders_send(today=day)
    assert sent >= 1
    assert screening_reminders_send(today=day) == 0
    notices = Notification.objects.filter(dedupe_key=f"screening_reminder:{report.pk}")
    unit = chain["community_a"]
    named = {unit.liaison.username, unit.lead.username}
    assert set(notices.values_list("recipient__username", flat=True)) == named


def test_missing_reports_are_listed_late_to_the_level_above_once(chain, users):
    """D3: after the due day, a report still open is late and the street office is told,
    naming the unit; a submitted one is not."""
    done = report_of(chain["community_b"])
    screening_report_submit(
        actor=_community_b_staff(chain),
        report=done,
        disputes_zero=True,
        security_zero=True,
        today=TODAY,
    )
    after = done.period.due_on + datetime.timedelta(days=1)
    assert screening_late_scan(today=after) >= 1
    assert screening_late_scan(today=after) == 0
    late = report_of(chain["community_a"])
    late.refresh_from_db()
    assert late.late and late.late_notified_at and late.state == ScreeningState.OPEN
    notices = Notification.objects.filter(dedupe_key=f"screening_late:{late.pk}")
    assert "t_office_a" in set(notices.values_list("recipient__username", flat=True))
    assert chain["community_a"].name in notices.first().title
    assert not Notification.objects.filter(dedupe_key=f"screening_late:{done.pk}").exists()
    done.refresh_from_db()
    assert not done.late


def _community_b_staff(chain):
    return UserFactory(
        username="t_office_cb", role="office_staff", home_area=chain["community_b"].area
    )


def test_a_major_problem_is_reported_at_once_to_street_and_district(chain, users, areas):
    """D5: 随时上报 — the street's and district's offices and leaders are notified at once,
    even when the period's report was already submitted."""
    report = report_of(chain["community_a"])
    screening_report_submit(
        actor=users["community_office"],
        report=report,
        disputes_zero=True,
        security_zero=True,
        today=TODAY,
    )
    item = screening_major_report(
        actor=users["grid_worker_a"],
        unit=chain["community_a"],
        today=TODAY,
        **dispute(severity="mass_incident", people_count=40),
    )
    assert item.immediate and item.report == report
    told = set(
        Notification.objects.filter(dedupe_key=f"screening_immediate:{item.pk}").values_list(
            "recipient__username", flat=True
        )
    )
    assert {"t_office_a", "t_leader_a", "t_leader"} <= told
    assert "t_office_b" not in told
    with pytest.raises(ValidationError):
        screening_major_report(
            actor=users["grid_worker_a"], unit=chain["community_a"], today=TODAY, **dispute()
        )


def test_hotspots_screen_weekly_by_hand_or_by_count(chain, users, areas, settings):
    """D6: an area flagged by hand gets weekly reports for its half-monthly units; the count
    rule flags and lifts automatically; a hand flag is lifted by hand."""
    flag = screening_hotspot_flag(
        actor=users["street_office"], area=areas["community_a"], reason="纠纷多发"
    )
    with pytest.raises(ValidationError):
        screening_hotspot_flag(actor=users["street_office"], area=areas["community_a"], reason="x")
    with pytest.raises(PermissionDenied):
        screening_hotspot_flag(actor=users["leader"], area=areas["community_b"], reason="x")
    screening_periods_open(today=TODAY)
    assert report_of(chain["community_a"], "weekly")
    assert not ScreeningReport.objects.filter(
        unit=chain["community_b"], period__cadence="weekly"
    ).exists()
    screening_hotspot_lift(actor=users["street_office"], hotspot=flag)

    settings.SCREENING_HOTSPOT_ITEMS = 2
    report = report_of(chain["community_b"])
    grid = areas["community_b"].children.first()
    for _ in range(2):
        screening_item_add(actor=SYSTEM, report=report, **dispute(grid=grid))
    assert screening_hotspots_scan(today=TODAY) == (1, 0)
    assert screening_hotspots_scan(today=TODAY) == (0, 0)
    auto = ScreeningHotspot.objects.get(area=areas["community_b"], lifted_at__isnull=True)
    assert auto.automatic
    later = TODAY + datetime.timedelta(days=45)
    assert screening_hotspots_scan(today=later) == (0, 1)


def test_the_overview_rolls_up_per_area(chain, users, areas):
    """D9: per area and period: units due, on time, late, missing, zero reports, items by
    kind."""
    report = report_of(chain["community_a"])
    screening_report_submit(
        actor=users["community_office"],
        report=report,
        security_zero=True,
        items=[dispute(grid=areas["grid_a"]), dispute(grid=areas["grid_b"])],
        today=TODAY,
    )
    overview = screening_overview(
        user=users["leader"], period=report.period, area=areas["district"], today=TODAY
    )
    street_a = next(row for row in overview.rows if row.area == areas["street_a"])
    # community_a, community_b and the street's enterprise report half-monthly
    assert (street_a.due, street_a.submitted_on_time, street_a.open) == (3, 1, 2)
    assert street_a.zero_security == 1 and street_a.items == {"dispute": 2}
    assert overview.total.due == ScreeningReport.objects.filter(period=report.period).count()


def test_a_bad_entry_in_a_submission_is_named_and_nothing_is_saved(chain, users, areas):
    report = report_of(chain["community_a"])
    with pytest.raises(ValidationError) as refused:
        screening_report_submit(
            actor=users["community_office"],
            report=report,
            security_zero=True,
            items=[dispute(grid=areas["grid_a"]), dispute(grid=areas["grid_a"], category=None)],
            today=TODAY,
        )
    assert refused.value.message_dict["items"] == [
        "Entry 2, category: A dispute needs its category."
    ]
    assert not report.items.exists()
