"""Writing what people typed into spreadsheets safely: never as a formula or a link.

A name such as =HYPERLINK(...) must not run in the spreadsheet of whoever opens an export
(OWASP: CSV and formula injection). Every xlsx and CSV Guanai writes goes through here.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

# xlsxwriter options: strings stay strings.
SAFE_XLSX = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# CSV lines sent per chunk of a streamed response.
_CSV_CHUNK = 500


def csv_safe(value: Any) -> Any:
    """A CSV cell that Excel will not read as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_chunks(headers: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    """CSV text a chunk at a time, with a BOM so Excel reads it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(headers)
    for count, row in enumerate(rows, start=1):
        writer.writerow([csv_safe(value) for value in row])
        if count % _CSV_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
