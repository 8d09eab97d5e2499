"""Shared reads of the disputes app."""

import datetime

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.models import CalendarYear, DeadlinePolicy, DisputeCategory, Stage

# --- Working days, categories, deadline policy -----------------------------------------------


def calendar_years_missing(today: datetime.date | None = None) -> list[int]:
    """The years deadlines are counted in soon whose holidays nobody has entered: this year,
    and from December 1st the next one too (the State Council publishes it in the autumn).
    Deadlines in such a year count Monday to Friday (workdays.py)."""
    today = today or timezone.localdate()
    wanted = [today.year] + ([today.year + 1] if today.month == 12 else [])
    entered = set(CalendarYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    return [year for year in wanted if year not in entered]


def _category_id(category: DisputeCategory | int | None) -> int | None:
    return category.pk if isinstance(category, DisputeCategory) else category


def _no_policy(severity: str) -> Exception:
    # The admin cannot delete an any-category row; only a hand-edited database lacks one.
    return DeadlinePolicy.DoesNotExist(
        _("No deadline policy for the severity %(severity)s: add one in the admin.")
        % {"severity": severity}
    )


class DeadlinePolicies:
    """Every policy row held in memory (one query), for batch work such as the card scan:
    `policies.policy_for(severity, category)` without a query per case."""

    def __init__(self) -> None:
        self._rows = {
            (policy.severity, policy.category_id): policy for policy in DeadlinePolicy.objects.all()
        }

    def policy_for(self, severity: str, category: DisputeCategory | int | None) -> DeadlinePolicy:
        """The most specific row: the case's own category beats the any-category row."""
        category_id = _category_id(category)
        policy = self._rows.get((severity, category_id)) or self._rows.get((severity, None))
        if policy is None:
            raise _no_policy(severity)
        return policy

    def stage_limit(self, severity: str, category: DisputeCategory | int | None, stage: str) -> int:
        return self.policy_for(severity, category).days_for(Stage(stage))


def policy_for(severity: str, category: DisputeCategory | int | None) -> DeadlinePolicy:
    """The deadline policy of a case of this severity and category (one query): the
    category's own row if it has one, else the grade's any-category row."""
    policy = (
        DeadlinePolicy.objects.filter(
            Q(category__isnull=True) | Q(category_id=_category_id(category)), severity=severity
        )
        .order_by(F("category_id").asc(nulls_last=True))
        .first()
    )
    if policy is None:
        raise _no_policy(severity)
    return policy


def stage_limit(severity: str, category: DisputeCategory | int | None, stage: str) -> int:
    """The time limit, in working days, of `stage` for a case of this severity and category."""
    return policy_for(severity, category).days_for(Stage(stage))


# --- end of working days, categories, deadline policy ----------------------------------------
