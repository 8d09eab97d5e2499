"""Resident import from a spreadsheet (CSV or XLSX): check (a dry run), then load.

The column layout is the template's (`template_file`); headers may be English or Chinese
(`COLUMNS`, and the aliases people type), in any order. Every rule a row must meet is the
resident service's (`services.resident_clean`, `services.resident_grid_check`,
`services.already_registered_error`); this module only runs them over many rows at once:
one query for the grids of the file, one (per 5,000 rows) for the people already registered.

`resident_import_check` keeps the file (encrypted) with its report and writes no resident.
`resident_import_load` reads the kept file again, checks it again (the ledger may have changed
since), and loads it in one transaction (COPY on PostgreSQL, bulk_create elsewhere): all rows when the file is clean,
or only the valid rows when the user chose so. A second load of the same import loads nothing.
"""

from __future__ import annotations

import base64
import csv
import datetime
import decimal
import io
import operator
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, models, transaction
from django.db.models import signals
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from governance.models import ApiToken
from governance.permissions import require_perm
from governance.scoping import scope_root, visible_to
from governance.sensitive import BlindIndexField, EncryptedCharField, blind_indexer, encryptor
from grid.models import Area, AreaLevel
from population import services
from population.models import (
    EventKind,
    ImportStatus,
    Resident,
    ResidentEvent,
    ResidentImport,
    ResidentStatus,
)

HEADER_ROW = 1  # spreadsheet row numbers, as the user sees them: data starts at row 2
MAX_ROWS = 200_000
MAX_BYTES = 50 * 1024 * 1024
BATCH = 2_000  # rows per INSERT of the load
LOOKUP_CHUNK = 5_000  # blind indexes per query for "already registered"
XLSX_MAGIC = b"PK\x03\x04"
CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # Excel in China saves CSV as GBK unless told


@dataclass(frozen=True)
class Column:
    """A column of the template: its header in either language (and aliases people type)."""

    key: str
    english: str
    chinese: str
    required: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The header in the user's language: the national data model's Chinese term (姓名,
        not a translation of "name"), so that the template uploads as it is."""
        return self.chinese if (get_language() or "").startswith("zh") else self.english


COLUMNS = (
    Column("grid_code", "grid code", "网格编码", True, ("网格代码", "网格")),
    Column("name", "name", "姓名", True),
    Column("id_number", "ID number", "公民身份号码", True, ("身份证号", "身份证号码", "身份证")),
    Column("phone", "phone", "联系电话", False, ("电话", "手机", "手机号")),
    Column("status", "status", "人口类型", False, ("状态", "户籍状态")),
    Column("address", "address", "居住地址", False, ("地址", "住址")),
    Column("employer", "employer", "工作单位", False, ("单位", "服务处所")),
)
# The column the rejected-rows file adds; an upload of that file ignores it.
PROBLEMS_HEADERS = ("problems", "问题")
PROBLEMS = ""  # its key in Sheet.keys


def _header_key(text: str) -> str:
    """'ID number', 'id_number', ' 公民身份号码（必填）' all become one lookup key."""
    text = str(text or "").strip().lower()
    for bracket in ("(", "（"):
        text = text.split(bracket, 1)[0]
    return "".join(text.replace("_", " ").split())


def _header_aliases() -> dict[str, str]:
    aliases = {}
    for column in COLUMNS:
        # Both languages are accepted, whatever the uploader's own language is.
        for name in (column.key, column.english, column.chinese, *column.aliases):
            aliases[_header_key(name)] = column.key
    return aliases


HEADER_ALIASES = _header_aliases()

# Status as people write it: the code, its English word, or the Chinese term.
STATUS_WORDS = {
    "registered": ResidentStatus.REGISTERED,
    "户籍": ResidentStatus.REGISTERED,
    "户籍人口": ResidentStatus.REGISTERED,
    "floating": ResidentStatus.FLOATING,
    "流动": ResidentStatus.FLOATING,
    "流动人口": ResidentStatus.FLOATING,
    "foreign": ResidentStatus.FOREIGN,
    "境外": ResidentStatus.FOREIGN,
    "境外人员": ResidentStatus.FOREIGN,
}


@dataclass
class Sheet:
    """A spreadsheet as read: its header as written, the column key of each position
    (None: not a column of ours; PROBLEMS: the rejected-rows file's problems column,
    ignored) and the data rows as text."""

    file_format: str
    header: list[str]
    keys: list[str | None]
    rows: list[tuple[int, list[str]]]
    problems: list[dict] = field(default_factory=list)

    def values(self, cells: list[str]) -> dict[str, str]:
        return {key: cells[i] if i < len(cells) else "" for i, key in enumerate(self.keys) if key}


def problem(row: int, column: str, message: Any) -> dict:
    return {"row": row, "column": column, "message": str(message)}


def _text(value: Any) -> str:
    """A cell as text. A number typed into an XLSX cell comes back as int or float: an ID
    number stored as a number has lost its last digits already (Excel keeps 15), which its
    checksum then reports; a whole float (a phone number) loses its '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def file_format_of(content: bytes) -> str:
    return "xlsx" if content.startswith(XLSX_MAGIC) else "csv"


