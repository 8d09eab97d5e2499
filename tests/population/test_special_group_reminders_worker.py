"""The reminder beat task, run by a real Celery worker over Redis: once per due follow-up,
even when it runs twice or two runs overlap."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from governance.models import Notification
from population.models import FollowUpReminder
from population.services import special_group_reminders_send
from population.tasks import send_special_group_reminders
from tests.factories import ResidentFactory
from tests.population.factories import SpecialGroupRecordFactory
from tests.test_celery_worker import worker  # noqa: F401  the fixture


def due_records(users, areas, n: int):
    since = timezone.localdate() - datetime.timedelta(days=40)
    return [
        SpecialGroupRecordFactory(
            resident=ResidentFactory(grid=areas["grid_a"]),
            since=since,
            responsible=users["grid_worker_a"],
        )
        for _ in range(n)
    ]


@pytest.mark.celery
def test_the_worker_reminds_once_per_due_follow_up_even_run_twice(worker, users, areas):  # noqa: F811
    due_records(users, areas, 3)
    assert send_special_group_reminders.apply_async(ignore_result=False).get(timeout=30) == 3
    assert send_special_group_reminders.apply_async(ignore_result=False).get(timeout=30) == 0
    notices = Notification.objects.filter(kind="special_group_follow_up")
    assert notices.count() == 3
    assert set(notices.values_list("recipient__username", flat=True)) == {"t_gw_a"}


@pytest.mark.celery
def test_two_runs_side_by_side_send_each_reminder_once(worker, users, areas):  # noqa: F811
    due_records(users, areas, 12)
    first = send_special_group_reminders.apply_async(ignore_result=False)
    sent = []

    def run_here():
        try:
            sent.append(special_group_reminders_send())
        finally:
            connection.close()

    thread = threading.Thread(target=run_here)
    thread.start()
    sent.append(first.get(timeout=30))
    thread.join(timeout=30)
    assert sum(sent) == 12
    assert Notification.objects.filter(kind="special_group_follow_up").count() == 12


@pytest.mark.celery
def test_a_run_that_died_half_way_is_finished_by_the_next(worker, users, areas):  # noqa: F811
    records = due_records(users, areas, 2)
    special_group_reminders_send()
    # As if the worker died after planning the second reminder, before its notice committed.
    reminder = FollowUpReminder.objects.get(record=records[1])
    FollowUpReminder.objects.filter(pk=reminder.pk).update(sent_at=None)
    Notification.objects.filter(dedupe_key=f"special_group_reminder:{reminder.pk}").delete()
    assert send_special_group_reminders.apply_async(ignore_result=False).get(timeout=30) == 1
    assert Notification.objects.filter(kind="special_group_follow_up").count() == 2
