"""E-mail delivery of stored notifications: what the Celery tasks run. Kept apart from
governance.services, which queues these tasks, so that neither module imports the other."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from governance.models import Notification

logger = logging.getLogger(__name__)


@transaction.atomic
def notification_email_send(*, notification_id: int) -> bool:
    """Mail one stored notice; a second run for the same notice sends nothing."""
    notification = (
        Notification.objects.select_for_update()
        .select_related("recipient")
        .filter(pk=notification_id)
        .first()
    )
    if notification is None or notification.emailed_at or not notification.recipient.email:
        return False
    send_mail(
        subject=notification.title,
        message=(
            f"{notification.body}\n\n{settings.PORTAL_BASE_URL}{notification.url}"
            if notification.url
            else notification.body
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[notification.recipient.email],
    )
    notification.emailed_at = timezone.now()
    notification.save(update_fields=["emailed_at"])
    return True


def notification_email_pending(*, older_than: timedelta = timedelta(minutes=5)) -> int:
    """Mail the notices whose e-mail was never sent (broker down, worker killed); returns how
    many were sent. Safe to run while the normal path also runs: each send is locked."""
    cutoff = timezone.now() - older_than
    pending = (
        Notification.objects.filter(
            emailed_at__isnull=True, created_at__lt=cutoff, recipient__email__gt=""
        )
        .order_by("created_at")
        .values_list("pk", flat=True)
    )
    sent = 0
    for pk in pending[:1000]:
        try:
            sent += notification_email_send(notification_id=pk)
        except Exception:
            # One refused address must not hold back every other notice; it is retried
            # at the next sweep.
            logger.exception("e-mail for notification %s failed", pk)
    return sent
