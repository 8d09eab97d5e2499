"""Re-verification drives (专项行动): the floating-population clean-up (seed 003: 流动人口清理
清查专项行动, P8) and the key-youth screening and care (排查帮扶, P16). One function per change,
each in one transaction."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.permissions import require_perm
from governance.scoping import in_scope
from grid.models import Area, AreaLevel
from population.models import (
    CheckOutcome,
    DriveCheck,
    DriveKind,
    Presence,
    Resident,
    ResidentDrive,
    ResidentStatus,
    SpecialGroupRecord,
)
from population.services import resident_move_out

KEY_YOUTH = "key_youth"  # the kind code of 重点青少年 (population.defaults); its sub-kinds too
# A drive longer than a year is a typing error (no seed fixes a length: our bound).
DRIVE_MAX_DAYS = 366


def drive_subjects(*, drive: ResidentDrive) -> QuerySet[Resident]:
    """Who a drive checks, as they are now: the floating residents living in its area, or
    the residents present with an open record of the key-youth kind or one of its sub-kinds."""
    present = Resident.objects.filter(
        grid__path__startswith=drive.area.path, presence=Presence.PRESENT
    )
    if drive.kind == DriveKind.FLOATING_CLEANUP:
        return present.filter(status=ResidentStatus.FLOATING)
    youth = SpecialGroupRecord.objects.filter(
        Q(kind__code=KEY_YOUTH) | Q(kind__parent__code=KEY_YOUTH), until__isnull=True
    )
    return present.filter(pk__in=youth.values("resident"))


@transaction.atomic
def drive_checklist_build(*, actor: Any, drive: ResidentDrive) -> int:
    """One unchecked DriveCheck per subject, in one bulk insert; a subject already on the
    list is skipped (the unique key), so running it again creates nothing new. Returns how
    many checks it created."""
    drive = ResidentDrive.objects.select_for_update().select_related("area").get(pk=drive.pk)
    require_perm(actor, "population.add_drivecheck", None)
    require_perm(actor, "population.change_residentdrive", drive)
    listed = DriveCheck.objects.filter(drive=drive).values("resident")
    subjects = drive_subjects(drive=drive).exclude(pk__in=listed).values_list("pk", "grid_id")
    checks = [DriveCheck(drive=drive, resident_id=pk, grid_id=grid) for pk, grid in subjects]
    DriveCheck.objects.bulk_create(checks, ignore_conflicts=True, batch_size=1000)
    return len(checks)


@transaction.atomic
def resident_drive_open(
    *,
    actor: Any,
    area: Area,
    kind: str,
    title: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
) -> ResidentDrive:
    """Open a drive over a district, street or community and build its checklist from the
    subjects present today."""
    require_perm(actor, "population.add_residentdrive")
    drive = ResidentDrive(
        area=area,
        kind=kind,
        title=title.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    if not in_scope(actor, area):
        raise ValidationError({"area": _("Choose an area within your own area.")})
    require_perm(actor, "population.add_residentdrive", drive)
    if area.level == AreaLevel.GRID:
        raise ValidationError(
            {"area": _("A drive covers a district, a street or a community, not one grid.")}
        )
    if kind not in DriveKind.values:
        raise ValidationError({"kind": _("Choose one of the kinds of drive.")})
    if not drive.title:
        raise ValidationError({"title": _("The title is required.")})
    if ends_on <= starts_on:
        raise ValidationError({"ends_on": _("The drive ends after it starts.")})
    if (ends_on - starts_on).days > DRIVE_MAX_DAYS:
        raise ValidationError({"ends_on": _("A drive lasts at most a year.")})
    drive.full_clean(exclude=["area", "created_by"])
    drive.save()
    drive_checklist_build(actor=actor, drive=drive)
    return drive


@transaction.atomic
def drive_check_record(
    *,
    actor: Any,
    check: DriveCheck,
    outcome: str,
    note: str = "",
    today: datetime.date | None = None,
) -> DriveCheck:
    """A subject checked (today by default): confirmed, updated (the data corrected on the
    resident's page), moved away (a move-out event through the resident-event service, dated
    the check date, closes the stale record) or not found (left flagged for the office).
    Refused before the drive starts and after it ends; a new check overwrites the last (the
    audit trail keeps it), except a move-away, which a move-in on the resident's page undoes."""
    today = today or timezone.localdate()
    current = (
        DriveCheck.objects.select_for_update(of=("self",))
        .select_related("drive", "resident", "grid")
        .get(pk=check.pk)
    )
    require_perm(actor, "population.change_drivecheck", current)
    drive = current.drive
    if outcome not in CheckOutcome.values:
        raise ValidationError({"outcome": _("Choose one of the outcomes.")})
    if today > drive.ends_on:
        raise ValidationError(
            {
                "outcome": _("The drive ended on %(date)s: no more checks are taken.")
                % {"date": drive.ends_on.isoformat()}
            }
        )
    if today < drive.starts_on:
        raise ValidationError(
            {"outcome": _("The drive starts on %(date)s.") % {"date": drive.starts_on.isoformat()}}
        )
    if current.outcome == CheckOutcome.MOVED_AWAY:
        raise ValidationError(
            {
                "outcome": _(
                    "This check recorded the person as moved away; if they are back, record "
                    "a move-in on their page."
                )
            }
        )
    if outcome == CheckOutcome.MOVED_AWAY and current.resident.presence == Presence.PRESENT:
        resident_move_out(
            actor=actor,
            resident=current.resident,
            happened_on=today,
            note=_("Not living here any more (%(drive)s)") % {"drive": drive.title},
        )
    current.outcome = outcome
    current.note = note.strip()
    current.checked_on = today
    current.checked_at = timezone.now()
    current.checked_by = actor if getattr(actor, "pk", None) else None
    current.full_clean(exclude=["drive", "resident", "grid", "checked_by"])
    current.save(update_fields=["outcome", "note", "checked_on", "checked_at", "checked_by"])
    return current
