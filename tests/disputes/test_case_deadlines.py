"""Early warning and 督办 (D29): the deadline scan shows a yellow card when the policy's share
of a stage's time has passed and a red card when its deadline has, each once per stage, and
escalates an overdue case one level. Frozen clock across National Day 2026; then a real
Celery worker: run twice, two runs at once, a run that died half-way."""

import datetime
import threading
import zoneinfo

import pytest
from django.db import connection

from disputes.case_services import case_accept, case_card, case_deadline_scan, stage_begin
from disputes.models import Case, CaseAction
from disputes.tasks import scan_case_deadlines
from governance.models import Notification
from tests.disputes.factories import CaseFactory
from tests.test_celery_worker import worker  # noqa: F401  the fixture

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(month: int, day: int, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, 0, tzinfo=SHANGHAI)


def registered_on_30_september(grid) -> Case:
    """A case whose acceptance stage started on Wednesday 30 September 2026, 10:00: one working
    day, which National Day (1–7 October) stretches to the end of Thursday 8 October."""
    case = CaseFactory(grid=grid)
    stage_begin(case, at(9, 30, 10))
    case.save()
    return case


def cards(case: Case) -> list[str]:
    return list(
        case.actions.filter(action__endswith="_card")
        .order_by("pk")
        .values_list("action", flat=True)
    )


@pytest.mark.django_db
def test_cards_and_escalation_across_a_holiday_D29(users, areas):
    case = registered_on_30_september(areas["grid_a"])
    assert case_deadline_scan(now=at(10, 4)) == {"yellow": 0, "red": 0}
    # 60 % of the time from 30 September 10:00 to 8 October 24:00 has passed by 6 October.
    assert case_deadline_scan(now=at(10, 6)) == {"yellow": 1, "red": 0}
    assert case_deadline_scan(now=at(10, 8, 23)) == {"yellow": 0, "red": 0}
    assert case_deadline_scan(now=at(10, 9, 0)) == {"yellow": 0, "red": 1}
    case.refresh_from_db()
    assert cards(case) == ["yellow_card", "red_card"]
    # Overdue: escalated one level (the community's office registered it, so to the street).
    assert case.supervising_area == areas["street_a"] and case.escalations == 1
    assert Notification.objects.filter(
        recipient=users["street_office"], title__contains="督办"
    ).exists()
    assert case_deadline_scan(now=at(10, 20)) == {"yellow": 0, "red": 0}


@pytest.mark.django_db
def test_a_new_stage_gets_new_cards(users, areas):
    case = registered_on_30_september(areas["grid_a"])
    case_deadline_scan(now=at(10, 9, 1))
    office = case.registered_by
    case_accept(actor=office, case=case, measures="调解", responsible_leader=users["street_leader"])
    case.refresh_from_db()
    assert case.yellow_carded_at is None and case.red_carded_at is None
    far = case.stage_due_at + datetime.timedelta(days=1)
    assert case_deadline_scan(now=far) == {"yellow": 1, "red": 1}
    assert cards(case) == ["yellow_card", "red_card", "yellow_card", "red_card"]


@pytest.mark.django_db
def test_a_card_for_a_case_that_moved_on_is_not_shown(users, areas):
    case = registered_on_30_september(areas["grid_a"])
    case_accept(actor=case.registered_by, case=case, measures="调解")
    assert case_card(case_id=case.pk, color="red", now=at(10, 9)) is False  # not due any more
    assert cards(case) == []


def overdue_cases(areas, n: int) -> list[Case]:
    return [registered_on_30_september(areas["grid_a"]) for _ in range(n)]


@pytest.mark.celery
def test_the_worker_cards_once_even_run_twice(worker, users, areas):  # noqa: F811
    overdue_cases(areas, 3)
    first = scan_case_deadlines.apply_async(ignore_result=False).get(timeout=60)
    second = scan_case_deadlines.apply_async(ignore_result=False).get(timeout=60)
    assert first == {"yellow": 3, "red": 3} and second == {"yellow": 0, "red": 0}
    assert CaseAction.objects.filter(action="escalate").count() == 3


@pytest.mark.celery
def test_two_scans_side_by_side_card_each_case_once(worker, users, areas):  # noqa: F811
    overdue_cases(areas, 8)
    first = scan_case_deadlines.apply_async(ignore_result=False)
    shown = []

    def run_here():
        try:
            shown.append(case_deadline_scan())
        finally:
            connection.close()

    thread = threading.Thread(target=run_here)
    thread.start()
    shown.append(first.get(timeout=60))
    thread.join(timeout=60)
    assert sum(s["red"] for s in shown) == 8 and sum(s["yellow"] for s in shown) == 8
    assert CaseAction.objects.filter(action="red_card").count() == 8
    assert CaseAction.objects.filter(action="escalate").count() == 8


@pytest.mark.celery
def test_a_scan_that_died_half_way_is_finished_by_the_next(worker, users, areas):  # noqa: F811
    cases = overdue_cases(areas, 4)
    # As if the worker died after carding the first two cases.
    for case in cases[:2]:
        case_card(case_id=case.pk, color="red", now=datetime.datetime.now(tz=SHANGHAI))
    result = scan_case_deadlines.apply_async(ignore_result=False).get(timeout=60)
    assert result == {"yellow": 4, "red": 2}
    assert CaseAction.objects.filter(action="red_card").count() == 4
    assert CaseAction.objects.filter(action="escalate").count() == 4


@pytest.mark.django_db
def test_card_and_escalation_notices_are_mailed_after_commit_once_D29(
    users, areas, django_capture_on_commit_callbacks, monkeypatch
):
    from governance.models import User
    from governance.tasks import send_notification_email

    queued = []
    monkeypatch.setattr(send_notification_email, "delay", queued.append)
    case = registered_on_30_september(areas["grid_a"])
    User.objects.update(email="staff@example.org")
    User.objects.filter(pk=users["street_office"].pk).update(email="")  # no address: no mail
    before = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with django_capture_on_commit_callbacks() as callbacks:
        assert case_deadline_scan(now=at(10, 9)) == {"yellow": 1, "red": 1}
    assert queued == []  # nothing is mailed before the cards are committed
    for callback in callbacks:
        callback()
    made = Notification.objects.filter(pk__gt=before)
    assert made.filter(dedupe_key__startswith=f"case:{case.pk}:yellow:").exists()
    assert made.filter(recipient=users["street_office"], title__contains="督办").exists()
    assert sorted(queued) == sorted(
        made.exclude(recipient=users["street_office"]).values_list("pk", flat=True)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert case_deadline_scan(now=at(10, 9)) == {"yellow": 0, "red": 0}
    assert made.count() == len(queued) + made.filter(recipient=users["street_office"]).count()


@pytest.mark.django_db
def test_the_scan_reaches_the_same_people_as_a_single_step(users, areas):
    from disputes.case_services import _units_people, unit_people
    from grid.generation import units_build
    from grid.models import Unit, UnitKind

    units_build(district=areas["district"])  # offices naming their staff and leaders
    department = Unit.objects.filter(kind=UnitKind.DEPARTMENT).first()
    department.lead = users["leader"]
    department.save()
    users["street_office"].unit = department  # a member too, besides their area's office
    users["street_office"].save()
    units = list(Unit.objects.all())
    together = _units_people(units)
    assert sum(bool(people) for people in together.values()) > 1
    for unit in units:
        assert {u.pk for u in together[unit.pk]} == {u.pk for u in unit_people(unit)}, unit
