from celery import shared_task

from governance.services import notification_email_send


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notification_email(notification_id: int) -> bool:
    return notification_email_send(notification_id=notification_id)
