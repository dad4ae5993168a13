"""Reading a roster file into rows: xlsx, xls and ods through calamine, and CSV in UTF-8
(with or without BOM) or GBK/GB18030, which Chinese Excel writes by default.

The file's kind comes from its bytes, not its name; anything else is refused with a
message. Limits: `MAX_BYTES` for a file uploaded on the web (`COMMAND_MAX_BYTES` on the
command line, for a province's roster), `MAX_ROWS` for the rows; a compressed workbook may not
expand beyond `MAX_UNPACKED_RATIO` times its size, or `UNPACKED_FLOOR` for a small one (a
zip bomb dressed as .xlsx expands a thousandfold), as its zip directory says before anything
is unpacked (both zip readers stop at a part's declared size). Sheets over `STREAM_ABOVE`
bytes of XML are read row by row (xlsx_stream), smaller ones by calamine, which holds the
whole sheet; CSV is decoded as read.
"""

import codecs
import csv
import io
import itertools
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from xml.parsers import expat

from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

from guanai.core.errors import ApplicationError
from guanai.roster import xlsx_stream

MAX_BYTES = 50 * 1024 * 1024
COMMAND_MAX_BYTES = 500 * 1024 * 1024
# Rosters unpack to 5 to 15 times their size (the export's xlsx: 14; Excel's, whose shared
# strings are written once, less), so 30 times leaves room and holds for any size: the
# export's 100 000 rows (19 MB) and 1 000 000 rows (190 MB, streamed) pass. A small
# workbook, whose styles and theme outweigh its rows, may reach the floor; calamine holds
# about 4 bytes per byte of a sheet's XML, so a 100 KB bomb costs at most some 40 MB.
UNPACKED_FLOOR = 10 * 1024 * 1024
MAX_UNPACKED_RATIO = 30
MAX_SHARED_STRINGS_BYTES = 400 * 1024 * 1024
STREAM_ABOVE = 64 * 1024 * 1024
MAX_ROWS = 1_100_000

_DECODE_CHUNK = 1 << 20
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (and other old Office files)


@dataclass(frozen=True)
class Sheet:
    """The rows of a roster, read as they are consumed: memory stays flat in row count."""

    rows: Iterator[list[object]]
    size: int  # rows in the sheet, header and blank rows included: the measure of progress


def _broken() -> ApplicationError:
    return ApplicationError(_("文件已损坏，无法打开。请在 Excel 中另存为 .xlsx 后再上传。"))


def _not_a_sheet() -> ApplicationError:
    return ApplicationError(_("这不是表格文件。请上传 .xlsx、.xls 或 .csv 文件。"))


@dataclass(frozen=True)
class _Probe:
    kind: str  # "xlsx", "xls", "ods" or "csv"
    largest: int = 0  # of a zip's parts, unpacked
    encoding: str = ""  # of a CSV


