from celery import shared_task

from population.services import special_group_reminders_send


@shared_task
def send_special_group_reminders() -> int:
    """Hourly: remind grid workers of due special-group follow-ups, once each."""
    return special_group_reminders_send()
