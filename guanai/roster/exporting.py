"""The official roster out: xlsx and CSV of a filtered list, within the user's scope.

Rows are read in chunks and written as they come (xlsxwriter in constant-memory mode, CSV
streamed), so memory stays flat in the number of children. ID numbers, phones and
addresses are masked unless the user may reveal them and asked for them in full, with a
reason; every export is logged with its filter, format and row count.
"""

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

import xlsxwriter  # type: ignore[import-untyped]  # no stubs published
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from guanai.accounts.models import User
from guanai.accounts.scope import ChildAccess
from guanai.audit.models import AccessEvent
from guanai.audit.services import access_record
from guanai.children.models import Child, Person
from guanai.core.crypto import mask_address, mask_id_number, mask_phone
from guanai.core.errors import ApplicationError
from guanai.roster.columns import COLUMNS

CHUNK = 2000
HEADERS = [column.label for column in COLUMNS]


def _yes_no(value: bool) -> str:
    return "是" if value else "否"


def _person_cells(person: Person | None, *, full: bool, work: bool) -> list[str]:
    if person is None:
        return ["", "", "", ""] if work else ["", "", ""]
    id_number = person.id_number if full else mask_id_number(person.id_number)
    phone = person.phone if full else mask_phone(person.phone)
    cells = [person.name, id_number]
    if work:
        cells.append(person.work_place if person.away_for_work else "")
    return [*cells, phone]


def roster_row(child: Child, *, full: bool) -> list[Any]:
    """One child in the official layout (`columns.COLUMNS`)."""
    village = child.village
    father = _person_cells(child.father, full=full, work=True)
    mother = _person_cells(child.mother, full=full, work=True)
    guardian = child.guardian
    guardian_cells = _person_cells(guardian, full=full, work=False)
    return [
        child.name,
        child.get_gender_display(),
        child.ethnicity,
        child.birth_date.isoformat(),
        child.id_number if full else mask_id_number(child.id_number),
        village.parent.name if village.parent else "",
        village.short_name,
        _yes_no(child.hukou_rural),
        child.address if full else mask_address(child.address),
        child.get_health_display(),
        child.get_schooling_display(),
        child.school.name if child.school else "",
        child.grade,
        child.class_name,
        _yes_no(child.boarding),
        *father,
        *mother,
        guardian_cells[0],
        child.get_guardian_relationship_display() if child.guardian_relationship else "",
        guardian_cells[1],
        guardian_cells[2],
        child.get_guardianship_type_display(),
        child.get_assessment_display(),
        child.get_risk_level_display(),
        "",
    ]


def roster_rows(children: QuerySet[Child], *, full: bool) -> Iterator[list[Any]]:
    rows = children.select_related("village__parent", "school", "father", "mother", "guardian")
    for child in rows.iterator(chunk_size=CHUNK):
        yield roster_row(child, full=full)


def write_xlsx(rows: Iterable[list[Any]], out: IO[bytes], *, title: str) -> int:
    """The roster as an xlsx workbook, in constant memory; returns the row count."""
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet(_("花名册"))
    bold = book.add_format({"bold": True, "align": "center"})
    text = book.add_format({"num_format": "@"})  # ID numbers stay text in Excel
    sheet.write(0, 0, title, bold)
    sheet.write_row(1, 0, HEADERS, bold)
    sheet.set_column(0, len(HEADERS) - 1, 14, text)
    count = 0
    for count, row in enumerate(rows, start=1):
        sheet.write_row(count + 1, 0, row)
    book.close()
    return count


def csv_chunks(rows: Iterable[list[Any]]) -> Iterator[str]:
    """The roster as CSV text, a line at a time, with a BOM so Excel reads it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def export_check(*, user: User, full: bool, reason: str) -> None:
    """Full ID numbers, phones and addresses only for those who may reveal, with a reason."""
    from guanai.accounts.scope import scope_for

    if full and ChildAccess.REVEAL not in scope_for(user).child_access():
        raise ApplicationError(_("您的角色不能导出完整的身份证号码。"))
    if full and not reason.strip():
        raise ApplicationError(_("导出完整身份证号码须填写理由。"), field="reason")


def export_log(
    *,
    user: User,
    fmt: str,
    rows: int,
    full: bool,
    reason: str,
    filters: dict[str, str],
    request: HttpRequest | None = None,
) -> None:
    access_record(
        user=user,
        action=AccessEvent.Action.EXPORT,
        target="roster",
        reason=reason,
        detail={"format": fmt, "rows": rows, "full_ids": full, "filter": filters},
        request=request,
    )


def spooled_xlsx(rows: Iterable[list[Any]], *, title: str) -> tuple[IO[bytes], int]:
    """Write the workbook to a temporary file (it must be complete before it is sent)."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    count = write_xlsx(rows, out, title=title)
    out.seek(0)
    return out, count
