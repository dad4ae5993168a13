"""Importing a roster: a dry run that sorts every row, then writing the valid ones.

Rows are matched to the children the importer may edit through the blind index of their
ID number: the same child is updated (with history) or left unchanged, never registered
twice. An ID number that a record outside the importer's reach holds, in any of the row's
ID columns (a child of another village, school or county, or a family member of one), is
a fault told in one neutral sentence whatever holds it, and is held for the county
(guanai/conflicts). The same child twice in one file is a fault naming the other row.
Rows without an ID number are matched by village, name and birth date. A row that breaks
a rule of the child's file (children.rules: a birth date in the future, 父母一方监护 with
both parents away) is a fault with the form's message, the same in the check as when the
services write it.

The file is read, checked and (when writing) written `BATCH` rows at a time, each batch in
its own transaction, so memory stays flat in row count and a running import reports its
progress and can be stopped between batches.
"""

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanai.accounts.models import User
from guanai.accounts.scope import ChildAccess
from guanai.areas.selectors import schools_visible_to
from guanai.children.bulk import page_cache
from guanai.children.choices import Subject
from guanai.children.completeness import missing_after
from guanai.children.equivalence import same_value, same_work_place
from guanai.children.errors import identity_conflict_message
from guanai.children.fields import SECRET_FIELDS
from guanai.children.history import recording_batch
from guanai.children.idnumber import id_index
from guanai.children.models import Child, Person
from guanai.children.rules import child_violations
from guanai.children.selectors import (
    children_visible_to,
    id_numbers_held_out_of_reach,
    villages_editable_by,
)
from guanai.children.services import child_update, children_create_many
from guanai.conflicts.services import Claim
from guanai.core.crypto import remembering_indexes
from guanai.core.errors import ApplicationError
from guanai.roster.columns import (
    BY_KEY,
    HEADER_SEARCH_ROWS,
    HeaderMatch,
    match_header,
    unknown_header_message,
)
from guanai.roster.reading import read_sheet
from guanai.roster.rows import Places, RosterRow, RowError, RowReader

# Rows are matched against the database this many at a time.
BATCH = 2000


class Action:
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    ERROR = "error"


