from celery import shared_task

from disputes.calendar_services import calendar_missing_years_notify


@shared_task
def warn_missing_calendar_years() -> int:
    """Daily: tell administrators, once per year, of a year without a holiday calendar."""
    return calendar_missing_years_notify()
