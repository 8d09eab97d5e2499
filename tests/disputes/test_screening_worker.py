"""The screening beat tasks, run by a real Celery worker over Redis (issue 8, Reliability):
each report, reminder and late notice exactly once, run twice, side by side, or after a run
that died half-way (D2, D3)."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from disputes.models import ScreeningReport
from disputes.screening_services import (
    screening_late_scan,
    screening_periods_open,
    screening_reminders_send,
)
from disputes.screening_tasks import (
    list_late_screenings,
    open_screening_periods,
    send_screening_reminders,
)
from governance.models import Notification
from grid.generation import units_build
from tests.test_celery_worker import worker  # noqa: F401  the fixture

TODAY = datetime.date(2026, 11, 20)


@pytest.fixture
def frozen(monkeypatch):
    # The worker runs in this process (a thread): the tasks see the same day.
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)


@pytest.mark.celery
def test_the_worker_opens_each_report_once_even_run_twice_or_side_by_side(
    worker,  # noqa: F811
    frozen,
    users,
    areas,
):
    units_build(district=areas["district"])
    first = open_screening_periods.apply_async(ignore_result=False)
    made = []

    def run_here():
        try:
            made.append(screening_periods_open())
        finally:
            connection.close()

    thread = threading.Thread(target=run_here)
    thread.start()
    made.append(first.get(timeout=30))
    thread.join(timeout=30)
    count = ScreeningReport.objects.count()
    assert count > 0 and sum(made) == count
    assert open_screening_periods.apply_async(ignore_result=False).get(timeout=30) == 0
    assert ScreeningReport.objects.count() == count


@pytest.mark.celery
def test_reminders_and_late_notices_once_with_a_run_that_died_half_way(
    worker,  # noqa: F811
    users,
    areas,
    monkeypatch,
):
    units_build(district=areas["district"])
    screening_periods_open(today=TODAY)
    due = ScreeningReport.objects.filter(period__cadence="half_monthly").first().period.due_on
    monkeypatch.setattr(timezone, "localdate", lambda *args: due)
    reminded = send_screening_reminders.apply_async(ignore_result=False).get(timeout=30)
    assert reminded == ScreeningReport.objects.filter(reminded_at__isnull=False).count() > 0
    assert send_screening_reminders.apply_async(ignore_result=False).get(timeout=30) == 0
    assert screening_reminders_send(today=due) == 0

    after = due + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args: after)
    first = screening_late_scan(today=after)
    assert first > 0
    # As if the worker died after the late scan had planned one notice and before it
    # committed: the row is unmarked and its notices gone; the next run sends it once.
    report = ScreeningReport.objects.filter(late_notified_at__isnull=False).first()
    ScreeningReport.objects.filter(pk=report.pk).update(late_notified_at=None)
    Notification.objects.filter(dedupe_key=f"screening_late:{report.pk}").delete()
    assert list_late_screenings.apply_async(ignore_result=False).get(timeout=30) == 1
    assert list_late_screenings.apply_async(ignore_result=False).get(timeout=30) == 0
    keys = Notification.objects.filter(kind="screening_late").values_list("dedupe_key", "recipient")
    assert len(keys) == len(set(keys))
    assert len({key for key, _ in keys}) == first
