"""The screening ledger (工作台帐, D7) as an XLSX file: one row per item, and one per report
without items (a zero or a missing report), so every unit of every period is on it."""

import tempfile
from typing import IO

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.models import ScreeningItem, ScreeningReport


def _report_state(report: ScreeningReport) -> str:
    if report.is_open:
        return _("missing report") if report.period.due_on < timezone.localdate() else _("open")
    return _("late") if report.late else _("on time")


def screening_ledger_xlsx(reports: QuerySet[ScreeningReport]) -> IO[bytes]:
    """The reports (already scoped and filtered by the caller) with their items, written
    with openpyxl's write-only mode. Returns the open file at its start."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Screening ledger"))
    sheet.append(
        [
            _("period"),
            _("reporting unit"),
            _("area"),
            _("state"),
            _("submitted at"),
            _("zero report: disputes"),
            _("zero report: public security"),
            _("kind"),
            _("title"),
            _("grid"),
            _("severity"),
            _("category"),
            _("number of people involved"),
            _("parties"),
            _("responsible leader"),
            _("handlers"),
            _("measures"),
            _("deadline"),
            _("reported at once (随时上报)"),
        ]
    )
    items = ScreeningItem.objects.select_related("grid", "category").defer("grid__boundary")
    yes, no = _("yes"), _("no")
    for report in reports.prefetch_related(Prefetch("items", queryset=items)).iterator(
        chunk_size=500
    ):
        head = [
            str(report.period),
            report.unit.name,
            report.unit.area.name,
            _report_state(report),
            timezone.localtime(report.submitted_at).strftime("%Y-%m-%d %H:%M")
            if report.submitted_at
            else "",
            yes if report.disputes_zero else no,
            yes if report.security_zero else no,
        ]
        found = list(report.items.all())
        if not found:
            sheet.append([*head, *[""] * 12])
        for item in found:
            sheet.append(
                [
                    *head,
                    item.get_kind_display(),
                    item.title,
                    item.grid.name if item.grid else "",
                    item.get_severity_display(),
                    item.category.name if item.category else "",
                    item.people_count,
                    item.parties,
                    item.responsible_leader,
                    item.handlers,
                    item.measures,
                    item.deadline.isoformat(),
                    yes if item.immediate else no,
                ]
            )
    spool = tempfile.TemporaryFile()  # noqa: SIM115  # closed by the response that streams it
    workbook.save(spool)
    spool.seek(0)
    return spool
