from celery import shared_task

from population.services import (
    document_expiry_reminders_send,
    special_group_exports_expire,
    special_group_reminders_send,
)


@shared_task
def send_special_group_reminders() -> int:
    """Hourly: remind grid workers of due special-group follow-ups, once each."""
    return special_group_reminders_send()


@shared_task
def send_document_expiry_reminders() -> int:
    """Daily: remind grid workers of residence permits and visas about to expire, once each."""
    return document_expiry_reminders_send()


@shared_task
def expire_special_group_exports() -> int:
    """Hourly: approvals of special-group ledger exports past their time read as expired."""
    return special_group_exports_expire()