def _csv_rows(content: bytes) -> Iterable[list[str]]:
    for encoding in CSV_ENCODINGS:
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return csv.reader(io.StringIO(text, newline=""))
    raise ValidationError({"file": _("The CSV file is neither UTF-8 nor GBK text.")})


def _xlsx_rows(content: bytes) -> Iterable[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ValidationError({"file": _("The file is not a readable XLSX workbook.")}) from None
    sheet = workbook.worksheets[0]  # the template's first sheet; others (notes) are ignored
    return ([_text(value) for value in row] for row in sheet.iter_rows(values_only=True))


def read_sheet(content: bytes) -> Sheet:
    """The rows of an uploaded file, CSV or XLSX (told apart by content, not by name);
    ValidationError({"file": ...}) for a file that cannot be read at all."""
    if not content:
        raise ValidationError({"file": _("The file is empty.")})
    if len(content) > MAX_BYTES:
        raise ValidationError({"file": _("The file is larger than 50 MB: split it.")})
    file_format = file_format_of(content)
    rows = iter(_xlsx_rows(content) if file_format == "xlsx" else _csv_rows(content))
    try:
        header = [_text(cell) for cell in next(rows)]
    except StopIteration:
        raise ValidationError({"file": _("The file has no header row.")}) from None
    except csv.Error:
        raise ValidationError({"file": _("The CSV file cannot be read.")}) from None
    while header and not header[-1]:
        header.pop()
    sheet = Sheet(file_format=file_format, header=header, keys=[], rows=[])
    seen: set[str] = set()
    for label in header:
        key = _header_key(label)
        if key in PROBLEMS_HEADERS:
            sheet.keys.append(PROBLEMS)
            continue
        column = HEADER_ALIASES.get(key)
        if column is None:
            sheet.problems.append(
                problem(HEADER_ROW, "", _("Unknown column “%(label)s”.") % {"label": label})
            )
        elif column in seen:
            sheet.problems.append(
                problem(
                    HEADER_ROW,
                    column,
                    _("The column “%(label)s” appears twice.") % {"label": label},
                )
            )
            column = None
        sheet.keys.append(column)
        if column:
            seen.add(column)
    for expected in COLUMNS:
        if expected.required and expected.key not in seen:
            sheet.problems.append(problem(HEADER_ROW, expected.key, _("The column is missing.")))
    try:
        for number, cells in enumerate(rows, start=HEADER_ROW + 1):
            cells = [_text(cell) for cell in cells]
            if any(cells):  # blank lines between blocks are common and carry nothing
                sheet.rows.append((number, cells))
            if len(sheet.rows) > MAX_ROWS:
                raise ValidationError(
                    {
                        "file": _("The file has more than %(max)d rows: split it.")
                        % {"max": MAX_ROWS}
                    }
                )
    except csv.Error:
        raise ValidationError({"file": _("The CSV file cannot be read.")}) from None
    if not sheet.rows:
        raise ValidationError({"file": _("The file has a header but no rows.")})
    return sheet


# --- The check: the resident service's rules over every row -----------------------------------


@dataclass
class Checked:
    residents: list[tuple[int, Resident]]  # the valid rows, ready to save
    problems: list[dict]
    grids: list[Area]


def _status(value: str) -> str:
    word = value.strip()
    if not word:
        return str(Resident._meta.get_field("status").get_default())
    return STATUS_WORDS.get(word.lower(), word)  # anything else: the model's choices say no


def _grids(*, actor: Any, token: ApiToken | None, codes: set[str]) -> dict[str, Area]:
    """The file's grids the actor may register residents in, by code: one query."""
    found = visible_to(
        actor,
        Area.objects.filter(level=AreaLevel.GRID, code__in=codes).defer("boundary"),
        token=token,
    )
    grids = {}
    for grid in found:
        try:
            services.resident_grid_check(actor=actor, grid=grid)
        except ValidationError:
            continue
        grids[grid.code] = grid
    return grids


def _registered(*, actor: Any, indexes: list[str]) -> dict[str, str]:
    """Of these blind indexes, those already in the ledger, with the service's message."""
    messages = {}
    for start in range(0, len(indexes), LOOKUP_CHUNK):
        existing = (
            Resident.objects.filter(id_number_index__in=indexes[start : start + LOOKUP_CHUNK])
            .select_related("grid")
            .only("id_number_index", "grid__name", "grid__path", "grid__level")
        )
        for resident in existing:
            error = services.already_registered_error(actor=actor, grid=resident.grid)
            messages[resident.id_number_index] = error.message_dict["id_number"][0]
    return messages


# Values a row's instance may share with the template it is copied from (none can change
# in place). Anything else, a list default say, makes _resident_maker call Resident().
_IMMUTABLE = (str, int, float, bool, type(None), datetime.date, decimal.Decimal)


def _resident_maker(*, created_by: Any) -> Callable[..., Resident]:
    """Resident(grid=…, name=…, …, created_by=created_by) for every row of a file, without
    Model.__init__'s per-field walk (its defaults, ~45 µs a row, a third of the check): each
    instance starts as a copy of one built by Resident(created_by=…) (every default, no
    signal sent, none listened to) and takes the row's values as __init__ would set them (the
    grid through its descriptor). When a default is mutable or a pre_init/post_init receiver
    listens, plain Resident(…) it is."""
    template = Resident(created_by=created_by)
    defaults = {key: value for key, value in vars(template).items() if key != "_state"}
    if (
        signals.pre_init.has_listeners(Resident)
        or signals.post_init.has_listeners(Resident)
        or not all(isinstance(value, _IMMUTABLE) for value in defaults.values())
    ):
        return lambda **values: Resident(created_by=created_by, **values)
    cache = dict(template._state.fields_cache)  # created_by, as Resident(created_by=…) has it

    def make(*, grid: Area | None, **values: Any) -> Resident:
        resident = Resident.__new__(Resident)
        state = resident._state = ModelState()
        state.fields_cache = cache.copy()
        resident.__dict__.update(defaults)
        resident.__dict__.update(values)  # plain fields: their attribute is their name
        resident.grid = grid  # type: ignore[assignment]
        return resident

    return make


def check_rows(*, actor: Any, sheet: Sheet, token: ApiToken | None = None) -> Checked:
    """Every problem of every row (row number, column, message) and the valid residents."""
    problems = list(sheet.problems)
    if problems:  # a header problem: the columns cannot be trusted, no row is read
        return Checked(residents=[], problems=problems, grids=[])
    grids = _grids(
        actor=actor,
        token=token,
        codes={sheet.values(cells)["grid_code"] for _number, cells in sheet.rows},
    )
    # The keyed HMAC made once for the file (blind_index would key it per row).
    index_of = blind_indexer(context=Resident._meta.get_field("id_number").context)
    make_resident = _resident_maker(created_by=actor if getattr(actor, "pk", None) else None)
    candidates: list[tuple[int, Resident, str]] = []
    first_row_of: dict[str, int] = {}
    for number, cells in sheet.rows:
        values = sheet.values(cells)
        row_problems = []
        code = values["grid_code"]
        grid = grids.get(code)
        if not code:
            row_problems.append(problem(number, "grid_code", _("The grid code is required.")))
        elif grid is None:
            # Unknown and out of scope read the same: a grid one may not see does not exist.
            message = _("No grid has the code “%(code)s” in your area.") % {"code": code}
            row_problems.append(problem(number, "grid_code", message))
        resident = make_resident(
            grid=grid,
            name=values.get("name", ""),
            id_number=values.get("id_number", ""),
            phone=values.get("phone", ""),
            status=_status(values.get("status", "")),
            address=values.get("address", ""),
            employer=values.get("employer", ""),
        )
        try:
            # Foreign nationals without an ID number are registered on the page or through
            # the API, with their passport: a file row always has an ID number.
            services.resident_clean(resident=resident, id_number_required=True)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                row_problems.extend(problem(number, name, message) for message in messages)
        index = ""
        if not any(p["column"] == "id_number" for p in row_problems):
            # Normalised already: the index itself (index_of would validate it once more).
            index = index_of(resident.id_number)
            resident.id_number_index = index  # what the load writes: not computed again
            if index in first_row_of:
                message = _("The same person as row %(row)d.") % {"row": first_row_of[index]}
                row_problems.append(problem(number, "id_number", message))
            else:
                first_row_of[index] = number
        problems.extend(row_problems)
        if not row_problems:
            candidates.append((number, resident, index))
    registered = _registered(actor=actor, indexes=list(first_row_of))
    residents = []
    for number, resident, index in candidates:
        if index in registered:
            problems.append(problem(number, "id_number", registered[index]))
        else:
            residents.append((number, resident))
    order = {column.key: position for position, column in enumerate(COLUMNS)}
    problems.sort(key=lambda p: (p["row"], order.get(p["column"], len(order))))
    return Checked(residents=residents, problems=problems, grids=list(grids.values()))


# --- Services ------------------------------------------------------------------------------


def _content_of(resident_import: ResidentImport) -> bytes:
    return base64.b64decode(resident_import.content)


def _import_area(*, actor: Any, token: ApiToken | None, grids: list[Area]) -> Area:
    """Where the import belongs (who sees it): the uploader's scope root; for whoever sees
    everything, the smallest area holding the file's grids."""
    root = scope_root(actor, token)
    if isinstance(root, Area):
        return root
    paths = [grid.path for grid in grids]
    if paths:
        common = paths[0]
        for path in paths[1:]:
            while not path.startswith(common):
                common = common[: common.rstrip("/").rfind("/") + 1]
        found = Area.objects.filter(path=common).first()
        if found is not None:
            return found
    district = Area.objects.filter(parent=None).order_by("pk").first()
    if district is None:
        raise ValidationError({"file": _("There is no area to import into yet.")})
    return district


@transaction.atomic
def resident_import_check(
    *, actor: Any, file_name: str, content: bytes, token: ApiToken | None = None
) -> ResidentImport:
    """Check a file (the dry run) and keep it with its report; no resident is written."""
    require_perm(actor, "population.add_residentimport")
    require_perm(actor, "population.add_resident")
    sheet = read_sheet(content)
    checked = check_rows(actor=actor, sheet=sheet, token=token)
    resident_import = ResidentImport(
        area=_import_area(actor=actor, token=token, grids=checked.grids),
        uploaded_by=actor if getattr(actor, "pk", None) else None,
        file_name=(file_name or "residents")[-200:],
        file_format=sheet.file_format,
        content=base64.b64encode(content).decode(),
        row_count=len(sheet.rows),
        problems=checked.problems,
    )
    require_perm(actor, "population.add_residentimport", resident_import)
    resident_import.save()
    return resident_import


# Fields whose database values COPY's text format carries as str() writes them.
COPY_FIELD_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "DateField",
        "DateTimeField",
        "ForeignKey",
        "IntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "TextField",
    }
)
# COPY's text format: NULL is \N; backslash, tab and line breaks are escaped.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
# Field classes whose pre_save is the plain attribute and whose database value, for COPY's
# text format, is str() of the Python value as model validation left it (a text, a number,
# a bool, a date, a foreign key's id): their column is written without the per-value
# get_db_prep_save calls (a quarter of a 100,000-row load). Any other field (a subclass, a
# DateTimeField that is not automatic) takes the field's own pre_save and get_db_prep_save.
_PLAIN_FIELDS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.BooleanField,
    models.DateField,
    models.ForeignKey,
)

