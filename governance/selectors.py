"""Shared reads of the core."""

from django.db.models import QuerySet

from governance.models import Notification, User


def notification_list(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """A user's own notices, newest first. Personal rows: no area scope applies."""
    notices = Notification.objects.filter(recipient=user)
    return notices.filter(read_at__isnull=True) if unread_only else notices
