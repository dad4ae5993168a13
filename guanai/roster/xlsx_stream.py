"""Reading the first worksheet of a large .xlsx row by row, in memory flat in its length.

python-calamine reads a sheet whole into memory first (about 3 KB per roster row: a million
rows would take 3 GB), and openpyxl's read-only mode streams but reads about 3 000 rows/s.
This reader feeds the sheet's XML, as it is unzipped, to expat (the C parser in the standard
library) and hands over each row as soon as its end tag is read. It is used for big sheets
only (see reading.py); smaller ones go through calamine, which is faster.

Values come out as calamine gives them, except that numbers formatted as dates stay numbers
(Excel serial days): the roster's date reader takes both. Shared strings are held in a list,
phonetic guides (the pinyin runs Chinese Excel adds) left out.
"""

import posixpath
import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime, time
from typing import IO, Any
from xml.parsers import expat

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CHUNK = 1 << 16


class RefusedXml(ValueError):
    """The workbook's XML declares a DTD: Excel never writes one, an entity bomb does."""


def _refuse(*_args: object) -> None:
    raise RefusedXml


def _parser(
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None] | None = None,
    data: Callable[[str], None] | None = None,
) -> Any:
    """A parser calling these handlers on each element's start and end, and on its text."""
    # Namespaces resolved to "uri name". A document type declaration (where entities, and
    # so entity-expansion bombs, are declared) is refused outright.
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.buffer_text = True
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if data is not None:
        parser.CharacterDataHandler = data
    return parser


def _feed(parser: Any, stream: IO[bytes]) -> Iterator[None]:
    """Feed the stream in chunks, pausing after each so the caller can take what was read."""
    while chunk := stream.read(_CHUNK):
        parser.Parse(chunk, False)
        yield
    parser.Parse(b"", True)
    yield


def _parse_whole(archive: zipfile.ZipFile, path: str, parser: Any) -> None:
    """Run a part of the workbook through the parser to its end: its handlers keep what
    they need."""
    with archive.open(path) as stream:
        for _ in _feed(parser, stream):
            pass


def first_sheet_path(archive: zipfile.ZipFile) -> str:
    """The zip path of the workbook's first worksheet."""
    sheet_id = ""
    targets: dict[str, str] = {}

    def workbook_start(name: str, attrs: dict[str, str]) -> None:
        nonlocal sheet_id
        if name == f"{_MAIN} sheet" and not sheet_id:
            sheet_id = attrs.get(f"{_DOC_RELS} id", "")

    def rels_start(name: str, attrs: dict[str, str]) -> None:
        if name == f"{_RELS} Relationship":
            targets[attrs.get("Id", "")] = attrs.get("Target", "")

    for path, handler in (
        ("xl/workbook.xml", workbook_start),
        ("xl/_rels/workbook.xml.rels", rels_start),
    ):
        _parse_whole(archive, path, _parser(handler))
    target = targets.get(sheet_id, "worksheets/sheet1.xml")
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join("xl", target))


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    strings: list[str] = []
    parts: list[str] = []
    text: list[str] = []
    depth_phonetic = 0
    in_text = False

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth_phonetic, in_text
        if name == f"{_MAIN} si":
            parts.clear()
        elif name == f"{_MAIN} rPh":
            depth_phonetic += 1
        elif name == f"{_MAIN} t" and not depth_phonetic:
            in_text = True
            text.clear()

    def end(name: str) -> None:
        nonlocal depth_phonetic, in_text
        if name == f"{_MAIN} t" and in_text:
            parts.append("".join(text))
            in_text = False
        elif name == f"{_MAIN} rPh":
            depth_phonetic -= 1
        elif name == f"{_MAIN} si":
            strings.append("".join(parts))

    def data(chunk: str) -> None:
        if in_text:
            text.append(chunk)

    _parse_whole(archive, "xl/sharedStrings.xml", _parser(start, end, data))
    return strings


def _column(reference: str) -> int:
    """ "AB12" → 27 (zero-based column of a cell reference)."""
    index = 0
    for char in reference:
        if "A" <= char <= "Z":
            index = index * 26 + ord(char) - 64
        else:
            break
    return index - 1


def _number(text: str) -> object:
    try:
        value = float(text)
    except ValueError:
        return text  # not a number after all: kept as the text it is
    return int(value) if value.is_integer() and "E" not in text and "." not in text else value


def _iso_date(text: str) -> object:
    """A cell of type "d" (ISO 8601), as some programs other than Excel write dates."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    return moment.date() if moment.time() == time() else moment


def iter_rows(archive: zipfile.ZipFile) -> Iterator[list[object]]:
    """Every row of the first worksheet, blank rows included, as lists of cell values."""
    shared = _shared_strings(archive)
    done: list[list[object]] = []
    row: list[object] = []
    next_row = 1  # rows missing from the XML are blank rows
    kind = ""
    column = 0
    text: list[str] = []
    collecting = False
    c, v, t, row_tag, is_tag = (f"{_MAIN} {tag}" for tag in ("c", "v", "t", "row", "is"))
    rph = f"{_MAIN} rPh"
    phonetic = 0

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal row, next_row, kind, column, collecting, phonetic
        if name == c:
            kind = attrs.get("t", "n")
            reference = attrs.get("r")
            column = _column(reference) if reference else len(row)
            text.clear()
        elif name == v or (name == t and not phonetic):
            collecting = True
        elif name == row_tag:
            number = int(attrs.get("r", next_row))
            while next_row < number:
                done.append([])
                next_row += 1
            row = []
        elif name == rph:
            phonetic += 1

    def end(name: str) -> None:
        nonlocal next_row, collecting, phonetic
        if name in (v, t):
            collecting = False
        elif name == c:
            raw = "".join(text)
            value: object
            if not raw and kind != "inlineStr":
                return
            if kind == "s":
                value = shared[int(raw)]
            elif kind in ("inlineStr", "str"):
                value = raw
            elif kind == "b":
                value = raw == "1"
            elif kind == "e":
                value = None
            elif kind == "d":
                value = _iso_date(raw)
            else:
                value = _number(raw)
            while len(row) < column:
                row.append(None)
            row.append(value)
        elif name == row_tag:
            done.append(row)
            next_row += 1
        elif name == rph:
            phonetic -= 1
        elif name == is_tag:
            collecting = False

    def data(chunk: str) -> None:
        if collecting:
            text.append(chunk)

    parser = _parser(start, end, data)
    with archive.open(first_sheet_path(archive)) as stream:
        for _ in _feed(parser, stream):
            yield from done
            done.clear()
