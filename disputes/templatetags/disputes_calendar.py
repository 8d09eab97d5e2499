from django import template

from disputes.selectors import calendar_years_missing
from governance.permissions import is_administrator

register = template.Library()


@register.inclusion_tag("disputes/_calendar_warning.html", takes_context=True)
def calendar_warning(context) -> dict:
    """The years without a holiday calendar, for an administrator (one query); nothing for
    anyone else."""
    request = context.get("request")
    user = getattr(request, "user", None)
    missing = calendar_years_missing() if user is not None and is_administrator(user) else []
    return {"missing_years": missing}
