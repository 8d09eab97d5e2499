from celery import shared_task

from governance.services import notification_email_pending, notification_email_send


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notification_email(notification_id: int) -> bool:
    return notification_email_send(notification_id=notification_id)


@shared_task
def send_pending_notification_emails() -> int:
    """Every few minutes: mail what the on-commit path could not queue."""
    return notification_email_pending()
