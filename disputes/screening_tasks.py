"""Beat entry points of the two screenings (D2, D3, D6): thin, over screening_services."""

from celery import shared_task

from disputes import screening_services as services


@shared_task
def open_screening_periods() -> int:
    """Hourly: a report row for every reporting unit in the current periods, once each."""
    return services.screening_periods_open()


@shared_task
def send_screening_reminders() -> int:
    """Daily: remind each unit's liaison and lead of its report due soon, once per report."""
    return services.screening_reminders_send()


@shared_task
def list_late_screenings() -> int:
    """Daily: mark reports missing after the due day late and tell the level above, once."""
    return services.screening_late_scan()


@shared_task
def scan_screening_hotspots() -> list[int]:
    """Daily: flag and lift the automatic hotspots (滚动排查)."""
    return list(services.screening_hotspots_scan())
