"""The residents of an area as an XLSX file, ID numbers and phones masked."""

import tempfile
from collections.abc import Iterator
from typing import IO

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from population.models import Resident

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
