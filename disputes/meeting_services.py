"""Meetings on major disputes (D14: 定期召开会议, 定期会商, 定期汇报): one function per step.

A meeting is recorded once, with the cases it discussed (each case's timeline says so) and
its decisions, each a task for a unit with a deadline, which that unit's people (or the
meeting's office) mark as done.
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.case_services import case_meeting_note, unit_people
from disputes.models import Case, Meeting, MeetingDecision
from governance.errors import Conflict
from governance.models import User
from governance.permissions import require_perm
from governance.scoping import in_scope
from governance.services import notification_send
from grid.models import Area, Unit


def _text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def _decision_build(meeting: Meeting, index: int, entry: dict[str, Any]) -> MeetingDecision:
    prefix = f"decisions[{index}]"
    unit: Unit | None = entry.get("unit")
    case: Case | None = entry.get("case")
    deadline: datetime.date | None = entry.get("deadline")
    text = (entry.get("text") or "").strip()
    if not text:
        raise ValidationError(
            {"decisions": _("%(entry)s: write the decision.") % {"entry": prefix}}
        )
    if unit is None or not unit.active:
        raise ValidationError(
            {"decisions": _("%(entry)s: name the unit responsible.") % {"entry": prefix}}
        )
    if not (unit.area.contains(meeting.area) or meeting.area.contains(unit.area)):
        raise ValidationError(
            {"decisions": _("%(entry)s: the unit does not serve this area.") % {"entry": prefix}}
        )
    if deadline is None or deadline < meeting.held_on:
        raise ValidationError(
            {
                "decisions": _("%(entry)s: give a deadline on or after the meeting.")
                % {"entry": prefix}
            }
        )
    if case is not None and not meeting.area.contains(case.grid):
        raise ValidationError(
            {"decisions": _("%(entry)s: the case lies outside this area.") % {"entry": prefix}}
        )
    return MeetingDecision(meeting=meeting, text=text, unit=unit, case=case, deadline=deadline)


@transaction.atomic
def meeting_record(
    *,
    actor: User,
    area: Area,
    kind: str,
    held_on: datetime.date,
    title: str,
    attendees: str,
    minutes: str = "",
    chair: User | None = None,
    cases: Iterable[Case] = (),
    decisions: Iterable[dict[str, Any]] = (),
) -> Meeting:
    """Record a meeting of the area (D14): the cases it discussed, whose timelines note it,
    and its decisions, each a task its unit is told of."""
    meeting = Meeting(
        area=area,
        kind=kind,
        held_on=held_on,
        title=_text(title, "title", _("Give the meeting a title.")),
        attendees=_text(attendees, "attendees", _("Name who attended.")),
        minutes=(minutes or "").strip(),
        chair=chair,
        recorded_by=actor,
    )
    require_perm(actor, "disputes.add_meeting")
    if not in_scope(actor, area):
        raise ValidationError({"area": _("Choose an area within your own.")})
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": _("A meeting is recorded once it has been held.")})
    if chair is not None and not (chair.is_active and in_scope(actor, chair)):
        raise ValidationError({"chair": _("Choose someone of your own area.")})
    meeting.full_clean(exclude=["area", "chair", "recorded_by"])
    cases = list(cases)
    outside = [
        str(case.number)
        for case in cases
        if not (in_scope(actor, case) and area.contains(case.grid))
    ]
    if outside:
        raise ValidationError(
            {
                "cases": _("Cases %(numbers)s are not of this area.")
                % {"numbers": "、".join(outside)}
            }
        )
    meeting.save()
    built = [_decision_build(meeting, index, entry) for index, entry in enumerate(decisions)]
    MeetingDecision.objects.bulk_create(built)
    meeting.cases.set(cases)
    comment = f"{meeting.held_on:%Y-%m-%d} {meeting.title}"
    for case in cases:
        case_meeting_note(case=case, actor=actor, comment=comment)
    url = reverse("cases:meeting", kwargs={"pk": meeting.pk})
    for decision in built:
        notification_send(
            recipients=unit_people(decision.unit),
            kind="meeting_decision",
            title=_("A meeting's decision for your unit, due %(date)s")
            % {"date": f"{decision.deadline:%Y-%m-%d}"},
            body=decision.text,
            url=url,
            dedupe_key=f"meeting-decision:{decision.pk}",
        )
    return meeting


@transaction.atomic
def meeting_decision_done(*, actor: User, decision: MeetingDecision, note: str) -> MeetingDecision:
    """The responsible unit's people, or the meeting's office, mark a decision done."""
    decision = (
        MeetingDecision.objects.select_for_update(of=("self",))
        .select_related("meeting__area", "unit")
        .get(pk=decision.pk)
    )
    own_unit = actor.unit_id is not None and actor.unit_id == decision.unit_id
    office = actor.has_perm("disputes.add_meeting", decision.meeting)
    if not (own_unit or office):
        raise PermissionDenied(
            _("The responsible unit, or the office that held the meeting, marks it done.")
        )
    if decision.done_at is not None:
        raise Conflict(
            _("This decision was marked done on %(date)s.")
            % {"date": f"{timezone.localtime(decision.done_at):%Y-%m-%d}"}
        )
    decision.done_note = _text(note, "note", _("Say what was done."))
    decision.done_at, decision.done_by = timezone.now(), actor
    decision.save(update_fields=["done_note", "done_at", "done_by"])
    return decision
