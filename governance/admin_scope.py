"""What the admin shows of what lies outside the administrator's area: nothing by name.

A street administrator's rows point upwards (their street's district, a token's district-level
client, the district administrator who edited a community); the pages show that something is
there, never what it is called nor a link to it."""

from django.contrib.admin.models import LogEntry
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from governance.models import User
from governance.scoping import visible_to

OUTSIDE_YOUR_AREA = _("(outside your area)")


class ScopedHistoryMixin:
    """The history page names only the people in the administrator's area; an edit from above
    (the district's administrator, a superuser) shows as made by "someone outside your area"."""

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        if isinstance(response, TemplateResponse) and "action_list" in response.context_data:
            # The page's own entries, which the template then renders (never saved again).
            actions: list[LogEntry] = list(response.context_data["action_list"])
            seen = set(
                visible_to(
                    request.user, User.objects.filter(pk__in={a.user_id for a in actions})
                ).values_list("pk", flat=True)
            )
            unseen = User(username=gettext("someone outside your area"))
            for action in actions:
                if action.user_id not in seen:
                    action.user = unseen
        return response