Encoder = Callable[[models.Model], str]


def _plain_text(value: Any) -> str:
    return "\\N" if value is None else str(value).translate(_COPY_ESCAPES)


def _is_plain(field: models.Field) -> bool:
    automatic = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    return type(field) in _PLAIN_FIELDS and not automatic


def _encoder(field: models.Field, db: Any, now: datetime.datetime) -> Encoder:
    """The COPY text of one column of a row about to be inserted, as save() would write it:
    the field's pre_save (a timestamp, a blind index) and database value (the SM4-GCM
    ciphertext), with what can be made once per load made once (`now`, the cipher's key and
    associated data, the HMAC's keyed state)."""
    attname = field.attname
    if isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add):
        # One transaction, one moment (as PostgreSQL's now() is): set as pre_save sets it.
        text = _plain_text(field.get_db_prep_save(now, db))

        def stamped(obj: models.Model) -> str:
            setattr(obj, attname, now)
            return text

        return stamped
    if type(field) is EncryptedCharField:
        seal = encryptor(context=field.context, nonces_at_once=4096)

        def sealed(obj: models.Model) -> str:
            value = getattr(obj, attname)
            if value is None:
                return "\\N"
            return seal(str(value)) if value != "" else ""  # base64: nothing to escape

        return sealed
    if type(field) is BlindIndexField:
        index_of = field.indexer()
        source = field.source

        def indexed(obj: models.Model) -> str:
            # check_rows sets the ID number's index from the number it has just normalised
            # (the duplicate check needed it): kept, not computed a second time.
            value = getattr(obj, attname) or index_of(getattr(obj, source))
            setattr(obj, attname, value)
            return "\\N" if value is None else value  # hex digits

        return indexed
    if _is_plain(field):

        def plain(obj: models.Model) -> str:
            value = getattr(obj, attname)
            return "\\N" if value is None else str(value).translate(_COPY_ESCAPES)

        return plain

    def prepared(obj: models.Model) -> str:
        return _plain_text(field.get_db_prep_save(field.pre_save(obj, True), db))

    return prepared


