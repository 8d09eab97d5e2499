from celery import shared_task

from population.services import document_expiry_reminders_send, special_group_reminders_send


@shared_task
def send_special_group_reminders() -> int:
    """Hourly: remind grid workers of due special-group follow-ups, once each."""
    return special_group_reminders_send()


@shared_task
def send_document_expiry_reminders() -> int:
    """Daily: remind grid workers of residence permits and visas about to expire, once each."""
    return document_expiry_reminders_send()
