from celery import shared_task

from disputes.calendar_services import calendar_missing_years_notify
from disputes.case_services import case_deadline_scan


@shared_task
def warn_missing_calendar_years() -> int:
    """Daily: tell administrators, once per year, of a year without a holiday calendar."""
    return calendar_missing_years_notify()


@shared_task
def scan_case_deadlines() -> dict[str, int]:
    """Every few minutes: yellow and red cards, and escalation of overdue cases (督办)."""
    return case_deadline_scan()