def _copy_fits(model: type[models.Model], db: Any) -> bool:
    return db.vendor == "postgresql" and all(
        field.get_internal_type() in COPY_FIELD_TYPES
        for field in model._meta.concrete_fields
        if not field.primary_key
    )


def _copy(db: Any, model: type[models.Model], fields: list[models.Field], lines: list[str]) -> None:
    table = db.ops.quote_name(model._meta.db_table)
    columns = ", ".join(db.ops.quote_name(field.column) for field in fields)
    with db.cursor() as cursor, db.wrap_database_errors:
        cursor.copy_expert(
            f"COPY {table} ({columns}) FROM STDIN", io.StringIO("\n".join(lines) + "\n")
        )


def _reserve_ids(db: Any, model: type[models.Model], count: int) -> list[int]:
    """`count` primary keys drawn from the table's own sequence (as INSERT draws them), so
    that rows COPYed with them can be referred to at once (their move-in events)."""
    pk = model._meta.pk
    assert pk is not None
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _insert(residents: list[Resident]) -> None:
    """INSERT the residents and set their primary keys. On PostgreSQL through COPY: every
    value is still the model's own (`_encoder`: each field's pre_save and database value:
    timestamps, the SM4-GCM ciphertext with its fresh nonce, the blind indexes), but COPY
    skips building and interpolating ~26,000 parameters per INSERT statement, more than half
    of a 100,000-row load (bench/RESULTS.md). Elsewhere, or once a field's values are not
    plain text, numbers and dates, bulk_create in batches."""
    db = connections[Resident.objects.db]  # the connection itself, not the proxy: per value
    if not _copy_fits(Resident, db):
        for start in range(0, len(residents), BATCH):
            Resident.objects.bulk_create(residents[start : start + BATCH])
        return
    now = timezone.now()
    pk = Resident._meta.pk
    assert pk is not None
    fields = [field for field in Resident._meta.concrete_fields if not field.primary_key]
    # The plain columns read together (one attrgetter call a row), then the others, each
    # through its encoder: COPY names its columns, so their order is ours.
    plain = [field for field in fields if _is_plain(field)]
    made = [field for field in fields if not _is_plain(field)]
    encoders = [_encoder(field, db, now) for field in made]
    read_plain = operator.attrgetter(*[field.attname for field in plain], "pk")  # a tuple
    ids = _reserve_ids(db, Resident, len(residents))
    lines = []
    for resident, pk_value in zip(residents, ids, strict=True):
        resident.pk = pk_value
        lines.append(
            "\t".join(
                [
                    *map(_plain_text, read_plain(resident)),
                    *[encode(resident) for encode in encoders],
                ]
            )
        )
    _copy(db, Resident, [*plain, pk, *made], lines)
    for resident in residents:
        resident._state.adding = False
        resident._state.db = db.alias


