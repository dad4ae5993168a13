"""The filtered access log out, as CSV or xlsx (constant memory), written by an export job
(guanai.exports: see exports.py)."""

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import IO, Any

import xlsxwriter  # type: ignore[import-untyped]  # no stubs published
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from guanai.accounts.models import User
from guanai.audit.models import AccessEvent
from guanai.audit.selectors import AccessRow, access_log_rows
from guanai.core.spreadsheets import SAFE_XLSX

CHUNK = 2000


def headers() -> list[str]:
    return [
        _("时间"),
        _("用户"),
        _("用户名"),
        _("操作"),
        _("儿童或对象"),
        _("字段"),
        _("理由"),
        _("导出行数"),
        _("IP地址"),
    ]


def _cells(row: AccessRow) -> list[Any]:
    return [
        timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M:%S"),
        row.user,
        row.username,
        row.action_label,
        row.child_name or row.target_label,
        row.field_label,
        row.reason,
        "" if row.rows is None else row.rows,
        row.ip_address,
    ]


def export_rows(viewer: User, events: QuerySet[AccessEvent]) -> Iterator[list[Any]]:
    """The entries as cells, read in chunks; child names as the screen shows them."""
    entries = events.select_related("user").iterator(chunk_size=CHUNK)
    while chunk := list(islice(entries, CHUNK)):
        for row in access_log_rows(viewer, chunk):
            yield _cells(row)


def write_xlsx(rows: Iterable[list[Any]], out: IO[bytes]) -> int:
    """The entries as a workbook, in constant memory; returns the row count."""
    book = xlsxwriter.Workbook(out, {"constant_memory": True, **SAFE_XLSX})
    sheet = book.add_worksheet(_("访问日志"))
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, headers(), bold)
    sheet.set_column(0, 0, 20)
    sheet.set_column(1, 8, 14)
    count = 0
    for count, row in enumerate(rows, start=1):
        sheet.write_row(count, 0, row)
    book.close()
    return count
