from importlib import import_module

from celery import shared_task
from django.conf import settings

from governance.notification_mail import notification_email_pending, notification_email_send


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notification_email(notification_id: int) -> bool:
    return notification_email_send(notification_id=notification_id)


@shared_task
def send_pending_notification_emails() -> int:
    """Every few minutes: mail what the on-commit path could not queue."""
    return notification_email_pending()


@shared_task
def clear_expired_sessions() -> None:
    """Daily: expired sessions (and any message they still hold) leave the database."""
    session_engine = import_module(settings.SESSION_ENGINE)
    session_engine.SessionStore.clear_expired()