def _record_moves_in(residents: list[Resident], *, actor: Any) -> None:
    """Each loaded person's first dated event, as resident_register records it (P2): moved
    in today, into their grid, with their status. The residents have their keys (_insert)."""
    today = timezone.localdate()
    recorded_by = actor if getattr(actor, "pk", None) else None
    template = ResidentEvent(
        kind=EventKind.MOVE_IN, happened_on=today, recorded_by=recorded_by, new_status=""
    )
    db = connections[ResidentEvent.objects.db]
    if any(resident.pk is None for resident in residents):  # a backend bulk_create gives no keys
        keys: dict[str | None, int] = {}
        indexes = [resident.id_number_index for resident in residents]
        for start in range(0, len(indexes), LOOKUP_CHUNK):
            chunk = indexes[start : start + LOOKUP_CHUNK]
            keys.update(
                Resident.objects.filter(id_number_index__in=chunk).values_list(
                    "id_number_index", "pk"
                )
            )
        for resident in residents:
            resident.pk = keys[resident.id_number_index]
    if not _copy_fits(ResidentEvent, db):
        ResidentEvent.objects.bulk_create(
            [
                ResidentEvent(
                    resident_id=resident.pk,
                    kind=template.kind,
                    happened_on=today,
                    to_grid_id=resident.grid_id,
                    new_status=resident.status,
                    recorded_by=recorded_by,
                )
                for resident in residents
            ],
            batch_size=BATCH,
        )
        return
    # The columns every event of the load shares, written once from one event, as its
    # fields write them; only the person, their grid and their status differ per line.
    fields = [field for field in ResidentEvent._meta.concrete_fields if not field.primary_key]
    now = timezone.now()
    shared = [_encoder(field, db, now)(template) for field in fields]
    names = [field.name for field in fields]
    person, grid, status = (
        names.index("resident"),
        names.index("to_grid"),
        names.index("new_status"),
    )
    lines = []
    for resident in residents:
        line = shared.copy()
        line[person] = str(resident.pk)
        line[grid] = str(resident.grid_id)
        line[status] = _plain_text(resident.status)
        lines.append("\t".join(line))
    _copy(db, ResidentEvent, fields, lines)


