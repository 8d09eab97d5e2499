"""The mediator roster (D20): one function per change, each in one transaction."""

from typing import Any

from django.db import transaction

from disputes.models import Mediator
from governance.models import User
from governance.permissions import require_perm

MEDIATOR_FIELDS = frozenset({"area", "name", "kind", "organisation", "phone", "active"})


def _checked(fields: dict[str, Any]) -> None:
    unknown = set(fields) - MEDIATOR_FIELDS
    if unknown:
        raise TypeError(f"mediator fields not set through this service: {sorted(unknown)}")


@transaction.atomic
def mediator_add(*, actor: User, **fields: Any) -> Mediator:
    """A mediator on the roster of an area in the actor's scope."""
    _checked(fields)
    require_perm(actor, "disputes.add_mediator")
    mediator = Mediator(**fields)
    mediator.name = mediator.name.strip()
    mediator.full_clean()
    require_perm(actor, "disputes.add_mediator", mediator)
    mediator.save()
    return mediator


@transaction.atomic
def mediator_update(*, actor: User, mediator: Mediator, **changes: Any) -> Mediator:
    """Change a mediator (a retired one is made inactive, never deleted: sessions name them);
    the actor keeps the roster both where the mediator is and where they go."""
    _checked(changes)
    current = Mediator.objects.select_for_update().get(pk=mediator.pk)
    require_perm(actor, "disputes.change_mediator", current)
    for name, value in changes.items():
        setattr(current, name, value)
    current.name = current.name.strip()
    current.full_clean()
    require_perm(actor, "disputes.change_mediator", current)
    current.save()
    return current
