"""Shared reads of the population ledger; every one goes through the scoping rule."""

from dataclasses import dataclass
from typing import Any

from auditlog.models import LogEntry
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from governance.identity import id_number_validate
from governance.models import ApiToken, User
from governance.scoping import visible_to
from governance.sensitive import blind_index_of
from grid.models import phone_normalize
from population.models import Resident, ResidentEvent

HISTORY_LIMIT = 100


def resident_search(residents: QuerySet[Resident], query: str) -> QuerySet[Resident]:
    """By name (contains), full phone number or full ID number (both exact, through their
    blind indexes: an encrypted column cannot be searched any other way). Searching by part
    of a phone number was given up when the phone was encrypted."""
    query = query.strip()
    if not query:
        return residents
    match = Q(name__icontains=query)
    phone = phone_normalize(query)
    if phone.isdigit():
        match |= Q(phone_index=blind_index_of(Resident, "phone", phone))
    try:
        number = id_number_validate(query)
    except ValidationError:
        pass  # not a whole, valid ID number: nothing to look up by it
    else:
        match |= Q(id_number_index=blind_index_of(Resident, "id_number", number))
    return residents.filter(match)


def resident_list(
    *, user: Any, token: ApiToken | None = None, query: str | None = None
) -> QuerySet[Resident]:
    """The residents the user sees (through `token` for an API call), optionally searched."""
    residents = visible_to(user, Resident.objects.select_related("grid"), token=token)
    return resident_search(residents, query) if query else residents


def resident_event_list(
    *, user: Any, token: ApiToken | None = None, resident: Resident | None = None
) -> QuerySet[ResidentEvent]:
    """The dated history (newest first) the user sees, of one resident or of all."""
    events = ResidentEvent.objects.select_related("from_grid", "to_grid", "recorded_by").defer(
        "from_grid__boundary", "to_grid__boundary"
    )
    if resident is not None:
        events = events.filter(resident=resident)
    return visible_to(user, events, token=token)


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a resident's audit trail, as the resident's page shows it."""

    when: Any
    action: int
    who: str
    changes: list[tuple[str, str, str]]  # (field label, old, new): ID number and phone masked
    reason: str  # for a reveal (LogEntry.Action.ACCESS)

    @property
    def is_reveal(self) -> bool:
        return self.action == LogEntry.Action.ACCESS


def _field_label(name: str) -> str:
    try:
        field = Resident._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    return str(getattr(field, "verbose_name", name))


def _shown(value: Any) -> str:
    # auditlog writes a missing value (before a creation) as "None"
    return "" if value is None or value == "None" else str(value)


def resident_history(*, user: Any, resident: Resident) -> list[HistoryEntry]:
    """The resident's audit trail, newest first (the last HISTORY_LIMIT entries): who
    registered and changed the record (the audit log stores the ID number and phone masked)
    and who saw the numbers in full, with the reason they gave. As in the admin's history,
    people outside the user's area are not named. Two queries. The caller checks
    `population.history_resident`."""
    entries = list(
        LogEntry.objects.get_for_object(resident).select_related("actor")[:HISTORY_LIMIT]
    )
    actor_ids = {entry.actor_id for entry in entries if entry.actor_id}
    named = set(
        visible_to(user, User.objects.filter(pk__in=actor_ids)).values_list("pk", flat=True)
    )
    history = []
    for entry in entries:
        if entry.actor_id is None:
            who = _("the system")
        elif entry.actor_id in named:
            who = entry.actor.display_name
        else:
            who = _("someone outside your area")
        changes = [
            (_field_label(name), _shown(values[0]), _shown(values[1]))
            for name, values in (entry.changes_dict or {}).items()
        ]
        reason = (entry.additional_data or {}).get("reason", "")
        history.append(HistoryEntry(entry.timestamp, entry.action, who, changes, reason))
    return history
