"""Every step of a dispute case, one function per use case, each in one transaction.

Each step locks the case row (`select_for_update`), checks who may take it (the rule is
named in the refusal), lets django-fsm check the state, starts the next stage's time limit,
records a `CaseAction` on the timeline and notifies the people the step concerns. Two people
acting on the same case at once: the second waits for the first, then finds the case in its
new state and gets `CaseConflict`, which names the state the case is now in.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import (
    BigIntegerField,
    F,
    OuterRef,
    PositiveSmallIntegerField,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models import Case as SqlCase
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from disputes.case_selectors import (
    handoff_targets,
    mediation_organisations_routed,
    registrable_grids,
)
from disputes.models import (
    FAILED_OUTCOMES,
    HANDLING_STATES,
    OPEN_STATES,
    AccountabilityRecord,
    Case,
    CaseAction,
    CaseHandoff,
    CaseParty,
    CaseSource,
    CaseState,
    CaseTaskGroupMember,
    DisputeCategory,
    ExtensionDecision,
    ExtensionRequest,
    HandoffKind,
    MediationOrganisation,
    MediationSession,
    Mediator,
    PartyRole,
    Severity,
    Stage,
    Supervision,
)
from disputes.selectors import policy_for
from disputes.workdays import WorkCalendar
from governance.errors import Conflict
from governance.models import Notification, Role, User
from governance.permissions import require_perm
from governance.scoping import in_scope
from governance.services import notification_send
from governance.tasks import send_notification_email
from grid.index import grid_index
from grid.models import Area, AreaLevel, Unit, UnitKind


class CaseConflict(Conflict):
    """The case is no longer in a state that allows the step (someone else acted first, or
    the step does not apply to it): nothing changed."""


# --- Who acts ---------------------------------------------------------------------------------


def acts_for(user: Any, unit: Unit | None) -> bool:
    """The user works for the unit: its member, or office staff of the area an office serves
    (an area's office staff act for its office whether or not their account names it)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if unit is None:
        return False
    if user.unit_id == unit.pk:
        return True
    return (
        unit.kind == UnitKind.OFFICE
        and user.role == Role.OFFICE_STAFF
        and user.home_area_id == unit.area_id
    )


def _office_of(area: Area) -> Unit | None:
    """The nearest office at or above the area (a grid has none: its community's)."""
    ids = [*area.ancestor_ids, area.pk]
    offices = {
        unit.area_id: unit
        for unit in Unit.objects.filter(area_id__in=ids, kind=UnitKind.OFFICE, active=True)
    }
    return next((offices[pk] for pk in reversed(ids) if pk in offices), None)


def _area_people(area: Area, roles: Iterable[str]) -> QuerySet[User]:
    return User.objects.filter(home_area=area, role__in=list(roles), is_active=True)


def unit_people(unit: Unit) -> list[User]:
    """Who hears of what happens to a unit's cases: its accounts and its named people (an
    office's: also the office staff of its area)."""
    named_ids = [getattr(unit, f"{name}_id") for name in Unit.NAMED_PEOPLE]
    people = Q(unit=unit) | Q(pk__in=[pk for pk in named_ids if pk])
    if unit.kind == UnitKind.OFFICE:
        people |= Q(home_area_id=unit.area_id, role=Role.OFFICE_STAFF)
    return list(User.objects.filter(people, is_active=True).distinct())


def _level_people(area: Area) -> list[User]:
    """An area's office staff and leaders: those an escalation or an immediate report reaches."""
    return list(_area_people(area, [Role.OFFICE_STAFF, Role.LEADER]))


def _notify(recipients: Iterable[User], case: Case, title: str, *, key: str = "") -> None:
    notification_send(
        recipients={user.pk: user for user in recipients}.values(),
        kind="dispute_case",
        title=title,
        body=f"{case.number} {case.title}",
        url=reverse("cases:detail", args=[case.pk]),
        dedupe_key=key,
    )


# --- Stages and deadlines ----------------------------------------------------------------------

STAGE_OF_STATE = {
    CaseState.REGISTERED: Stage.ACCEPT,
    CaseState.HANDED_OFF: Stage.ACCEPT,
    CaseState.ACCEPTED: Stage.HANDLE,
    CaseState.MEDIATING: Stage.HANDLE,
    CaseState.RESOLVED: Stage.VERIFY,
}


def _stage_limit_days(case: Case, stage: str) -> int:
    policy = policy_for(case.severity, case.category_id)
    limits: dict[str, int] = {
        Stage.ACCEPT: policy.accept_days,
        Stage.HANDLE: policy.handle_days,
        Stage.VERIFY: policy.verify_days,
    }
    days = limits[stage]
    return days + (case.extended_days if stage == Stage.HANDLE else 0)


def stage_begin(case: Case, now: datetime.datetime) -> None:
    """Start the time limit of the stage the case's state is in (none once it awaits
    sign-off or is closed). A case that stays in the handling stage (accepted → mediating)
    keeps its deadline."""
    stage = STAGE_OF_STATE.get(CaseState(case.state), "")
    if stage == case.stage and stage == Stage.HANDLE and case.stage_due_at is not None:
        return
    case.stage = stage
    case.yellow_carded_at = case.red_carded_at = None
    if not stage:
        case.stage_started_at = case.stage_due_at = case.stage_warn_at = None
        return
    policy = policy_for(case.severity, case.category_id)
    due = WorkCalendar(timezone.localtime(now).date()).deadline_after(
        now, _stage_limit_days(case, stage)
    )
    case.stage_started_at = now
    case.stage_due_at = due
    case.stage_warn_at = now + (due - now) * policy.yellow_card_percent / 100


# --- The step ---------------------------------------------------------------------------------


def _locked(case: Case) -> Case:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("grid", "owner_unit", "pending_unit", "supervising_area")
        .get(pk=case.pk)
    )


def _transition(case: Case, name: str, *args: Any) -> None:
    try:
        getattr(case, name)(*args)
    except TransitionNotAllowed:
        raise CaseConflict(
            _("Case %(number)s is now “%(state)s”: this step does not apply to it.")
            % {"number": case.number, "state": case.get_state_display()}
        ) from None


def _record(
    case: Case,
    *,
    action: str,
    actor: User | None,
    from_state: str,
    comment: str = "",
    unit: Unit | None = None,
    key: str | None = None,
) -> CaseAction:
    return CaseAction.objects.create(
        case=case,
        action=action,
        actor=actor,
        unit=unit,
        from_state=from_state,
        to_state=case.state,
        comment=comment,
        key=key,
    )


def case_meeting_note(*, case: Case, actor: User, comment: str) -> CaseAction:
    """The case was discussed at a meeting (D14): a note on its timeline; its state stays."""
    return _record(case, action="meeting", actor=actor, from_state=case.state, comment=comment)