@transaction.atomic
def resident_import_load(
    *,
    actor: Any,
    resident_import: ResidentImport,
    valid_only: bool = False,
    token: ApiToken | None = None,
) -> ResidentImport:
    """Load a checked import: every row if the file (checked again now) is clean, or with
    `valid_only` only the rows without a problem. In one transaction: all or nothing.

    The import's row is locked first, so two clicks (or two workers) load it once: the
    second finds it loaded and loads nothing. If the check now finds a problem it did not
    find before and `valid_only` is not set, nothing is loaded and the import keeps the new
    report (its status stays "checked")."""
    current = ResidentImport.objects.select_for_update().get(pk=resident_import.pk)
    require_perm(actor, "population.change_residentimport", current)
    require_perm(actor, "population.add_resident")
    if current.status == ImportStatus.LOADED:
        return current
    checked = check_rows(actor=actor, sheet=read_sheet(_content_of(current)), token=token)
    current.problems = checked.problems
    if checked.problems and not valid_only:
        current.save(update_fields=["problems"])
        return current
    if not checked.residents:
        raise ValidationError({"file": _("No row of the file can be loaded.")})
    residents = [resident for _number, resident in checked.residents]
    try:
        with transaction.atomic():  # a savepoint, so that the error below can be reported
            _insert(residents)
            _record_moves_in(residents, actor=actor)
    except IntegrityError:
        # The unique blind index: someone registered a person of the file meanwhile.
        raise ValidationError(
            {
                "file": _(
                    "A person in the file was registered by someone else while it loaded; "
                    "nothing was loaded. Check the file again."
                )
            }
        ) from None
    current.status = ImportStatus.LOADED
    current.valid_only = bool(checked.problems)
    current.loaded_count = len(residents)
    current.loaded_at = timezone.now()
    current.save(update_fields=["problems", "status", "valid_only", "loaded_count", "loaded_at"])
    return current


