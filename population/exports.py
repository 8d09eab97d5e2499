"""The residents of an area as an XLSX file, ID numbers and phones masked."""

import tempfile
from collections.abc import Iterator
from typing import IO

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from population.models import Resident, SpecialGroupRecord

CHUNK = 2_000  # rows fetched per round trip (a server-side cursor on PostgreSQL)


def _rows(residents: QuerySet[Resident]) -> Iterator[list[str]]:
    for resident in residents.iterator(chunk_size=CHUNK):
        yield [
            resident.grid.code,
            resident.grid.name,
            resident.name,
            resident.id_number_masked,
            resident.get_sex_display(),
            resident.birth_date.isoformat(),
            resident.phone_masked,
            resident.get_status_display(),
            resident.address,
            resident.employer,
        ]


def resident_export_xlsx(residents: QuerySet[Resident]) -> IO[bytes]:
    """An XLSX file of the residents (already scoped and filtered by the caller), written
    with openpyxl's write-only mode: rows go to disk as they come, so a street of 100,000
    people costs a constant amount of memory. Returns the open file, at its start, for a
    streamed response; it deletes itself when closed."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Residents"))
    sheet.append(
        [
            _("grid code"),
            _("grid"),
            _("name"),
            _("ID number"),
            _("sex"),
            _("birth date"),
            _("phone"),
            _("status"),
            _("address"),
            _("employer"),
        ]
    )
    for row in _rows(residents.select_related("grid").defer("grid__boundary")):
        sheet.append(row)
    spool = tempfile.TemporaryFile()  # noqa: SIM115  # closed by the response that streams it
    workbook.save(spool)
    spool.seek(0)
    return spool


def special_group_export_xlsx(records: QuerySet[SpecialGroupRecord]) -> tuple[IO[bytes], int]:
    """The special-group ledger (重点人员管理台账, P24) of the records given (already scoped,
    filtered by the visibility rule and open), ID numbers masked, written like the resident
    export. Returns the open file at its start and the number of rows written."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Special groups"))
    sheet.append(
        [
            _("grid code"),
            _("grid"),
            _("name"),
            _("ID number"),
            _("kind"),
            _("since"),
            _("responsible grid worker"),
            _("next follow-up due"),
        ]
    )
    count = 0
    rows = records.select_related("resident__grid", "kind", "responsible").defer(
        "resident__grid__boundary"
    )
    for record in rows.order_by("resident__grid__path", "resident__name", "pk").iterator(
        chunk_size=CHUNK
    ):
        sheet.append(
            [
                record.resident.grid.code,
                record.resident.grid.name,
                record.resident.name,
                record.resident.id_number_masked,
                record.kind.name,
                record.since.isoformat(),
                record.responsible.display_name if record.responsible else "",
                record.next_follow_up_due.isoformat(),
            ]
        )
        count += 1
    spool = tempfile.TemporaryFile()  # noqa: SIM115  # closed by the response that streams it
    workbook.save(spool)
    spool.seek(0)
    return spool, count