def _check_zip(data: bytes) -> _Probe:
    """A zip-based workbook, after checking it does not unpack into a bomb."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile:
        raise _broken() from None
    sizes = {info.filename: info.file_size for info in infos}
    if len(sizes) != len(infos):  # the same name twice: not something Excel writes
        raise _broken()
    unpacked = sum(sizes.values())
    if (
        unpacked > max(UNPACKED_FLOOR, MAX_UNPACKED_RATIO * len(data))
        or sizes.get("xl/sharedStrings.xml", 0) > MAX_SHARED_STRINGS_BYTES
    ):
        raise ApplicationError(_("文件解压后过大，不像是正常的花名册，已拒绝。"))
    largest = max(sizes.values(), default=0)
    if "xl/workbook.xml" in sizes:
        return _Probe("xlsx", largest)
    if "content.xml" in sizes:
        return _Probe("ods", largest)
    raise ApplicationError(_("这不是 Excel 表格文件。请上传 .xlsx、.xls 或 .csv 文件。"))


def _encoding(data: bytes) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes as such, else GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(data), _DECODE_CHUNK):
                decoder.decode(data[start : start + _DECODE_CHUNK])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ApplicationError(
        _("无法识别文件的文字编码。请在 Excel 中另存为 .xlsx 或 UTF-8 的 .csv。")
    )


def _looks_like_text(text: str) -> bool:
    sample = text[:4096]
    controls = sum(1 for c in sample if ord(c) < 32 and c not in "\r\n\t")
    return bool(sample.strip()) and controls == 0


def _probe(data: bytes, max_bytes: int | None) -> _Probe:
    """What kind of roster file this is, from its first bytes and its zip directory, without
    reading any sheet. A file that cannot be a roster is refused with its reason."""
    limit = MAX_BYTES if max_bytes is None else max_bytes
    if not data:
        raise ApplicationError(_("文件是空的。"))
    if len(data) > limit:
        raise ApplicationError(
            _("文件超过 %(limit)d MB，请分成几个文件上传。") % {"limit": limit // 1024 // 1024}
        )
    if data.startswith(_ZIP):
        return _check_zip(data)
    if data.startswith(_OLE):
        return _Probe("xls")
    if b"\x00" in data[:4096]:  # binary: a picture, a PDF, a Word file...
        raise _not_a_sheet()
    encoding = _encoding(data)
    if not _looks_like_text(data[:8192].decode(encoding, errors="ignore")):
        raise _not_a_sheet()
    return _Probe("csv", encoding=encoding)


def sniff(data: bytes, *, max_bytes: int | None = None) -> str:
    """The kind of a roster file ("xlsx", "xls", "ods" or "csv"), refusing what cannot be
    one: cheap enough for a web request."""
    return _probe(data, max_bytes).kind


def read_sheet(data: bytes, *, max_bytes: int | None = None) -> Sheet:
    """The first worksheet of a roster file, as rows of cell values."""
    probe = _probe(data, max_bytes)
    if probe.kind == "csv":
        # Decoded as read, so a large file is never held twice as text.
        text = io.TextIOWrapper(io.BytesIO(data), encoding=probe.encoding, newline="")
        rows: Iterator[list[object]] = (list(row) for row in csv.reader(text))
        return Sheet(_limited(rows), data.count(b"\n") + 1)
    if probe.kind == "xlsx" and probe.largest > STREAM_ABOVE:
        return _read_xlsx_streaming(data)
    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        return Sheet(_limited(sheet.iter_rows()), sheet.height)
    except (CalamineError, ValueError, IndexError):
        raise _broken() from None


# What the streaming reader raises on a broken workbook.
_STREAM_FAULTS = (KeyError, ValueError, IndexError, zipfile.BadZipFile, expat.ExpatError)


def _read_xlsx_streaming(data: bytes) -> Sheet:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        rows = xlsx_stream.iter_rows(archive)
        first = next(rows, None)
    except _STREAM_FAULTS:
        raise _broken() from None
    size = _xlsx_dimension_rows(archive)
    head = [] if first is None else [first]  # a blank first row is a row too
    return Sheet(_limited(_guarded(itertools.chain(head, rows))), size)


def _guarded(rows: Iterator[list[object]]) -> Iterator[list[object]]:
    """A fault met further down the sheet, said as the others are (no cell value in it)."""
    try:
        yield from rows
    except _STREAM_FAULTS:
        raise _broken() from None


def _xlsx_dimension_rows(archive: zipfile.ZipFile) -> int:
    """The row count the sheet declares (<dimension ref="A1:AE1000001"/>), for progress."""
    with archive.open(xlsx_stream.first_sheet_path(archive)) as stream:
        head = stream.read(4096).decode("utf-8", errors="ignore")
    ref = head.partition('<dimension ref="')[2].partition('"')[0]
    last = ref.rpartition(":")[2]
    digits = "".join(char for char in last if char.isdigit())
    return int(digits) if digits else 0


def _limited(rows: Iterator[list[Any]]) -> Iterator[list[object]]:
    for count, row in enumerate(rows, start=1):
        if count > MAX_ROWS:
            raise ApplicationError(
                _("文件超过 %(limit)d 行，请分成几个文件上传。") % {"limit": MAX_ROWS}
            )
        yield row