def _required(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def _require_sees(actor: User, case: Case) -> None:
    if not in_scope(actor, case):
        raise PermissionDenied(_("This case is not in your area or handed to your unit."))


def _require_owner(actor: User, case: Case) -> None:
    _require_sees(actor, case)
    if not acts_for(actor, case.owner_unit):
        raise PermissionDenied(
            _("Only the responsible unit (%(unit)s) may do this: first-receiver responsibility.")
            % {"unit": case.owner_unit}
        )


def _require_acceptor(actor: User, case: Case) -> None:
    """The unit the case is with accepts it: the receiver of a hand-off, else its owner."""
    _require_sees(actor, case)
    unit = case.pending_unit if case.state == CaseState.HANDED_OFF else case.owner_unit
    if not acts_for(actor, unit):
        raise PermissionDenied(
            _("Only the unit the case is with (%(unit)s) may accept it.") % {"unit": unit}
        )


def _require_receiver(actor: User, case: Case) -> None:
    _require_sees(actor, case)
    if not acts_for(actor, case.pending_unit):
        raise PermissionDenied(_("Only the unit the case was handed to may return it."))


def _require_office(actor: User, case: Case) -> None:
    """The office of the case's area (综治办) verifies, reopens and escalates."""
    _require_sees(actor, case)
    if not (actor.is_superuser or (actor.role == Role.OFFICE_STAFF and actor.sees_by_area)):
        raise PermissionDenied(_("Only the comprehensive-management office does this."))
    if not actor.is_superuser and not in_scope(actor, case.grid):
        raise PermissionDenied(_("Only the office of the case's area does this."))


def _require_leader(actor: User, case: Case) -> None:
    _require_sees(actor, case)
    if not (actor.is_superuser or actor.role == Role.LEADER) or not in_scope(actor, case.grid):
        raise PermissionDenied(_("Only a leader of the case's area does this."))


# --- Registration ------------------------------------------------------------------------------


def _grid_reachable(actor: User, grid: Area, token: Any) -> bool:
    return registrable_grids(user=actor, token=token).filter(pk=grid.pk).exists()


def _party_build(actor: User, token: Any, party: dict[str, Any]) -> CaseParty:
    resident, organisation = party.get("resident"), party.get("organisation")
    name = (party.get("name") or "").strip()
    if sum(bool(x) for x in (resident, organisation, name)) != 1:
        raise ValidationError(
            {"parties": _("Each party is one resident, one organisation or one name.")}
        )
    for row in (resident, organisation):
        if row is not None and not in_scope(actor, row, token=token):
            raise ValidationError({"parties": _("A party must be someone in your area.")})
    return CaseParty(role=party["role"], resident=resident, organisation=organisation, name=name)


def _registering_unit(actor: User, token: Any, grid: Area) -> Unit | None:
    """Who received the case (首问负责): the actor's own unit; else the office of the area the
    actor (or the token, for another system) works for; a grid worker's, their community's."""
    if token is not None and token.unit_id is not None:
        return token.unit  # a department's or an enterprise's own system
    if token is not None:
        return _office_of(token.area) or _office_of(grid)
    if actor.unit_id:
        return actor.unit
    if actor.role != Role.GRID_WORKER and actor.home_area is not None:
        return _office_of(actor.home_area) or _office_of(grid)
    return _office_of(grid)


@transaction.atomic
def case_register(
    *,
    actor: User,
    token: Any = None,
    title: str,
    summary: str,
    category: DisputeCategory,
    source: str,
    occurred_on: datetime.date,
    grid: Area | None = None,
    severity: str = Severity.GENERAL,
    address: str = "",
    longitude: float | None = None,
    latitude: float | None = None,
    people_involved: int = 2,
    units_involved: str = "",
    petition: bool = False,
    collective_petition: bool = False,
    bypass_petition: bool = False,
    parties: Iterable[dict[str, Any]] = (),
    duplicate_of: Case | None = None,
) -> Case:
    """Register (登记) a case. The registering unit owns it (首问负责, D28): the actor's unit,
    or the office nearest above the grid. A major or mass-incident case is reported at once
    (随时上报, D5) to the offices and leaders of its street and district."""
    require_perm(actor, "disputes.add_case")
    if grid is None and longitude is not None and latitude is not None:
        located = grid_index().locate(longitude, latitude)
        grid = Area.objects.filter(pk=located).first() if located else None
    if grid is None:
        raise ValidationError({"grid": _("Choose the grid, or give a point inside one.")})
    if grid.level != AreaLevel.GRID:
        raise ValidationError({"grid": _("A case lies in a grid.")})
    if not _grid_reachable(actor, grid, token):
        raise ValidationError({"grid": _("Choose a grid within your own area.")})
    if occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": _("The date it arose cannot be in the future.")})
    if not category.active:
        raise ValidationError({"category": _("This category is no longer in use.")})
    if (collective_petition or bypass_petition) and not petition:
        petition = True  # a collective or bypass-level petition is a petition
    if duplicate_of is not None and not in_scope(actor, duplicate_of, token=token):
        raise ValidationError({"duplicate_of": _("Choose a case you can see.")})
    built_parties = [_party_build(actor, token, party) for party in parties]
    if not built_parties:
        raise ValidationError({"parties": _("Name at least one party (主要当事人).")})

    owner = _registering_unit(actor, token, grid)
    if owner is None:
        raise ValidationError(
            {"grid": _("No office serves this grid yet: an administrator adds the units.")}
        )
    if actor.role == Role.GRID_WORKER and token is None:
        supervising = grid
    elif owner.kind == UnitKind.OFFICE:
        supervising = owner.area
    else:
        supervising = grid.parent or grid
    case = Case(
        title=_required(title, "title", _("Give the case a title.")),
        summary=_required(summary, "summary", _("Describe the dispute briefly.")),
        category=category,
        severity=severity,
        source=CaseSource.OTHER_SYSTEM if token is not None else source,
        grid=grid,
        address=address,
        longitude=longitude,
        latitude=latitude,
        occurred_on=occurred_on,
        people_involved=people_involved,
        units_involved=units_involved,
        petition=petition,
        collective_petition=collective_petition,
        bypass_petition=bypass_petition,
        duplicate_of=duplicate_of,
        registered_by=actor,
        owner_unit=owner,
        supervising_area=supervising,
    )
    case.full_clean(exclude=["number", "registered_by", "owner_unit", "supervising_area"])
    now = timezone.now()
    stage_begin(case, now)
    case.save()
    case.number = f"MD{timezone.localtime(now):%Y}{case.pk:07d}"
    Case.objects.filter(pk=case.pk).update(number=case.number)
    for party in built_parties:
        party.case = case
    CaseParty.objects.bulk_create(built_parties)
    _record(case, action="register", actor=actor, unit=owner, from_state="")
    if duplicate_of is not None:
        _record(
            duplicate_of,
            action="duplicate",
            actor=actor,
            from_state=duplicate_of.state,
            comment=_("Case %(number)s was registered as a duplicate of this one.")
            % {"number": case.number},
        )
    _notify(unit_people(owner), case, _("New dispute case to accept"))
    if severity != Severity.GENERAL:
        levels = Area.objects.filter(pk__in=grid.ancestor_ids, level__lte=AreaLevel.STREET).defer(
            "boundary"
        )
        _notify(
            [person for level in levels for person in _level_people(level)],
            case,
            _("Major dispute reported at once (随时上报)"),
        )
    return case


PARTY_SEPARATORS = re.compile(r"[\n、，,；;]+")


@transaction.atomic
def case_register_from_screening(*, actor: User, token: Any = None, item: Any) -> Case:
    """Register a dispute found in a screening as a case (造册登记, D8): its title,
    description, category, grade, grid, people and parties; the item links to the case."""
    from disputes.models import ScreeningItem, ScreeningItemKind

    item = ScreeningItem.objects.select_for_update().select_related("report").get(pk=item.pk)
    if not in_scope(actor, item, token=token):
        raise PermissionDenied(_("This screening entry is not in your area or your unit's."))
    if item.kind != ScreeningItemKind.DISPUTE:
        raise ValidationError({"kind": _("Only a dispute is registered as a case.")})
    if item.case_id is not None:
        raise CaseConflict(
            _("This entry is registered as case %(number)s already.") % {"number": item.case.number}
        )
    if item.grid_id is None:
        raise ValidationError({"grid": _("The entry names no grid: register the case by hand.")})
    names = [name.strip()[:100] for name in PARTY_SEPARATORS.split(item.parties) if name.strip()]
    case = case_register(
        actor=actor,
        token=token,
        title=item.title[:120],
        summary=item.description or item.title,
        category=item.category,
        severity=item.severity,
        source=CaseSource.SCREENING,
        grid=item.grid,
        occurred_on=min(item.created_at.date(), timezone.localdate()),
        people_involved=item.people_count,
        parties=[
            {"role": PartyRole.APPLICANT if n == 0 else PartyRole.RESPONDENT, "name": name}
            for n, name in enumerate(names)
        ],
    )
    item.case = case
    item.save(update_fields=["case"])
    return case


# --- Acceptance and hand-offs -------------------------------------------------------------------


@transaction.atomic
def case_accept(
    *,
    actor: User,
    case: Case,
    measures: str,
    handlers: Iterable[User] = (),
    responsible_leader: User | None = None,
    comment: str = "",
) -> Case:
    """Accept (受理) a case with its plan (制定方案, D8/D10): measures, handlers and, for a
    major case or one escalated to street level, the responsible leader (领导包案, D12). The
    receiving unit of a hand-off accepts it the same way and owns it from then on."""
    case = _locked(case)
    receiving = case.state == CaseState.HANDED_OFF
    _require_acceptor(actor, case)
    measures = _required(measures, "measures", _("Write the measures of the plan."))
    handlers = list(handlers)
    for person in handlers:
        if not (in_scope(actor, person) or person.unit_id == actor.unit_id):
            raise ValidationError({"handlers": _("Handlers are people of your area or unit.")})
    leader = responsible_leader or case.responsible_leader
    if leader is not None and (leader.role != Role.LEADER or not leader.is_active):
        raise ValidationError({"responsible_leader": _("The responsible leader is a leader.")})
    if leader is not None and (
        leader.home_area is None or not leader.home_area.contains(case.grid)
    ):
        raise ValidationError(
            {"responsible_leader": _("The responsible leader leads the case's area.")}
        )
    if case.needs_leader and leader is None:
        raise ValidationError(
            {
                "responsible_leader": _(
                    "A major case, or one escalated to street level, is taken by a leader "
                    "personally (领导包案): name the responsible leader."
                )
            }
        )
    before = case.state
    if receiving:
        handoff = case.handoffs.get(accepted__isnull=True)
        _transition(case, "accept_handoff")
        handoff.accepted = True
        handoff.answered_by = actor
        handoff.answered_at = timezone.now()
        handoff.save(update_fields=["accepted", "answered_by", "answered_at"])
    else:
        _transition(case, "accept")
    case.measures = measures
    case.responsible_leader = leader
    stage_begin(case, timezone.now())
    case.save()
    case.handlers.set(handlers)
    _record(
        case,
        action="accept",
        actor=actor,
        unit=case.owner_unit,
        from_state=before,
        comment=comment or measures,
    )
    if leader is not None:
        _notify([leader], case, _("You lead a dispute case (包案)"))
    return case


@transaction.atomic
def case_hand_off(*, actor: User, case: Case, to_unit: Unit, kind: str, reason: str) -> CaseHandoff:
    """Hand a case to another unit (交办, 转办, or to the department for administrative
    mediation, D21). The sender keeps it until the receiver accepts (首问负责, D28)."""
    case = _locked(case)
    _require_owner(actor, case)
    reason = _required(reason, "reason", _("Say why the case is handed off."))
    if kind not in HandoffKind.values:
        raise ValidationError({"kind": _("Choose how the case is handed off.")})
    if to_unit.pk == case.owner_unit_id:
        raise ValidationError({"to_unit": _("The case is already with this unit.")})
    if not to_unit.active or not to_unit.area.contains(case.grid):
        raise ValidationError(
            {"to_unit": _("Hand the case to an active unit serving the case's area.")}
        )
    before = case.state
    _transition(case, "hand_off", to_unit)
    stage_begin(case, timezone.now())
    case.save()
    handoff = CaseHandoff.objects.create(
        case=case,
        kind=kind,
        from_unit=case.owner_unit,
        to_unit=to_unit,
        reason=reason,
        handed_by=actor,
    )
    _record(
        case,
        action="hand_off",
        actor=actor,
        unit=case.owner_unit,
        from_state=before,
        comment=f"→ {to_unit}: {reason}",
    )
    _notify(unit_people(to_unit), case, _("A dispute case was handed to your unit"))
    return handoff


@transaction.atomic
def case_return(*, actor: User, case: Case, reason: str) -> Case:
    """The receiving unit sends a hand-off back (回退) with its reason; the sender still owns
    the case, so nothing is closed as "not ours"."""
    case = _locked(case)
    _require_receiver(actor, case)
    if case.state != CaseState.HANDED_OFF:
        _transition(case, "return_handoff")  # raises the conflict naming the state
    reason = _required(reason, "reason", _("Say why the case is returned."))
    handoff = case.handoffs.get(accepted__isnull=True)
    receiver = case.pending_unit
    before = case.state
    _transition(case, "return_handoff")
    stage_begin(case, timezone.now())
    case.save()
    handoff.accepted = False
    handoff.answered_by = actor
    handoff.answered_at = timezone.now()
    handoff.return_reason = reason
    handoff.save(update_fields=["accepted", "answered_by", "answered_at", "return_reason"])
    _record(case, action="return", actor=actor, unit=receiver, from_state=before, comment=reason)
    _notify(unit_people(case.owner_unit), case, _("A hand-off was returned to your unit"))
    return case


# --- Handling and outcome -----------------------------------------------------------------------


@transaction.atomic
def case_mediate(
    *,
    actor: User,
    case: Case,
    kind: str,
    held_on: datetime.date,
    outcome: str,
    mediators: str = "",
    roster: Iterable[Mediator] = (),
    participants: str = "",
    organisation: MediationOrganisation | None = None,
) -> MediationSession:
    """Record a mediation session (三调联动, D18; a public hearing, D23): its mediators from
    the roster of the areas serving the case (D20) and/or by name, and the organisation of
    the register that held it, one the case is routed to by its area and category (D19)."""
    case = _locked(case)
    _require_owner(actor, case)
    routed = mediation_organisations_routed(case=case)
    if organisation is not None and not routed.filter(pk=organisation.pk).exists():
        raise ValidationError(
            {
                "organisation": _(
                    "%(organisation)s does not mediate %(category)s disputes in the case's area."
                )
                % {"organisation": organisation, "category": case.category}
            }
        )
    roster = list(roster)
    if not roster and not mediators.strip():
        raise ValidationError({"mediators": _("Name the mediators.")})
    for mediator in roster:
        if not mediator.active or not mediator.area.contains(case.grid):
            raise ValidationError(
                {"roster": _("%(name)s does not mediate in the case's area.") % {"name": mediator}}
            )
    session = MediationSession(
        case=case,
        organisation=organisation,
        kind=kind,
        held_on=held_on,
        mediators=mediators.strip(),
        participants=participants,
        outcome=_required(outcome, "outcome", _("Write what the session came to.")),
        recorded_by=actor,
    )
    session.full_clean()
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": _("A session is recorded once it has been held.")})
    before = case.state
    _transition(case, "mediate")
    stage_begin(case, timezone.now())
    case.save()
    session.save()
    session.roster.set(roster)
    _record(
        case,
        action="mediate",
        actor=actor,
        unit=case.owner_unit,
        from_state=before,
        comment=f"{session.get_kind_display()}: {session.outcome}",
    )
    return session


def _verifiers(case: Case) -> list[User]:
    office = _office_of(case.supervising_area)
    return unit_people(office) if office is not None else []


@transaction.atomic
def case_resolve(
    *,
    actor: User,
    case: Case,
    agreement: str,
    resolution_method: str,
    resolution_org: str = "",
    resolution_notes: str = "",
) -> Case:
    """Resolved (化解成功) with the agreement; the office then verifies with the parties."""
    case = _locked(case)
    _require_owner(actor, case)
    case.agreement = _required(agreement, "agreement", _("Write the agreement reached."))
    case.resolution_method = _required(
        resolution_method, "resolution_method", _("Say how it was resolved (化解方式).")
    )
    case.resolution_org = resolution_org or str(case.owner_unit)
    case.resolution_notes = resolution_notes
    before = case.state
    _transition(case, "resolve")
    case.resolved_at = timezone.now()
    stage_begin(case, case.resolved_at)
    case.save()
    _record(
        case,
        action="resolve",
        actor=actor,
        unit=case.owner_unit,
        from_state=before,
        comment=case.agreement,
    )
    _notify(_verifiers(case), case, _("A resolved dispute case awaits verification"))
    return case


@transaction.atomic
def case_fail(
    *, actor: User, case: Case, outcome: str, referred_to: str, resolution_notes: str = ""
) -> Case:
    """Not resolved: referred to arbitration, a court or another legal channel (with where),
    or turned criminal (民转刑, D26)."""
    case = _locked(case)
    _require_owner(actor, case)
    if outcome not in FAILED_OUTCOMES:
        raise ValidationError({"outcome": _("Choose where the case went.")})
    case.referred_to = _required(referred_to, "referred_to", _("Say where it was referred."))
    case.resolution_notes = resolution_notes
    before = case.state
    _transition(case, "fail", outcome)
    now = timezone.now()
    case.resolved_at = now
    if case.state == CaseState.CLOSED:
        case.closed_at = now
    stage_begin(case, now)
    case.save()
    _record(
        case,
        action="fail",
        actor=actor,
        unit=case.owner_unit,
        from_state=before,
        comment=f"{case.get_outcome_display()}: {case.referred_to}",
    )
    _awaiting_sign_off_notify(case)
    return case


def _awaiting_sign_off_notify(case: Case) -> None:
    if case.state == CaseState.AWAITING_SIGN_OFF and case.responsible_leader is not None:
        _notify([case.responsible_leader], case, _("A dispute case awaits your sign-off"))


@transaction.atomic
def case_verify(
    *, actor: User, case: Case, satisfied: bool, evaluation: str, evaluated_on: datetime.date
) -> Case:
    """The office verifies a resolution with a follow-up (验证, D17): satisfied closes it (or
    sends it to its leader's sign-off); unsatisfied sends it back to be handled again."""
    case = _locked(case)
    _require_office(actor, case)
    case.evaluation = _required(
        evaluation, "evaluation", _("Write what the parties said (考评意见).")
    )
    if evaluated_on > timezone.localdate():
        raise ValidationError({"evaluated_on": _("The follow-up cannot be in the future.")})
    case.evaluated_on = evaluated_on
    before = case.state
    _transition(case, "verify", satisfied)
    now = timezone.now()
    if case.state == CaseState.CLOSED:
        case.closed_at = now
    stage_begin(case, now)
    case.save()
    _record(
        case,
        action="verify" if satisfied else "redo",
        actor=actor,
        from_state=before,
        comment=case.evaluation,
    )
    if not satisfied:
        _notify(unit_people(case.owner_unit), case, _("Parties unsatisfied: handle the case again"))
    _awaiting_sign_off_notify(case)
    return case


# --- Leaders ------------------------------------------------------------------------------------


def _require_responsible_leader(actor: User, case: Case) -> None:
    _require_sees(actor, case)
    if not (actor.is_superuser or case.responsible_leader_id == actor.pk):
        raise PermissionDenied(_("Only the case's responsible leader signs it off."))


@transaction.atomic
def case_sign_off(*, actor: User, case: Case, comment: str = "") -> Case:
    case = _locked(case)
    _require_responsible_leader(actor, case)
    before = case.state
    _transition(case, "sign_off")
    case.closed_at = timezone.now()
    stage_begin(case, case.closed_at)
    case.save()
    _record(case, action="sign_off", actor=actor, from_state=before, comment=comment)
    return case


@transaction.atomic
def case_send_back(*, actor: User, case: Case, comment: str) -> Case:
    case = _locked(case)
    _require_responsible_leader(actor, case)
    comment = _required(comment, "comment", _("Say what must be done again."))
    before = case.state
    _transition(case, "send_back")
    stage_begin(case, timezone.now())
    case.save()
    _record(case, action="send_back", actor=actor, from_state=before, comment=comment)
    _notify(unit_people(case.owner_unit), case, _("The leader sent a case back"))
    return case


@transaction.atomic
def case_instruct(*, actor: User, case: Case, instruction: str) -> CaseAction:
    """A leader's instruction (批示): a signed entry on an open case."""
    case = _locked(case)
    _require_leader(actor, case)
    instruction = _required(instruction, "instruction", _("Write the instruction."))
    _transition(case, "instruct")
    action = _record(
        case, action="instruct", actor=actor, from_state=case.state, comment=instruction
    )
    _notify(unit_people(case.owner_unit), case, _("A leader's instruction on a case"))
    return action


def _require_owner_or_leader(actor: User, case: Case) -> None:
    _require_sees(actor, case)
    leader = actor.role == Role.LEADER and in_scope(actor, case.grid)
    if not (acts_for(actor, case.owner_unit) or leader):
        raise PermissionDenied(
            _("The responsible unit (%(unit)s) or a leader of the case's area forms its group.")
            % {"unit": case.owner_unit}
        )


def _require_group_member(actor: User, case: Case) -> None:
    _require_sees(actor, case)
    members = [member.unit for member in case.task_group.select_related("unit")]
    if not (actor.is_superuser or any(acts_for(actor, unit) for unit in members)):
        raise PermissionDenied(_("Only the units of the case's task group report to it."))


def _require_open(case: Case) -> None:
    if case.state not in OPEN_STATES:
        raise CaseConflict(_("The case is closed: reopen it first."))


@transaction.atomic
def case_task_group_set(
    *, actor: User, case: Case, units: Iterable[Unit], lead: Unit | None = None
) -> Case:
    """Form or change the case's special task group (专项工作组, D16): units serving its area,
    besides its owner, one of them leading. Units that join are told; the timeline names
    the group as it now stands."""
    case = _locked(case)
    _require_owner_or_leader(actor, case)
    _require_open(case)
    units = list({unit.pk: unit for unit in units}.values())
    if len(units) < 2:
        raise ValidationError({"units": _("A task group has two units at least.")})
    serving = set(handoff_targets(case=case).values_list("pk", flat=True))
    strangers = [unit.name for unit in units if unit.pk not in serving]
    if strangers:
        raise ValidationError(
            {
                "units": _("%(names)s do not serve the case's area, or own the case already.")
                % {"names": "、".join(strangers)}
            }
        )
    lead = lead or units[0]
    if lead.pk not in {unit.pk for unit in units}:
        raise ValidationError({"lead": _("The lead unit is one of the group.")})
    before = {member.unit_id for member in case.task_group.all()}
    case.task_group.exclude(unit__in=units).delete()
    case.task_group.update(lead=False)
    for unit in units:
        CaseTaskGroupMember.objects.update_or_create(
            case=case, unit=unit, defaults={"lead": unit.pk == lead.pk, "added_by": actor}
        )
    names = "、".join(
        f"{unit.name}（{_('lead')}）" if unit.pk == lead.pk else unit.name for unit in units
    )
    _record(case, action="task_group", actor=actor, from_state=case.state, comment=names)
    joining = [unit for unit in units if unit.pk not in before]
    _notify(
        [person for unit in joining for person in unit_people(unit)],
        case,
        _("Your unit is in a case's special task group"),
    )
    return case


@transaction.atomic
def case_group_report(*, actor: User, case: Case, report: str) -> CaseAction:
    """A unit of the task group reports its progress on the case to its owner (D16)."""
    case = _locked(case)
    _require_group_member(actor, case)
    _require_open(case)
    report = _required(report, "report", _("Write the report."))
    action = _record(
        case, action="group_report", actor=actor, from_state=case.state, comment=report
    )
    _notify(unit_people(case.owner_unit), case, _("A task group's report on a case"))
    return action


@transaction.atomic
def case_take(*, actor: User, case: Case) -> Case:
    """A leader of the case's area takes it personally (领导包案, D12)."""
    case = _locked(case)
    _require_leader(actor, case)
    if case.responsible_leader_id == actor.pk:
        raise CaseConflict(_("You already lead this case."))
    _transition(case, "take", actor)
    case.save()
    _record(case, action="take", actor=actor, from_state=case.state)
    return case


# --- The office ----------------------------------------------------------------------------------


@transaction.atomic
def case_reopen(*, actor: User, case: Case, reason: str) -> Case:
    case = _locked(case)
    _require_office(actor, case)
    reason = _required(reason, "reason", _("Say why the case is reopened."))
    before = case.state
    _transition(case, "reopen")
    stage_begin(case, timezone.now())
    case.save()
    _record(case, action="reopen", actor=actor, from_state=before, comment=reason)
    _notify(unit_people(case.owner_unit), case, _("A closed case was reopened"))
    return case


@transaction.atomic
def case_escalate(*, actor: User | None, case: Case, reason: str, key: str | None = None) -> Case:
    """Escalate one level (grid → community → street → district, 督办): the next level's
    office and leaders are told. `actor` None: the overdue scan, once per `key`."""
    case = _locked(case)
    if actor is not None:
        _require_office(actor, case)
    reason = _required(reason, "reason", _("Say why the case is escalated."))
    if key is not None and case.actions.filter(key=key).exists():
        return case  # this escalation was made before
    if case.supervising_area.parent_id is None:
        raise CaseConflict(_("The case is already supervised at district level."))
    upper = Area.objects.defer("boundary").get(pk=case.supervising_area.parent_id)
    _transition(case, "escalate", upper)
    case.save()
    _record(
        case,
        action="escalate",
        actor=actor,
        from_state=case.state,
        key=key,
        comment=f"→ {upper}: {reason}",
    )
    _notify(_level_people(upper), case, _("A dispute case was escalated to your level (督办)"))
    if case.needs_leader and case.responsible_leader is None:
        _notify(
            _area_people(upper, [Role.LEADER]),
            case,
            _("An escalated case needs a leader to take it (领导包案)"),
        )
    return case


# --- Extensions, listed supervision, accountability ---------------------------------------------


def _require_level_above(actor: User, case: Case) -> None:
    """The level above the one supervising the case decides its extensions (its office or
    leaders); a case supervised by the district is decided by the district itself."""
    _require_sees(actor, case)
    if actor.is_superuser:
        return
    above = case.supervising_area.parent or case.supervising_area
    if not (
        actor.role in {Role.OFFICE_STAFF, Role.LEADER}
        and actor.sees_by_area
        and in_scope(actor, above)
    ):
        raise PermissionDenied(
            _("Only the office or a leader of the level above the case's decides this.")
        )


def _pending_extension(case: Case) -> ExtensionRequest | None:
    return case.extensions.filter(decision=ExtensionDecision.PENDING).first()


def _open_supervision(case: Case) -> Supervision | None:
    return case.supervisions.filter(lifted_at__isnull=True).select_related("office").first()


@transaction.atomic
def case_extend(*, actor: User, case: Case, days: int, reason: str) -> ExtensionRequest:
    """The responsible unit asks for more working days to handle the case (延期申请)."""
    case = _locked(case)
    _require_owner(actor, case)
    if case.state not in HANDLING_STATES:
        raise CaseConflict(
            _("Case %(number)s is now “%(state)s”: only a case being handled is extended.")
            % {"number": case.number, "state": case.get_state_display()}
        )
    if _pending_extension(case) is not None:
        raise CaseConflict(_("An extension request of this case awaits its decision."))
    request = ExtensionRequest(
        case=case,
        days=days,
        reason=_required(reason, "reason", _("Say why more time is needed.")),
        requested_by=actor,
    )
    request.full_clean(exclude=["case", "requested_by"])
    request.save()
    _record(
        case,
        action="extend",
        actor=actor,
        unit=case.owner_unit,
        from_state=case.state,
        comment=_("%(days)d working days: %(reason)s") % {"days": days, "reason": request.reason},
    )
    above = case.supervising_area.parent or case.supervising_area
    _notify(_level_people(above), case, _("An extension of a dispute case awaits your decision"))
    return request


@transaction.atomic
def case_decide_extension(*, actor: User, case: Case, grant: bool, comment: str = "") -> Case:
    """Grant (the days move the handling deadline) or refuse (with the reason) the pending
    extension request."""
    case = _locked(case)
    _require_level_above(actor, case)
    request = _pending_extension(case)
    if request is None:
        raise CaseConflict(_("No extension request of this case awaits a decision."))
    if not grant:
        comment = _required(comment, "comment", _("Say why the extension is refused."))
    now = timezone.now()
    request.decision = ExtensionDecision.GRANTED if grant else ExtensionDecision.REFUSED
    request.decided_by, request.decided_at, request.comment = actor, now, comment
    request.save(update_fields=["decision", "decided_by", "decided_at", "comment"])
    if grant:
        case.extended_days += request.days
        if case.stage == Stage.HANDLE and case.stage_started_at is not None:
            started = case.stage_started_at
            policy = policy_for(case.severity, case.category_id)
            due = WorkCalendar(timezone.localtime(started).date()).deadline_after(
                started, _stage_limit_days(case, Stage.HANDLE)
            )
            case.stage_due_at = due
            case.stage_warn_at = started + (due - started) * policy.yellow_card_percent / 100
            # New moments, new cards: each is keyed by the moment it marks (case_card).
            case.yellow_carded_at = case.red_carded_at = None
        case.save()
    _record(
        case,
        action="extension_granted" if grant else "extension_refused",
        actor=actor,
        from_state=case.state,
        comment=comment,
    )
    _notify(
        unit_people(case.owner_unit),
        case,
        _("Extension granted") if grant else _("Extension refused"),
    )
    return case


@transaction.atomic
def case_supervise(
    *, actor: User, case: Case, requirement: str, deadline: datetime.date
) -> Supervision:
    """An office lists the case for supervision (挂牌督办, D11): what it requires, and by when
    the responsible unit reports back."""
    case = _locked(case)
    _require_office(actor, case)
    if not case.is_open:
        raise CaseConflict(_("A closed case is not listed for supervision."))
    if _open_supervision(case) is not None:
        raise CaseConflict(_("The case is already listed for supervision."))
    if deadline < timezone.localdate():
        raise ValidationError({"deadline": _("The report-back date cannot be in the past.")})
    office = (actor.unit if actor.unit_id else None) or _office_of(actor.home_area or case.grid)
    if office is None:
        raise ValidationError({"requirement": _("Your area has no office to supervise from.")})
    supervision = Supervision.objects.create(
        case=case,
        office=office,
        requirement=_required(requirement, "requirement", _("Say what is required.")),
        deadline=deadline,
        listed_by=actor,
    )
    _record(
        case,
        action="supervise",
        actor=actor,
        unit=office,
        from_state=case.state,
        comment=f"{supervision.requirement} ({deadline:%Y-%m-%d})",
    )
    people = unit_people(case.owner_unit)
    if case.owner_unit.reporting_leader is not None:
        people.append(case.owner_unit.reporting_leader)
    _notify(people, case, _("A dispute case is listed for supervision (挂牌督办)"))
    return supervision


@transaction.atomic
def case_report_back(*, actor: User, case: Case, report: str) -> Supervision:
    case = _locked(case)
    _require_owner(actor, case)
    supervision = _open_supervision(case)
    if supervision is None:
        raise CaseConflict(_("The case is not listed for supervision."))
    supervision.report = _required(report, "report", _("Write the report."))
    supervision.reported_at = timezone.now()
    supervision.save(update_fields=["report", "reported_at"])
    _record(
        case,
        action="report_back",
        actor=actor,
        unit=case.owner_unit,
        from_state=case.state,
        comment=supervision.report,
    )
    _notify(unit_people(supervision.office), case, _("A supervised case was reported back"))
    return supervision


def _require_supervisor(actor: User, case: Case) -> None:
    _require_sees(actor, case)
    supervision = _open_supervision(case)
    if supervision is None or not acts_for(actor, supervision.office):
        raise PermissionDenied(_("Only the supervising office lifts its supervision."))


@transaction.atomic
def case_lift_supervision(*, actor: User, case: Case, comment: str = "") -> Case:
    case = _locked(case)
    _require_supervisor(actor, case)
    supervision = _open_supervision(case)
    if supervision is None:  # _require_supervisor refuses this already
        raise CaseConflict(_("The case is not listed for supervision."))
    supervision.lifted_at = timezone.now()
    supervision.save(update_fields=["lifted_at"])
    _record(
        case,
        action="lift_supervision",
        actor=actor,
        unit=supervision.office,
        from_state=case.state,
        comment=comment,
    )
    return case


def _require_accountability_keeper(actor: User, case: Case) -> None:
    _require_sees(actor, case)
    if actor.is_superuser:
        return
    if not (
        actor.role in {Role.OFFICE_STAFF, Role.LEADER}
        and actor.sees_by_area
        and in_scope(actor, case.grid)
    ):
        raise PermissionDenied(
            _("The office or a leader of the case's area records accountability.")
        )


@transaction.atomic
def case_hold_accountable(
    *, actor: User, case: Case, persons: str, finding: str, sanction: str
) -> AccountabilityRecord:
    """Accountability (责任追究, D27): who, what was found, the sanction."""
    case = _locked(case)
    _require_accountability_keeper(actor, case)
    record = AccountabilityRecord.objects.create(
        case=case,
        persons=_required(persons, "persons", _("Name the persons held accountable.")),
        finding=_required(finding, "finding", _("Write what was found.")),
        sanction=_required(sanction, "sanction", _("Write the sanction.")),
        recorded_by=actor,
    )
    _record(
        case,
        action="accountability",
        actor=actor,
        from_state=case.state,
        comment=f"{record.persons}: {record.sanction}",
    )
    return record


# --- What a person may do next --------------------------------------------------------------

# Each step: the states it applies to and the rule of who takes it (the same checks the
# services make), so that a page offers exactly the steps that would succeed.
STEPS: dict[str, tuple[frozenset[str], Any]] = {
    "accept": (frozenset({CaseState.REGISTERED, CaseState.HANDED_OFF}), _require_acceptor),
    "hand_off": (
        frozenset({CaseState.REGISTERED, CaseState.ACCEPTED, CaseState.MEDIATING}),
        _require_owner,
    ),
    "return": (frozenset({CaseState.HANDED_OFF}), _require_receiver),
    "mediate": (frozenset(HANDLING_STATES), _require_owner),
    "resolve": (frozenset(HANDLING_STATES), _require_owner),
    "fail": (frozenset(HANDLING_STATES), _require_owner),
    "verify": (frozenset({CaseState.RESOLVED}), _require_office),
    "sign_off": (frozenset({CaseState.AWAITING_SIGN_OFF}), _require_responsible_leader),
    "send_back": (frozenset({CaseState.AWAITING_SIGN_OFF}), _require_responsible_leader),
    "instruct": (frozenset(OPEN_STATES), _require_leader),
    "take": (frozenset(OPEN_STATES), _require_leader),
    "escalate": (frozenset(OPEN_STATES), _require_office),
    "reopen": (frozenset({CaseState.CLOSED}), _require_office),
    "extend": (frozenset(HANDLING_STATES), _require_owner),
    "decide_extension": (frozenset(OPEN_STATES), _require_level_above),
    "supervise": (frozenset(OPEN_STATES), _require_office),
    "report_back": (frozenset(OPEN_STATES), _require_owner),
    "lift_supervision": (frozenset(CaseState.values), _require_supervisor),
    "accountability": (frozenset(CaseState.values), _require_accountability_keeper),
    "task_group": (frozenset(OPEN_STATES), _require_owner_or_leader),
    "group_report": (frozenset(OPEN_STATES), _require_group_member),
}

# Steps that also depend on the case's pending request or open supervision.
AVAILABLE = {
    "extend": lambda case: _pending_extension(case) is None,
    "decide_extension": lambda case: _pending_extension(case) is not None,
    "supervise": lambda case: _open_supervision(case) is None,
    "report_back": lambda case: _open_supervision(case) is not None,
}


def case_steps(*, actor: User, case: Case) -> list[str]:
    """The steps the actor may take on the case now."""
    steps = []
    for name, (states, rule) in STEPS.items():
        if case.state not in states:
            continue
        try:
            rule(actor, case)
        except PermissionDenied:
            continue
        if name == "take" and case.responsible_leader_id == actor.pk:
            continue
        if name == "escalate" and case.supervising_area.parent_id is None:
            continue
        if name in AVAILABLE and not AVAILABLE[name](case):
            continue
        steps.append(name)
    return steps


# --- Early warning and 督办: the deadline scan ------------------------------------------------

SCAN_BATCH = 500
# (recipients, case, title, dedupe key) of one notice to send.
Notice = tuple[list[User], Case, str, str]


def _units_people(many: Iterable[Unit]) -> dict[int, list[User]]:
    """`unit_people` of many units in one query: {unit id: its people}."""
    units = {unit.pk: unit for unit in many}
    if not units:
        return {}
    named: dict[int, set[int]] = {}  # user id: the units naming them
    for unit in units.values():
        for name in Unit.NAMED_PEOPLE:
            if pk := getattr(unit, f"{name}_id"):
                named.setdefault(pk, set()).add(unit.pk)
    offices: dict[int, set[int]] = {}  # area id: its offices among the units
    for unit in units.values():
        if unit.kind == UnitKind.OFFICE:
            offices.setdefault(unit.area_id, set()).add(unit.pk)
    people = Q(unit_id__in=list(units)) | Q(pk__in=list(named))
    if offices:
        people |= Q(home_area_id__in=list(offices), role=Role.OFFICE_STAFF)
    found: dict[int, list[User]] = {pk: [] for pk in units}
    for user in User.objects.filter(people, is_active=True):
        of = set(named.get(user.pk, ()))
        if user.unit_id in units:
            of.add(user.unit_id)
        if user.role == Role.OFFICE_STAFF and user.home_area_id in offices:
            of |= offices[user.home_area_id]
        for unit_id in of:
            found[unit_id].append(user)
    return found


def _notify_many(notices: list[Notice]) -> int:
    """`_notify` for many (recipients, case, title, key) at once, as `notification_send`
    does it: one notice per recipient and key (a key sent before sends nothing), stored in
    one INSERT, each e-mailed after commit (robust: a broker outage must not undo the
    cards; the periodic sweep mails what was not queued). Returns how many were stored."""
    rows: list[Notification] = []
    keys = {key for _people, _case, _title, key in notices if key}
    sent = (
        set(
            Notification.objects.filter(dedupe_key__in=keys).values_list(
                "recipient_id", "dedupe_key"
            )
        )
        if keys
        else set()
    )
    emails: set[int] = set()
    urls: dict[int, str] = {}
    for recipients, case, title, key in notices:
        if case.pk not in urls:
            urls[case.pk] = reverse("cases:detail", args=[case.pk])
        url = urls[case.pk]
        for user in {user.pk: user for user in recipients}.values():
            if key and (user.pk, key) in sent:
                continue
            if key:
                sent.add((user.pk, key))
            rows.append(
                Notification(
                    recipient=user,
                    kind="dispute_case",
                    title=title[:200],
                    body=f"{case.number} {case.title}",
                    url=url,
                    dedupe_key=key,
                )
            )
            if user.email:
                emails.add(len(rows) - 1)
    Notification.objects.bulk_create(rows)
    for index in sorted(emails):
        transaction.on_commit(partial(send_notification_email.delay, rows[index].pk), robust=True)
    return len(rows)


def _card_key(case: Case, color: str) -> str:
    """One card per moment it marks: a granted extension moves the deadline, and the new
    one may be carded in its turn."""
    moment = case.stage_warn_at if color == "yellow" else case.stage_due_at
    return f"{color}:{case.stage}:{moment:%Y%m%d%H%M%S%f}"


CARD_COLORS = ("yellow", "red")  # in the order a case shows them


def _card_due(case: Case, color: str, now: datetime.datetime) -> bool:
    field, moment = (
        ("yellow_carded_at", case.stage_warn_at)
        if color == "yellow"
        else ("red_carded_at", case.stage_due_at)
    )
    return getattr(case, field) is None and moment is not None and moment <= now


def _cards_show(cases: list[Case], colors: Iterable[str], now: datetime.datetime) -> dict[str, int]:
    """Show each card of `colors` on each of `cases` that is due for it and has not shown it
    yet, in bulk: the cases are locked by the caller, in its transaction. A red card
    escalates the case one level (督办), once per key. Every change to the cases is one
    UPDATE. Returns how many cards of each colour were shown."""
    colors = [color for color in CARD_COLORS if color in colors]
    open_cases = [case for case in cases if case.is_open and case.stage]
    shown = {color: [c for c in open_cases if _card_due(c, color, now)] for color in colors}
    cards = [(case, color) for color in colors for case in shown[color]]  # yellow ones first
    if not cards:
        return {color: 0 for color in colors}
    keys = {(case.pk, color): _card_key(case, color) for case, color in cards}
    CaseAction.objects.bulk_create(
        CaseAction(
            case=case,
            action=f"{color}_card",
            actor=None,
            from_state=case.state,
            to_state=case.state,
            key=keys[case.pk, color],
            comment=_("Due %(due)s.")
            % {"due": f"{timezone.localtime(case.stage_due_at):%Y-%m-%d %H:%M}"},
        )
        for case, color in cards
    )
    people = _units_people({case.owner_unit_id: case.owner_unit for case, _c in cards}.values())
    titles = {
        "yellow": _("Yellow card: a dispute case is nearly due"),
        "red": _("Red card: a dispute case is overdue"),
    }
    notices: list[Notice] = []
    for case, color in cards:
        recipients = list(people[case.owner_unit_id])
        if case.owner_unit.reporting_leader is not None:
            recipients.append(case.owner_unit.reporting_leader)
        if case.responsible_leader is not None:
            recipients.append(case.responsible_leader)
        notices.append((recipients, case, titles[color], f"case:{case.pk}:{keys[case.pk, color]}"))
    escalated: list[int] = []
    if shown.get("red"):
        escalation_notices, escalated = _cases_escalate(
            [case for case in shown["red"] if case.supervising_area.parent_id is not None],
            key_of=lambda case: f"escalate:{keys[case.pk, 'red']}",
        )
        notices += escalation_notices
    changes: dict[str, Any] = {
        f"{color}_carded_at": SqlCase(
            When(pk__in=[case.pk for case in shown[color]], then=Value(now)),
            default=F(f"{color}_carded_at"),
        )
        for color in colors
        if shown[color]
    }
    if escalated:
        # What the escalate transition set on each case: one level up.
        changes["supervising_area_id"] = SqlCase(
            When(
                pk__in=escalated,
                then=Subquery(
                    Area.objects.filter(pk=OuterRef("supervising_area_id")).values("parent_id")[:1]
                ),
            ),
            default=F("supervising_area_id"),
            output_field=BigIntegerField(),
        )
        changes["escalations"] = SqlCase(
            When(pk__in=escalated, then=F("escalations") + 1),
            default=F("escalations"),
            output_field=PositiveSmallIntegerField(),
        )
    Case.objects.filter(pk__in={case.pk for case, _c in cards}).update(**changes)
    for case, color in cards:
        setattr(case, f"{color}_carded_at", now)
    _notify_many(notices)
    return {color: len(shown[color]) for color in colors}


def _cases_escalate(cases: list[Case], *, key_of: Any) -> tuple[list[Notice], list[int]]:
    """`case_escalate` by the overdue scan (no actor) of many locked cases, once per key:
    records the escalations and returns the notices to send and the cases escalated, whose
    rows the caller updates."""
    if not cases:
        return [], []
    made = set(
        CaseAction.objects.filter(
            case__in=cases, key__in=[key_of(case) for case in cases]
        ).values_list("case_id", "key")
    )
    cases = [case for case in cases if (case.pk, key_of(case)) not in made]
    uppers = Area.objects.defer("boundary").in_bulk(
        {case.supervising_area.parent_id for case in cases}
    )
    level_people: dict[int, list[User]] = {pk: [] for pk in uppers}
    for user in _area_people_many(uppers.values(), [Role.OFFICE_STAFF, Role.LEADER]):
        if user.home_area_id is not None:
            level_people[user.home_area_id].append(user)
    actions: list[CaseAction] = []
    notices: list[Notice] = []
    for case in cases:
        upper = uppers[case.supervising_area.parent_id]
        reason = _("The %(stage)s time limit passed.") % {"stage": case.get_stage_display()}
        _transition(case, "escalate", upper)
        actions.append(
            CaseAction(
                case=case,
                action="escalate",
                actor=None,
                from_state=case.state,
                to_state=case.state,
                key=key_of(case),
                comment=f"→ {upper}: {reason}",
            )
        )
        notices.append(
            (
                level_people[upper.pk],
                case,
                _("A dispute case was escalated to your level (督办)"),
                "",
            )
        )
        if case.needs_leader and case.responsible_leader is None:
            notices.append(
                (
                    [p for p in level_people[upper.pk] if p.role == Role.LEADER],
                    case,
                    _("An escalated case needs a leader to take it (领导包案)"),
                    "",
                )
            )
    CaseAction.objects.bulk_create(actions)
    return notices, [case.pk for case in cases]


def _area_people_many(areas: Iterable[Area], roles: Iterable[str]) -> QuerySet[User]:
    return User.objects.filter(
        home_area__in=[area.pk for area in areas], role__in=list(roles), is_active=True
    )


def _scan_rows() -> QuerySet[Case]:
    return Case.objects.select_related(
        "owner_unit__reporting_leader", "responsible_leader", "supervising_area"
    ).defer("supervising_area__boundary")


@transaction.atomic
def case_card(*, case_id: int, color: str, now: datetime.datetime) -> bool:
    """Show a yellow card (the policy's share of the stage's time has passed) or a red card
    (the deadline has passed) on the case, once per stage (D29): recorded on the timeline and
    sent to the unit and its leaders. A red card also escalates the case one level (督办).
    Returns whether a card was shown (False: shown before, or the case moved on)."""
    case = _scan_rows().select_for_update(of=("self",)).filter(pk=case_id).first()
    return case is not None and _cards_show([case], [color], now)[color] == 1


def case_deadline_scan(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """The periodic scan: a yellow card for each open case past its warning point, a red card
    and an escalation for each past its deadline, each once per stage. The due cases are
    carded SCAN_BATCH at a time, each batch in one transaction: its rows locked (those
    another scan holds are skipped: that scan cards them), checked again, then cards,
    escalations, actions and notices written in bulk and the e-mails queued after commit.
    So a scan run twice, two scans at once, or a scan killed half-way and run again card
    each case exactly once."""
    now = now or timezone.now()
    shown = dict.fromkeys(CARD_COLORS, 0)
    due = Q(yellow_carded_at__isnull=True, stage_warn_at__lte=now) | Q(
        red_carded_at__isnull=True, stage_due_at__lte=now
    )
    last = 0
    while True:
        with transaction.atomic():
            batch = list(
                _scan_rows()
                .filter(due, state__in=OPEN_STATES, pk__gt=last)
                .select_for_update(of=("self",), skip_locked=True)
                .order_by("pk")[:SCAN_BATCH]
            )
            if not batch:
                return shown
            last = batch[-1].pk
            for color, count in _cards_show(batch, CARD_COLORS, now).items():
                shown[color] += count
