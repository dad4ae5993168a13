"""The official roster out: xlsx and CSV of a filtered list, within the user's scope.

Rows are read in chunks and written as they come (xlsxwriter in constant-memory mode, CSV
streamed), so memory stays flat in the number of children. ID numbers, phones and
addresses are masked unless the user may reveal them and asked for them in full, with a
reason; every export is logged with its filter, format and row count.
"""

from collections.abc import Iterable, Iterator
from typing import IO, Any

import xlsxwriter  # type: ignore[import-untyped]  # no stubs published
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from guanai.accounts.models import User
from guanai.accounts.scope import ChildAccess, scope_for
from guanai.areas.models import village_short_name
from guanai.audit.models import AccessEvent
from guanai.audit.services import access_record
from guanai.children.choices import FamilySlot, MissingField
from guanai.children.completeness import UNKNOWN_MARK
from guanai.children.models import Child
from guanai.core.crypto import mask_address, mask_id_number, mask_phone
from guanai.core.errors import ApplicationError
from guanai.core.spreadsheets import SAFE_XLSX
from guanai.roster.columns import COLUMNS
from guanai.roster.vocabulary import AWAY_WITHOUT_PLACE

CHUNK = 2000
HEADERS = [column.label for column in COLUMNS]


def _yes_no(value: bool) -> str:
    return "是" if value else "否"


# Coded fields written by their labels.
_LABELLED = (
    "gender",
    "health",
    "schooling",
    "guardian_relationship",
    "guardianship_type",
    "assessment",
    "risk_level",
)
_PERSON = ("name", "id_number", "phone", "away_for_work", "work_province", "work_city")


def labels() -> dict[str, dict[str, str]]:
    """Each coded field's labels in the current language, resolved once per export
    (Django's get_FOO_display resolves every lazy label again on every call)."""
    return {
        name: {code: str(label) for code, label in Child._meta.get_field(name).choices or []}  # type: ignore[union-attr]
        for name in _LABELLED
    }


def roster_rows(children: QuerySet[Child], *, full: bool) -> Iterator[list[Any]]:
    """The children in the official layout, read as plain tuples in chunks: no model
    objects, and only the columns shown are read and decrypted (flat memory, and fast:
    see bench/export_bench.py)."""
    label = labels()
    gender, health, schooling = label["gender"], label["health"], label["schooling"]
    relationship, kind = label["guardian_relationship"], label["guardianship_type"]
    assessment, risk = label["assessment"], label["risk_level"]
    # A parent away whose place is not known: the import reads it back as away.
    away_no_place = str(AWAY_WITHOUT_PLACE)
    id_shown = (lambda v: v) if full else mask_id_number
    phone_shown = (lambda v: v) if full else mask_phone
    address_shown = (lambda v: v) if full else mask_address
    person_columns = [f"{slot}__{f}" for slot in FamilySlot.values for f in _PERSON]
    columns = [
        "name", "gender", "ethnicity", "birth_date", "id_number", "village__parent__name",
        "village__name", "hukou_rural", "address", "health", "schooling", "school__name",
        "grade", "class_name", "boarding", "guardian_relationship", "guardianship_type",
        "assessment", "risk_level", "missing_fields", *person_columns,
    ]  # fmt: skip
    # A value not known yet (待补充) is written as such, and read back as unknown.
    unknown = UNKNOWN_MARK
    for values in children.values_list(*columns).iterator(chunk_size=CHUNK):
        (name, sex, ethnicity, birth, id_number, township, village, rural, address, state,
         school_state, school, grade, class_name, boarding, rel, guard, assess, level,
         missing) = values[:20]  # fmt: skip
        people = values[20:]
        work_unknown = MissingField.PARENTS_WORK in missing
        cells = [
            name, gender.get(sex, ""), ethnicity, birth.isoformat(), id_shown(id_number),
            township or "", village_short_name(village), _yes_no(rural), address_shown(address),
            health.get(state, unknown), schooling.get(school_state, unknown), school or "",
            grade, class_name, _yes_no(boarding),
        ]  # fmt: skip
        for offset, slot in ((0, "father"), (6, "mother"), (12, "guardian")):
            p_name, p_id, p_phone, away, province, city = people[offset : offset + 6]
            # While the parents' work is unknown, only "away" was ever stated.
            blank_work = unknown if work_unknown else ""
            if p_name is None:
                person = ["", "", blank_work, ""] if slot != "guardian" else ["", "", ""]
            elif slot == "guardian":
                person = [p_name, id_shown(p_id), phone_shown(p_phone)]
            else:
                work = (f"{province}{city}" or away_no_place) if away else blank_work
                person = [p_name, id_shown(p_id), work, phone_shown(p_phone)]
            if slot == "guardian":
                cells += [person[0], relationship.get(rel, ""), person[1], person[2]]
            else:
                cells += person
        cells += [
            kind.get(guard, unknown),
            assessment.get(assess, unknown),
            risk.get(level, ""),
            "",
        ]
        yield cells


def roster_title(*, full: bool) -> str:
    """The title row above the header: a masked export says what is masked, so that whoever
    opens the file (or imports it back) knows the starred values are not the real ones."""
    return _("留守儿童花名册") if full else _("留守儿童花名册（身份证号码、电话和住址已脱敏）")


def write_xlsx(rows: Iterable[list[Any]], out: IO[bytes], *, title: str) -> int:
    """The roster as an xlsx workbook, in constant memory; returns the row count."""
    book = xlsxwriter.Workbook(out, {"constant_memory": True, **SAFE_XLSX})
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


def export_check(*, user: User, full: bool, reason: str) -> None:
    """Full ID numbers, phones and addresses only for those who may reveal, with a reason."""
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
