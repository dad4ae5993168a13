"""Files handed to the people who fill rosters in: the blank import template, with
drop-down lists for coded columns, and the faulty rows of an import with their faults."""

from datetime import date, datetime
from typing import IO

import xlsxwriter  # type: ignore[import-untyped]  # no stubs published
from django.utils.translation import gettext as _

from guanai.core.spreadsheets import SAFE_XLSX
from guanai.roster.columns import COLUMNS
from guanai.roster.importing import ImportReport
from guanai.roster.vocabulary import CODED_COLUMNS, accepted

# Columns offered as a drop-down list in the template, with their values.
_YES_NO = ["是", "否"]


def _choices_for(key: str) -> list[str] | None:
    if key in ("hukou_rural", "boarding"):
        return _YES_NO
    return accepted(key) if key in CODED_COLUMNS else None


def write_template(out: IO[bytes]) -> None:
    """The blank roster with the official headers; ID-number and phone columns are text, so
    Excel keeps every digit; coded columns offer their values in a drop-down list."""
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet(_("花名册"))
    bold = book.add_format({"bold": True, "align": "center", "text_wrap": True})
    text = book.add_format({"num_format": "@"})
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.merge_range(0, 0, 0, len(COLUMNS) - 1, _("留守儿童花名册"), bold)
    for index, column in enumerate(COLUMNS):
        label = f"{column.label}*" if column.required else column.label
        sheet.write(1, index, label, bold)
        is_date = column.key == "birth_date"
        sheet.set_column(
            index, index, 16 if "id_number" in column.key else 12, dates if is_date else text
        )
        values = _choices_for(column.key)
        if values:
            sheet.data_validation(
                2, index, 5001, index,
                {"validate": "list", "source": values, "error_type": "warning"},
            )  # fmt: skip
    sheet.freeze_panes(2, 1)
    book.close()


def write_error_file(plan: ImportReport, out: IO[bytes]) -> int:
    """The faulty rows as they were read, with their faults in an added first column, to be
    corrected and imported again; returns how many rows it holds."""
    book = xlsxwriter.Workbook(out, {"in_memory": True, **SAFE_XLSX})
    sheet = book.add_worksheet(_("有错误的行"))
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "font_color": "#9c0006", "bg_color": "#ffc7ce"})
    text = book.add_format({"num_format": "@"})
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write(0, 0, _("错误说明"), bold)
    sheet.write_row(0, 1, [str(h) if h is not None else "" for h in plan.headers], bold)
    sheet.set_column(0, 0, 40, wrap)
    sheet.set_column(1, len(plan.headers), 14, text)
    count = 0
    for row in plan.faulty:
        count += 1
        faults = "；".join(f"{e.column}：{e.message}" for e in row.errors) + _(
            "（原第 %(row)d 行）"
        ) % {"row": row.row}
        sheet.write(count, 0, faults, wrap)
        for index, value in enumerate(row.cells, start=1):
            if isinstance(value, datetime | date):
                sheet.write_datetime(count, index, value, dates)
            elif isinstance(value, str):
                sheet.write_string(count, index, value, text)
            elif value is not None:
                sheet.write(count, index, value)
    book.close()
    return count
