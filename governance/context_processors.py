from django.conf import settings

from governance.selectors import notification_list


def portal(request) -> dict:
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        # One COUNT per page, served by the (recipient, read_at) index.
        unread = notification_list(user=user, unread_only=True).count()
    tiles = (
        [
            {
                "url": settings.MAP_TILES_URL,
                "options": {"attribution": settings.MAP_TILES_ATTRIBUTION},
            }
        ]
        if settings.MAP_TILES_URL
        else []
    )
    return {
        "unread_notifications": unread,
        "demo_mode": settings.DEMO_MODE,
        "otp_required": settings.OTP_REQUIRED,
        "map_tiles": tiles,
        "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
