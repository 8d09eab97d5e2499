"""The document-expiry beat task, run by a real Celery worker over Redis: once per expiring
document, even when it runs twice or two runs overlap (the special-group reminders' way)."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from governance.models import Notification
from population.models import DocumentExpiryReminder, ResidentStatus
from population.services import document_expiry_reminders_send
from population.tasks import send_document_expiry_reminders
from tests.factories import ResidentFactory
from tests.test_celery_worker import worker  # noqa: F401  the fixture


def expiring(areas, n: int):
    expires = timezone.localdate() + datetime.timedelta(days=10)
    return [
        ResidentFactory(
            grid=areas["grid_a"],
            status=ResidentStatus.FLOATING,
            residence_permit_number=f"3301062024{i:04d}",
            residence_permit_expires_on=expires,
        )
        for i in range(n)
    ]


@pytest.mark.celery
def test_the_worker_reminds_once_per_document_even_run_twice(worker, users, areas):  # noqa: F811
    expiring(areas, 3)
    assert send_document_expiry_reminders.apply_async(ignore_result=False).get(timeout=30) == 3
    assert send_document_expiry_reminders.apply_async(ignore_result=False).get(timeout=30) == 0
    notices = Notification.objects.filter(kind="document_expiry", recipient=users["grid_worker_a"])
    assert notices.count() == 3


@pytest.mark.celery
def test_two_runs_side_by_side_send_each_reminder_once(worker, users, areas):  # noqa: F811
    expiring(areas, 12)
    first = send_document_expiry_reminders.apply_async(ignore_result=False)
    sent = []

    def run_here():
        try:
            sent.append(document_expiry_reminders_send())
        finally:
            connection.close()

    thread = threading.Thread(target=run_here)
    thread.start()
    sent.append(first.get(timeout=30))
    thread.join(timeout=30)
    assert sum(sent) == 12
    notices = Notification.objects.filter(kind="document_expiry", recipient=users["grid_worker_a"])
    assert notices.count() == 12


@pytest.mark.celery
def test_a_run_that_died_half_way_is_finished_by_the_next(worker, users, areas):  # noqa: F811
    residents = expiring(areas, 2)
    document_expiry_reminders_send()
    # As if the worker died after planning the second reminder, before its notice committed.
    reminder = DocumentExpiryReminder.objects.get(resident=residents[1])
    DocumentExpiryReminder.objects.filter(pk=reminder.pk).update(sent_at=None)
    Notification.objects.filter(dedupe_key=f"document_expiry_reminder:{reminder.pk}").delete()
    assert send_document_expiry_reminders.apply_async(ignore_result=False).get(timeout=30) == 1
    notices = Notification.objects.filter(kind="document_expiry", recipient=users["grid_worker_a"])
    assert notices.count() == 2