# --- Files: the template and the rejected rows --------------------------------------------

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def rows_as_csv(rows: list[dict[str, str]]) -> bytes:
    """JSON rows (the API's) as the CSV file they stand for, so that they are kept, checked
    and loaded as a file is. Keys other than the columns' become columns the check refuses."""
    keys = [column.key for column in COLUMNS]
    keys += sorted({key for row in rows for key in row} - set(keys))
    return write_rows("csv", keys, ([row.get(key, "") for key in keys] for row in rows))


def write_rows(file_format: str, header: list[str], rows: Iterable[list[str]]) -> bytes:
    """A one-sheet file in the upload's format. CSV gets a byte-order mark, so that Excel
    opens its Chinese as UTF-8; XLSX cells are text, so an ID number keeps its 18 digits."""
    if file_format == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Residents"))
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8-sig")


def template_file(file_format: str) -> bytes:
    """The empty template: the header row in the user's language (uploads accept English
    and Chinese headers alike). The XLSX one formats every column as text and explains the
    columns on a second sheet."""
    header = [column.label for column in COLUMNS]
    if file_format != "xlsx":
        return write_rows("csv", header, [])
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Residents")
    sheet.append(header)
    for index in range(1, len(COLUMNS) + 1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = 22
        sheet.column_dimensions[letter].number_format = "@"  # text: 18 digits stay 18 digits
        for row in range(2, 1002):
            sheet.cell(row=row, column=index).number_format = "@"
    notes = workbook.create_sheet(_("Notes"))
    notes.append([_("Column"), _("Chinese header"), _("Required"), _("What to write")])
    explained = {
        "grid_code": _("The grid's code (15 digits), as the area tree shows it."),
        "name": _("The resident's name."),
        "id_number": _(
            "The 18-character citizen ID number (GB 11643), required in every row: register "
            "a foreign national without one on the “Register a resident” page or through the API."
        ),
        "phone": _("An 11-digit mobile number or a landline with its area code."),
        "status": _("户籍 / 流动 / 境外 (registered / floating / foreign); empty: 户籍."),
        "address": _("Building, unit and room."),
        "employer": _("Employer or place of work."),
    }
    for column in COLUMNS:
        required = _("yes") if column.required else _("no")
        notes.append([column.english, column.chinese, required, explained[column.key]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rejected_rows_file(resident_import: ResidentImport) -> bytes:
    """The rows of the import that were not loaded, as uploaded, in its format, with a
    problems column: corrected, the file can be uploaded again as it is."""
    sheet = read_sheet(_content_of(resident_import))
    labels = {column.key: column.label for column in COLUMNS}
    messages: dict[int, list[str]] = {}
    for found in resident_import.problems:
        label = labels.get(found["column"], found["column"])
        text = f"{label}: {found['message']}" if label else found["message"]
        messages.setdefault(found["row"], []).append(text)
    whole_file = messages.get(HEADER_ROW, [])
    keep = [i for i, key in enumerate(sheet.keys) if key != PROBLEMS]
    header = [sheet.header[i] for i in keep] + [_("problems")]
    rows = (
        [cells[i] if i < len(cells) else "" for i in keep]
        + ["; ".join(whole_file + messages.get(number, []))]
        for number, cells in sheet.rows
        if whole_file or number in messages
    )
    return write_rows(resident_import.file_format, header, rows)
