"""Incidents at rental houses and the accountability they bring (P5).

Seed 004: 「出租房一旦发生刑事治安案件,要严肃追究房主责任」 and 社区、农村负责人的责任. Recording an
incident flags the landlord and the community's (or village's) head at once, by name as they
stand that day; the office or a leader of the street or district above decides each.
"""

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.errors import Conflict
from governance.models import ApiToken, Role, User
from governance.permissions import require_perm
from governance.scoping import in_scope
from governance.services import notification_send
from grid.models import Area, AreaLevel, Unit, UnitKind
from population.models import (
    AccountablePerson,
    House,
    RentalAccountability,
    RentalIncident,
)


def community_head_of(community: Area | None) -> User | None:
    """The head of a community's or village's 综治 work: its office's first responsible
    person (第一责任人), else the office's lead; None when the office names neither."""
    if community is None:
        return None
    office = (
        Unit.objects.filter(area=community, kind=UnitKind.OFFICE, active=True)
        .select_related("first_responsible", "lead")
        .first()
    )
    if office is None:
        return None
    for person in (office.first_responsible, office.lead):
        if person is not None and person.is_active:
            return person
    return None


def _community_of(house: House) -> Area | None:
    area: Area | None = house.grid
    while area is not None and area.level > AreaLevel.COMMUNITY:
        area = area.parent
    return area


def _judges_of(community: Area | None) -> list[User]:
    """Who hears of an incident: the office staff and leaders of the street and district
    above the community (the level that decides)."""
    if community is None:
        return []
    return list(
        User.objects.filter(
            home_area_id__in=community.ancestor_ids,
            role__in=[Role.OFFICE_STAFF, Role.LEADER],
            is_active=True,
        )
    )


@transaction.atomic
def rental_incident_record(
    *,
    actor: Any,
    house: House,
    kind: str,
    occurred_on: datetime.date,
    summary: str,
    police_reference: str = "",
    case: Any = None,
    token: ApiToken | None = None,
) -> RentalIncident:
    """Record a criminal or public-security case at a rental house, flag its landlord and the
    community's head for accountability, and tell the street and district above."""
    incident = RentalIncident(
        house=house,
        kind=kind,
        occurred_on=occurred_on,
        summary=(summary or "").strip(),
        police_reference=(police_reference or "").strip(),
        case=case,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    require_perm(actor, "population.add_rentalincident", incident)
    if not house.is_rented:
        raise ValidationError(
            {
                "house": _(
                    "This house is not marked as rented out: mark it as a rental house "
                    "(with its landlord) first."
                )
            }
        )
    if occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": _("This date is in the future.")})
    if not incident.summary:
        raise ValidationError({"summary": _("Say what happened.")})
    if case is not None:
        if not in_scope(actor, case, token=token):
            raise ValidationError({"case": _("Choose a case you can see.")})
        if case.grid_id != house.grid_id:
            raise ValidationError({"case": _("The case lies in another grid than the house.")})
    incident.full_clean(exclude=["house", "case", "recorded_by"])
    incident.save()

    community = _community_of(house)
    head = community_head_of(community)
    landlord = house.landlord_resident
    RentalAccountability.objects.bulk_create(
        [
            RentalAccountability(
                incident=incident,
                person=AccountablePerson.LANDLORD,
                name=landlord.name if landlord is not None else house.landlord_name,
                resident=landlord,
            ),
            RentalAccountability(
                incident=incident,
                person=AccountablePerson.COMMUNITY_HEAD,
                name=head.display_name if head is not None else "",
                user=head,
            ),
        ]
    )
    notification_send(
        recipients=_judges_of(community),
        kind="rental_incident",
        title=_("Incident at rental house %(house)s: decide the accountability")
        % {"house": f"{house.grid.name} {house.label}"},
        body=incident.get_kind_display(),
        url=reverse("houses:incident", kwargs={"pk": incident.pk}),
        dedupe_key=f"rental-incident:{incident.pk}",
    )
    return incident


@transaction.atomic
def rental_accountability_decide(
    *,
    actor: Any,
    incident: RentalIncident,
    person: str,
    finding: str,
    sanction: str,
) -> RentalAccountability:
    """Record the finding and sanction for one person held to account (a finding of no fault
    with sanction "none" is a decision too). Decided once: a second decision is a conflict."""
    if not actor.has_perm("population.decide_rentalincident", incident):
        raise PermissionDenied(
            _(
                "The office or a leader of the street or district above the community decides "
                "the accountability for an incident at a rental house."
            )
        )
    finding, sanction = (finding or "").strip(), (sanction or "").strip()
    if person not in AccountablePerson.values:
        raise ValidationError({"person": _("Choose the landlord or the community head.")})
    if not finding:
        raise ValidationError({"finding": _("Write down what was found.")})
    if not sanction:
        raise ValidationError(
            {"sanction": _('Name the sanction, or "none" when no fault was found.')}
        )
    record = (
        RentalAccountability.objects.select_for_update()
        .filter(incident=incident, person=person)
        .first()
    )
    if record is None:
        raise ValidationError({"person": _("Nobody is held to account as this person here.")})
    if record.decided_at is not None:
        raise Conflict(
            _("This person's accountability was already decided on %(date)s.")
            % {"date": timezone.localtime(record.decided_at).strftime("%Y-%m-%d")}
        )
    record.finding, record.sanction = finding, sanction
    record.decided_by, record.decided_at = actor, timezone.now()
    record.save(update_fields=["finding", "sanction", "decided_by", "decided_at"])
    return record
