"""Writes to the working-day calendar: importing a year from chinese-calendar, and warning
administrators of a year nobody has entered. (Kept apart from the case services.)"""

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from disputes.defaults import calendar_package_source, calendar_package_years, calendar_year_load
from disputes.models import CalendarDay, CalendarYear
from disputes.selectors import calendar_years_missing
from governance.models import User
from governance.permissions import require_perm
from governance.services import notification_send


@transaction.atomic
def calendar_year_import(*, actor: Any | None, year: int, replace: bool = False) -> CalendarYear:
    """Enter `year` from the installed chinese-calendar. A year already entered is kept
    unless `replace` (its days, hand edits included, are then replaced). `actor` None: the
    command line, run by whoever runs the portal."""
    if actor is not None:
        require_perm(actor, "disputes.add_calendaryear")
    known = calendar_package_years()
    if year not in known:
        raise ValidationError(
            {
                "year": _(
                    "%(source)s covers %(first)s to %(last)s only: enter %(year)s by hand, or "
                    "upgrade the package once the State Council has published it."
                )
                % {
                    "source": calendar_package_source(),
                    "first": known[0],
                    "last": known[-1],
                    "year": year,
                }
            }
        )
    existing = CalendarYear.objects.select_for_update().filter(year=year).first()
    if existing is not None:
        if not replace:
            raise ValidationError(
                {"year": _("%(year)s has been entered already.") % {"year": year}}
            )
        existing.delete()  # its days with it (CASCADE)
    return calendar_year_load(CalendarYear, CalendarDay, year)


def calendar_missing_years_notify(*, today: datetime.date | None = None) -> int:
    """The daily task's work: tell every administrator, once per year, that a year deadlines
    will be counted in has no calendar (selectors.calendar_years_missing). Returns how many
    notices were created; a second run the same day, or any later day, creates none."""
    today = today or timezone.localdate()
    missing = calendar_years_missing(today)
    if not missing:
        return 0
    administrators = list(User.objects.administrators())
    url = reverse("admin:disputes_calendaryear_changelist")
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for year in missing:
            with transaction.atomic():
                sent += len(
                    notification_send(
                        recipients=administrators,
                        kind="calendar_year_missing",
                        title=_("The holiday calendar of %(year)s has not been entered")
                        % {"year": year},
                        body=_(
                            "Deadlines in %(year)s count Monday to Friday as working days until "
                            "its holidays and make-up working days (调休) are entered in the "
                            "admin, or imported with `manage.py calendar_import %(year)s` once "
                            "chinese-calendar covers it."
                        )
                        % {"year": year},
                        url=url,
                        dedupe_key=f"calendar_year_missing:{year}",
                    )
                )
    return sent
