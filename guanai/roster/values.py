"""Cell values as people type them into rosters, read into clean Python values.

Each reader returns the value or raises `CellError` with a Chinese message that says what
was wrong and how to fix it; it never guesses (an ID number Excel turned into a number
has lost its last digits, and is refused rather than completed).
"""

import re
import unicodedata
from datetime import date, datetime, timedelta

from django.utils.translation import gettext as _

from guanai.children.idnumber import normalize_id_number
from guanai.roster import vocabulary

# Excel's day 0 in the 1900 date system (which counts 1900-02-29, so day 60 is skipped).
_EXCEL_EPOCH = date(1899, 12, 30)
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_TOTALS = ("合计", "总计", "小计", "共计")


class CellError(ValueError):
    """A value that cannot be read; `message` tells the user why, in their language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def clean_text(value: object) -> str:
    """Text as typed: full-width letters and digits made plain, spaces trimmed and collapsed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if not unicodedata.is_normalized("NFKC", text):  # a quick check: most cells are
        text = unicodedata.normalize("NFKC", text)
    return " ".join(text.split())


def read_date(value: object) -> date | None:
    """A date from an Excel date cell, an Excel serial number, or 2012-03-05, 2012.3.5,
    2012/3/5, 2012年3月5日 or 20120305; None for an empty cell."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A plausible Excel serial: 1950-01-01 (18264) to 2099-12-31 (73050).
        if 18264 <= value <= 73050:
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise _not_a_date(value)
    text = clean_text(value).replace(" ", "")
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            try:
                return date(year, month, day)
            except ValueError:
                raise CellError(
                    _("“%(value)s”不是真实存在的日期，请核对。") % {"value": text}
                ) from None
    raise _not_a_date(text)


def _not_a_date(value: object) -> CellError:
    return CellError(_("“%(value)s”不是日期，请写成 2012-03-05 这样的格式。") % {"value": value})


def read_yes_no(value: object, column: str = "") -> bool | None:
    """是/否, √/×, Y/N, 1/0, 有/无, and the column's own words (寄宿/走读 for boarding,
    农业/非农业 for the household registration: `vocabulary`); None for an empty cell."""
    try:
        return vocabulary.yes_no(column, value)
    except KeyError:
        text = clean_text(value)
        own = vocabulary.yes_no_words(column)[2:]
        if own:
            raise CellError(
                _("“%(value)s”应填“是”或“否”（也可填：%(words)s）。")
                % {"value": text, "words": "、".join(own)}
            ) from None
        raise CellError(_("“%(value)s”应填“是”或“否”。") % {"value": text}) from None


# What a masked export writes for an ID or phone number (core.crypto's masks): the digits
# kept and stars, 510821************ or 138****5678; and for an address, its start and ****.
_MASKED_NUMBER = re.compile(r"[0-9Xx\- ]*\*[0-9Xx*\- ]*")
_MASKED_ADDRESS = "****"
_STARS = ("*", "＊", "﹡")  # the ASCII star and the two NFKC reads as one


def is_masked(value: object, *, address: bool = False) -> bool:
    """A value starred out by a masked export: it stands for a value the file does not
    give. Anything else with a star in it is read (and refused) as what it is."""
    if not isinstance(value, str) or not any(star in value for star in _STARS):
        return False  # nearly every cell: no star of any width
    text = clean_text(value)
    if address:
        return _MASKED_ADDRESS in text
    return _MASKED_NUMBER.fullmatch(text) is not None


def read_id_number(value: object) -> str:
    """An ID number as text, normalised; "" for an empty cell.

    A number cell cannot hold 18 digits: Excel keeps 15 significant digits, so
    5.10821E+17 or 510821201203051000 has lost its end, and no one can tell what it was.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, float) or (isinstance(value, int) and not isinstance(value, bool)):
        if len(str(int(value))) < 15:
            return str(int(value))  # too short to be a number that lost digits: let it fail later
        raise _digits_lost()
    text = clean_text(value)
    if re.fullmatch(r"\d(\.\d+)?[eE]\+?\d+", text.replace(" ", "")):
        raise _digits_lost()
    return normalize_id_number(text.lstrip("'"))


def _digits_lost() -> CellError:
    return CellError(
        _(
            "身份证号码被 Excel 存成了数字，最后几位已经丢失，无法还原。"
            "请把这一列设为“文本”格式，重新填写号码。"
        )
    )


def read_phone(value: object) -> str:
    """A phone number's digits (and a dash between area code and number)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = clean_text(value)
    phone = "".join(c for c in text if c.isdigit() or c == "-").strip("-")
    if text and not (7 <= len(phone.replace("-", "")) <= 12):
        raise CellError(_("“%(value)s”不是有效的电话号码。") % {"value": text})
    return phone


def is_blank_row(row: list[object]) -> bool:
    return all(clean_text(cell) == "" for cell in row)


def is_totals_row(row: list[object]) -> bool:
    """The 合计 row at the bottom of a roster: its first filled cell starts with 合计."""
    for cell in row:
        text = clean_text(cell).replace(" ", "")
        if text:
            return text.startswith(_TOTALS)
    return False
