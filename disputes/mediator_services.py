"""The mediator roster (D20) and the register of mediation organisations (D19): one function
per change, each in one transaction."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from disputes.models import DisputeCategory, MediationOrganisation, Mediator
from governance.models import User
from governance.permissions import require_perm

MEDIATOR_FIELDS = frozenset(
    {"area", "name", "kind", "organisation", "mediation_organisation", "phone", "active"}
)
ORGANISATION_FIELDS = frozenset({"area", "name", "kind", "host_unit", "venue", "phone", "active"})


def _checked(fields: dict[str, Any], allowed: frozenset[str] = MEDIATOR_FIELDS) -> None:
    unknown = set(fields) - allowed
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


def mediation_organisation_validate(organisation: MediationOrganisation) -> None:
    """Every rule an organisation must meet before it is saved (the admin's form calls it to
    show errors early): its fields, a host unit of its own area or one above or below it,
    and its members (once it has some) on the rosters of the area it serves."""
    organisation.name = organisation.name.strip()
    organisation.full_clean(exclude=["categories"])
    host = organisation.host_unit
    if host is not None and not (
        host.area.contains(organisation.area) or organisation.area.contains(host.area)
    ):
        raise ValidationError(
            {"host_unit": _("The host unit serves another area than the organisation's.")}
        )
    if organisation.pk is None:
        return
    outside = [
        member.name
        for member in organisation.members.select_related("area")
        if not organisation.area.contains(member.area)
    ]
    if outside:
        raise ValidationError(
            {
                "area": _("Its mediators %(names)s are on the roster of another area.")
                % {"names": "、".join(outside)}
            }
        )


@transaction.atomic
def mediation_organisation_add(
    *, actor: User, categories: Iterable[DisputeCategory] = (), **fields: Any
) -> MediationOrganisation:
    """A mediation organisation on the register of an area in the actor's scope (D19)."""
    _checked(fields, ORGANISATION_FIELDS)
    require_perm(actor, "disputes.add_mediationorganisation")
    organisation = MediationOrganisation(**fields)
    mediation_organisation_validate(organisation)
    require_perm(actor, "disputes.add_mediationorganisation", organisation)
    organisation.save()
    organisation.categories.set(categories)
    return organisation


@transaction.atomic
def mediation_organisation_update(
    *,
    actor: User,
    organisation: MediationOrganisation,
    categories: Iterable[DisputeCategory] | None = None,
    **changes: Any,
) -> MediationOrganisation:
    """Change an organisation (a closed one is made inactive, never deleted: sessions name
    it); the actor keeps the register both where it is and where it goes. Its members stay
    within the area it serves."""
    _checked(changes, ORGANISATION_FIELDS)
    current = MediationOrganisation.objects.select_for_update().get(pk=organisation.pk)
    require_perm(actor, "disputes.change_mediationorganisation", current)
    for name, value in changes.items():
        setattr(current, name, value)
    mediation_organisation_validate(current)
    require_perm(actor, "disputes.change_mediationorganisation", current)
    current.save()
    if categories is not None:
        current.categories.set(categories)
    return current
