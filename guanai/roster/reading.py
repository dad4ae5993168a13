"""Reading a roster file into rows: xlsx, xls and ods through calamine, and CSV in UTF-8
(with or without BOM) or GBK/GB18030, which Chinese Excel writes by default.

The file's kind comes from its bytes, not its name; anything else is refused with a
message. Limits: `MAX_BYTES` for the file, `MAX_ROWS` for the rows, and a compressed
workbook may not expand beyond `MAX_UNPACKED_BYTES` (a zip bomb dressed as .xlsx).
"""

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

from guanai.core.errors import ApplicationError

MAX_BYTES = 50 * 1024 * 1024
MAX_UNPACKED_BYTES = 500 * 1024 * 1024
MAX_ROWS = 1_100_000

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (and other old Office files)


@dataclass(frozen=True)
class Sheet:
    """The rows of a roster, read as they are consumed: memory stays flat in row count."""

    kind: str  # "xlsx", "xls", "ods" or "csv"
    rows: Iterator[list[object]]
    size: int  # rows in the sheet, header and blank rows included: the measure of progress


def _check_zip(data: bytes) -> str:
    """The kind of a zip-based workbook, after checking it does not unpack into a bomb."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise ApplicationError(
            _("文件已损坏，无法打开。请在 Excel 中另存为 .xlsx 后再上传。")
        ) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise ApplicationError(_("文件解压后过大，不像是正常的花名册，已拒绝。"))
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "content.xml" in names:
        return "ods"
    raise ApplicationError(_("这不是 Excel 表格文件。请上传 .xlsx、.xls 或 .csv 文件。"))


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ApplicationError(
        _("无法识别文件的文字编码。请在 Excel 中另存为 .xlsx 或 UTF-8 的 .csv。")
    )


def _looks_like_text(text: str) -> bool:
    sample = text[:4096]
    controls = sum(1 for c in sample if ord(c) < 32 and c not in "\r\n\t")
    return bool(sample.strip()) and controls == 0


def read_sheet(data: bytes) -> Sheet:
    """The first worksheet of a roster file, as rows of cell values."""
    if not data:
        raise ApplicationError(_("文件是空的。"))
    if len(data) > MAX_BYTES:
        raise ApplicationError(
            _("文件超过 %(limit)d MB，请分成几个文件上传。") % {"limit": MAX_BYTES // 1024 // 1024}
        )
    if data.startswith(_ZIP):
        kind = _check_zip(data)
    elif data.startswith(_OLE):
        kind = "xls"
    else:
        if b"\x00" in data[:4096]:  # binary: a picture, a PDF, a Word file...
            raise ApplicationError(_("这不是表格文件。请上传 .xlsx、.xls 或 .csv 文件。"))
        text = _decode(data)
        if not _looks_like_text(text):
            raise ApplicationError(_("这不是表格文件。请上传 .xlsx、.xls 或 .csv 文件。"))
        rows: Iterator[list[object]] = (list(row) for row in csv.reader(io.StringIO(text)))
        return Sheet("csv", _limited(rows), text.count("\n") + 1)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_index(0)
        return Sheet(kind, _limited(sheet.iter_rows()), sheet.height)
    except (CalamineError, ValueError, IndexError):
        raise ApplicationError(
            _("文件已损坏，无法打开。请在 Excel 中另存为 .xlsx 后再上传。")
        ) from None


def _limited(rows: Iterator[list[Any]]) -> Iterator[list[object]]:
    for count, row in enumerate(rows, start=1):
        if count > MAX_ROWS:
            raise ApplicationError(
                _("文件超过 %(limit)d 行，请分成几个文件上传。") % {"limit": MAX_ROWS}
            )
        yield row