@dataclass
class PlannedRow:
    row: RosterRow
    action: str
    existing: Child | None = None
    # The official fields the child's file will still lack (待补充) once the row is written.
    missing: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    """What a dry run found, or an import did: counts per action, the faulty rows (with the
    cells as read, for the error file), warnings, and the file's own header row."""

    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            (Action.CREATE, Action.UPDATE, Action.UNCHANGED, Action.ERROR), 0
        )
    )
    faulty: list[RosterRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    headers: list[object] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # headers not matched to a field
    rows: int = 0  # data rows read
    total: int = 0  # rows in the file, blank ones included: the measure of progress
    # Valid rows whose child will be 待补充, and per missing field how many of them lack it.
    incomplete: int = 0
    missing: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> list[RowError]:
        return [error for row in self.faulty for error in row.errors]


# Called after each batch with (rows read, rows in the file); may raise to stop the import.
Progress = Callable[[int, int], None]
# Called after each batch, before it is written, with the ID numbers found held out of the
# importer's reach (guanai/conflicts); may raise to stop the import.
Hold = Callable[[list[Claim]], None]


def importer_places(user: User) -> Places:
    """The villages and schools where the user may register children."""
    villages = villages_editable_by(user).select_related("parent")
    return Places(list(villages), list(schools_visible_to(user)))


# Foreign keys are compared by key, without fetching the related row.
_ATTNAMES = {f.name: f.attname for f in Child._meta.concrete_fields}


def _changed(row: RosterRow, child: Child) -> bool:
    """Whether the row would change the child: values meaning what is held (广东 for
    广东省, equivalence.same_value) are no change, as the services will not write them."""
    # A row that completes the file (待补充) changes it, even where what it fills in is what
    # an unknown stands for (a parent recorded as not away, now stated so).
    if set(missing_after(child, row.updates(), row.family)) != set(child.missing_fields):
        return True
    for name, value in row.updates().items():
        if name in SECRET_FIELDS and not value:
            continue  # blank keeps what is held
        if not same_value(name, getattr(child, _ATTNAMES[name]), value):
            return True
    return any(_person_changed(given, getattr(child, slot)) for slot, given in row.family.items())


def _person_changed(given: dict[str, Any] | None, held: Person | None) -> bool:
    if given is None or held is None:
        return (given is None) != (held is None)
    for name, value in given.items():
        if name in ("work_province", "work_city"):
            continue  # compared as one place below: "广东省深圳市" is "广东深圳市"
        if name in SECRET_FIELDS and not value:
            continue
        if not same_value(name, getattr(held, name), value):
            return True
    return "work_province" in given and not same_work_place(
        (held.work_province, held.work_city), (given["work_province"], given["work_city"])
    )


@dataclass(frozen=True)
class _Typed:
    """An ID number in a row: for whom, in which column, and whether the row's child (or
    that family slot of theirs) holds it already."""

    slot: str
    column: str
    number: str
    person: dict[str, Any] | None
    already: bool


def _typed(row: RosterRow, held: Child | None) -> Iterator[_Typed]:
    if row.child.get("id_number"):
        label = str(_("身份证号码"))
        yield _Typed(Subject.CHILD.value, label, row.child["id_number"], None, held is not None)
    for slot, person in row.family.items():
        if person and person.get("id_number"):
            current: Person | None = getattr(held, slot) if held is not None else None
            already = current is not None and current.id_number_index == id_index(
                person["id_number"]
            )
            label = str(BY_KEY[f"{slot}_id_number"].label)
            yield _Typed(slot, label, person["id_number"], person, already)


def _out_of_reach(
    user: User, batch: list[RosterRow], existing: dict[int, Child]
) -> tuple[dict[int, list[Claim]], dict[int, list[RowError]]]:
    """Per row, the ID numbers in it that records outside the user's reach hold, whichever
    column they are in: claims to hold for the county. A number the row's child, or that
    family slot of theirs, holds already is no claim; but a family member they share with
    children out of the user's reach is not theirs to change (a fault, as on the form)."""
    typed = {row.row: list(_typed(row, existing.get(row.row))) for row in batch if not row.errors}
    holders = id_numbers_held_out_of_reach(
        user, {id_index(t.number) for numbers in typed.values() for t in numbers}
    )
    claims: dict[int, list[Claim]] = {}
    shared: dict[int, list[RowError]] = {}
    for row in batch:
        for t in typed.get(row.row, []):
            holder = holders.get(id_index(t.number))
            if holder is None:
                continue
            if not t.already:
                claims.setdefault(row.row, []).append(
                    Claim(
                        typed_for=t.slot,
                        id_number=t.number,
                        index=id_index(t.number),
                        holder=holder,
                        child_name=row.child.get("name") or "",
                        person_name=(t.person or {}).get("name") or "",
                        birth_date=row.child.get("birth_date"),
                        village=row.child.get("village"),
                        row=row.row,
                        column=t.column,
                    )
                )
            elif t.slot != Subject.CHILD:
                shared.setdefault(row.row, []).append(
                    RowError(
                        row.row,
                        t.column,
                        t.number,
                        _(
                            "该家庭成员也登记在您管辖范围以外的儿童档案中，不能在这里修改，请联系县民政局。"
                        ),
                    )
                )
    return claims, shared


def _plan_batch(
    user: User,
    batch: list[RosterRow],
    seen: dict[str, int],
    held_out: list[Claim],
    reader: RowReader,
) -> Iterator[PlannedRow]:
    """Sort a batch of rows; the claims on records out of the user's reach go to `held_out`
    (their rows are faults, with the one neutral message). A row breaking a rule of the
    child's file (children.rules) is a fault with the rule's message: the same call, on
    the same values, as the services make when the row is written."""
    indexes = {
        row.row: id_index(row.child["id_number"])
        for row in batch
        if not row.errors and row.child.get("id_number")
    }
    # Only children the user may edit are matched: any other holding a number is a claim.
    held = {
        child.id_number_index: child
        for child in children_visible_to(user, access=ChildAccess.EDIT)
        .filter(id_number_index__in=set(indexes.values()))
        .select_related("father", "mother", "guardian")
    }
    without_id = _held_without_id(user, [r for r in batch if not r.errors and r.row not in indexes])
    existing: dict[int, Child] = {}
    ambiguous: dict[int, int] = {}  # row -> how many held children it could be
    for row in batch:
        if row.errors:
            continue
        index = indexes.get(row.row)
        if index:
            matches = [held[index]] if index in held else []
        else:
            matches = without_id.get(_identity(row), [])
        if len(matches) == 1:
            existing[row.row] = matches[0]
        elif len(matches) > 1:
            ambiguous[row.row] = len(matches)
    claims, shared = _out_of_reach(user, batch, existing)
    for row in batch:
        for claim in claims.get(row.row, []):
            row.errors.append(
                RowError(row.row, claim.column, claim.id_number, identity_conflict_message())
            )
            held_out.append(claim)
        row.errors.extend(shared.get(row.row, []))
        if row.row in ambiguous:
            row.errors.append(
                RowError(
                    row.row,
                    _("姓名"),
                    row.child["name"],
                    _(
                        "该村有 %(count)d 名儿童的姓名和出生日期与这一行相同，无法确定是哪一名，"
                        "请填写完整的身份证号码。"
                    )
                    % {"count": ambiguous[row.row]},
                )
            )
        if row.errors:
            yield PlannedRow(row, Action.ERROR)
            continue
        index = indexes.get(row.row)
        found = existing.get(row.row)
        repeated = _repeated_child(
            row, seen, index=index, same=_same_child_key(row, found, has_id=bool(index))
        )
        if repeated is not None:
            row.errors.append(repeated)
            yield PlannedRow(row, Action.ERROR)
            continue
        values = row.child if found is None else row.updates()
        for violation in child_violations(
            values=values, family=row.family, held=found, today=reader.today
        ):
            row.errors.append(reader.rule_fault(row, violation))
        if found is None and row.masked:
            # Starred-out values stand for what is held: a new child has nothing held.
            row.errors.extend(row.masked)
        if row.errors:
            yield PlannedRow(row, Action.ERROR)
        elif found is None:
            yield PlannedRow(row, Action.CREATE, missing=missing_after(None, row.child, row.family))
        elif _changed(row, found):
            missing = missing_after(found, row.updates(), row.family)
            yield PlannedRow(row, Action.UPDATE, found, missing)
        else:
            yield PlannedRow(row, Action.UNCHANGED, found, list(found.missing_fields))


def _identity(row: RosterRow) -> tuple[int, str, date | None]:
    village = row.child["village"]
    return village.pk, row.child["name"], row.child["birth_date"]


def _repeated_child(
    row: RosterRow, seen: dict[str, int], *, index: str | None, same: str
) -> RowError | None:
    """The fault of a row that is the same child as an earlier row of the file (it would
    overwrite that row): the same ID number, or the same `_same_child_key` (an ID number in
    one row, the village, name and birth date in the other, or the same without an ID
    number twice). None otherwise, the row then noted in `seen` under its keys."""
    if index:
        if index in seen:
            message = _("与第 %(row)d 行是同一名儿童（身份证号码相同）。") % {"row": seen[index]}
            return RowError(row.row, _("身份证号码"), row.child["id_number"], message)
        seen[index] = row.row
    if same:
        if same in seen:
            message = _("与第 %(row)d 行是同一名儿童。") % {"row": seen[same]}
            return RowError(row.row, _("姓名"), row.child["name"], message)
        seen[same] = row.row
    return None


def _same_child_key(row: RosterRow, found: Child | None, *, has_id: bool) -> str:
    """What tells two rows of a file are one child: the child held they match, or for a new
    child without an ID number (new ones with one are told apart by it) its village, name
    and birth date."""
    if found is not None:
        return f"child:{found.pk}"
    if has_id:
        return ""
    village, name, birth = _identity(row)
    return f"new:{village}:{name}:{birth}"


def _held_without_id(user: User, rows: list[RosterRow]) -> dict[tuple, list[Child]]:
    """Children the user may edit matching rows that carry no ID number (or a starred one),
    by village, name and birth date: one query for the batch. More than one child for a
    row is no match: the row cannot say which."""
    if not rows:
        return {}
    wanted = {_identity(row) for row in rows}
    candidates = (
        children_visible_to(user, access=ChildAccess.EDIT)
        .filter(
            village__in={village for village, _n, _b in wanted},
            name__in={name for _v, name, _b in wanted},
        )
        .select_related("father", "mother", "guardian")
        .order_by("pk")
    )
    found: dict[tuple, list[Child]] = {}
    for child in candidates:
        key = (child.village_id, child.name, child.birth_date)
        if key in wanted:
            found.setdefault(key, []).append(child)
    return found


def import_roster(
    *,
    user: User,
    data: bytes,
    write: bool,
    today: date | None = None,
    mapping: dict[str, str] | None = None,
    batch_id: int | None = None,
    progress: Progress | None = None,
    max_bytes: int | None = None,
    hold: Hold | None = None,
) -> ImportReport:
    """Read and sort every row of a roster file; with `write`, also write the valid rows
    through the registry's services (history, review state, scope check), batch by batch.
    Without it nothing is written: the dry run. History entries carry `batch_id`.

    Rows with an ID number held out of the importer's reach are faults with the one
    neutral message, whatever holds it; `hold` gets them, batch by batch."""
    sheet = read_sheet(data, max_bytes=max_bytes)
    head = list(itertools.islice(sheet.rows, HEADER_SEARCH_ROWS))
    match: HeaderMatch | None = match_header(head, mapping)
    if match is None:
        raise ApplicationError(
            _("找不到表头：第一行（或标题下面）应是“姓名”“身份证号码”等列名。可下载导入模板对照。")
        )
    report = ImportReport(
        headers=list(head[match.row_index]),
        unknown=[header for _i, header in match.unknown],
        total=max(sheet.size - match.row_index - 1, 0),
    )
    if match.unknown:
        report.warnings.append(unknown_header_message(match))
    reader = RowReader(
        match, head[match.row_index], importer_places(user), today or timezone.localdate()
    )
    remaining: Iterable[list[object]] = itertools.chain(head[match.row_index + 1 :], sheet.rows)
    seen: dict[str, int] = {}
    batch: list[RosterRow] = []
    masked_seen = False

    def flush() -> None:
        nonlocal masked_seen
        held_out: list[Claim] = []
        planned = list(_plan_batch(user, batch, seen, held_out, reader))
        if held_out and hold is not None:
            hold(held_out)
        if not masked_seen and any(row.masked for row in batch):
            masked_seen = True
            report.warnings.append(masked_warning())
        for item in planned:
            report.counts[item.action] += 1
            if item.action == Action.ERROR:
                report.faulty.append(item.row)  # with its cells, for the error file
            elif item.missing:
                report.incomplete += 1
                for name in item.missing:
                    report.missing[name] = report.missing.get(name, 0) + 1
        if write:
            _write(user, planned, batch_id)
        report.rows += len(batch)
        batch.clear()
        if progress is not None:
            progress(min(report.rows, report.total), report.total)

    # A larger SQLite page cache while it lasts, as for the demo: the children's indexes take
    # rows in random order (a no-op elsewhere).
    with remembering_indexes(), page_cache(connections[router.db_for_write(Child)], 64 * 1024):
        for roster_row in reader.rows(iter(remaining)):
            batch.append(roster_row)
            if len(batch) >= BATCH:
                flush()
        flush()
    report.total = report.rows  # blank rows and the totals row are not counted
    return report


def masked_warning() -> str:
    return _(
        "这是一份脱敏导出的花名册：带 * 的身份证号码、电话和住址视为不变，已登记的儿童按村、"
        "姓名和出生日期对应；新儿童须填写完整信息。"
    )


def import_plan(*, user: User, data: bytes, **options: Any) -> ImportReport:
    """The dry run: every row read and sorted, nothing written."""
    return import_roster(user=user, data=data, write=False, **options)


def _write(user: User, planned: list[PlannedRow], batch_id: int | None) -> None:
    """One batch's valid rows, in one transaction: new children in bulk, updates one by one.
    Faulty rows are left out."""
    creates = [p.row for p in planned if p.action == Action.CREATE]
    updates = [p for p in planned if p.action == Action.UPDATE and p.existing is not None]
    if not creates and not updates:
        return
    with transaction.atomic(), recording_batch(batch_id):
        if creates:
            children_create_many(user=user, entries=[(row.child, row.family) for row in creates])
        for item in updates:
            assert item.existing is not None
            child_update(
                user=user,
                child_id=item.existing.pk,
                data=item.row.updates(),
                family=item.row.family,
            )
