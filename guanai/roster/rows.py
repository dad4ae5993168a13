"""Roster rows into the values of a child and their family, with every fault of a row.

`RowReader` knows the importer's places (villages and schools they may register children
in) and turns each spreadsheet row into a `RosterRow`: the child's fields, the father's,
mother's and guardian's, and a list of `RowError` (row number, column, value, message),
all faults of the row at once.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanai.areas.codes import prefix_at
from guanai.areas.models import Area, School, township_short_name
from guanai.children.choices import PARENT_SLOTS, FamilySlot, RiskLevel
from guanai.children.completeness import UNKNOWN_WORDS, VALUE_FIELDS, identity_faults
from guanai.children.equivalence import split_work_place
from guanai.children.fields import CHILD_FIELDS
from guanai.children.idnumber import check_consistency, parse_id_number
from guanai.children.rules import Violation
from guanai.roster import vocabulary
from guanai.roster.columns import BY_KEY, HeaderMatch
from guanai.roster.values import (
    CellError,
    clean_text,
    is_blank_row,
    is_masked,
    is_totals_row,
    read_date,
    read_id_number,
    read_phone,
    read_yes_no,
)

# A cell reader of RowReader.read: (column key, reader of the cell's value) -> the value.
_Take = Callable[[str, Callable[[object], Any]], Any]


@dataclass(frozen=True)
class RowError:
    row: int  # as the spreadsheet numbers it (1 = first row)
    column: str  # the header as in the file
    value: str
    message: str


@dataclass
class RosterRow:
    row: int
    # Every field of a new child, defaults included.
    child: dict[str, Any] = field(default_factory=dict)
    # Family members whose columns the file has (a person is None when the name is blank).
    family: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    cells: list[object] = field(default_factory=list)  # as read, for the error file
    # Cells starred out by a masked export, read as blank: for a child already held they
    # mean "unchanged" (as a blank ID number, phone or address does); for a new child each
    # is a fault (importing.py decides, once the row is matched).
    masked: list[RowError] = field(default_factory=list)
    # The child's fields the file gives (its columns, and what they imply): only these
    # change a child already held; the defaults of columns the file lacks never do.
    given: frozenset[str] = frozenset()

    def updates(self) -> dict[str, Any]:
        """The fields this row changes on a child already held. A blank cell of an official
        field that may be unknown (children.completeness) is unknown: it clears nothing."""
        return {
            name: value
            for name, value in self.child.items()
            if name in self.given and (value or name not in VALUE_FIELDS)
        }


class Places:
    """The villages and schools an importer may register children in, found by the names
    people write: 长滩村 or 长滩村村民委员会, with 东河镇 or 东河 to tell namesakes apart."""

    def __init__(self, villages: list[Area], schools: list[School]) -> None:
        self.by_code = {v.code: v for v in villages}
        self.by_name: dict[str, list[Area]] = {}
        for village in villages:
            for name in {village.name, village.short_name}:
                self.by_name.setdefault(name, []).append(village)
        self.schools: dict[str, list[School]] = {}
        for school in schools:
            self.schools.setdefault(school.name, []).append(school)

    def village(self, township: str, village: str) -> Area:
        if village in self.by_code:
            return self.by_code[village]
        found = self.by_name.get(village, [])
        if township and len(found) > 1:
            found = [
                v
                for v in found
                if v.parent and township in (v.parent.name, township_short_name(v.parent.name))
            ]
        if not found:
            raise CellError(_("找不到“%(name)s”，或它不在您的管辖范围内。") % {"name": village})
        if len(found) > 1:
            raise CellError(_("有几个村(社区)叫“%(name)s”，请同时填写乡镇。") % {"name": village})
        return found[0]

    def school(self, name: str, village: Area) -> School:
        found = self.schools.get(name, [])
        if len(found) > 1:
            county = prefix_at(village.code, "county")
            found = [s for s in found if s.area_id.startswith(county)]
        if len(found) != 1:
            raise CellError(_("找不到学校“%(name)s”，或它不在您的管辖范围内。") % {"name": name})
        return found[0]


class RowReader:
    """Reads rows under a matched header; one instance per file."""

    def __init__(self, match: HeaderMatch, headers: list[object], places: Places, today: date):
        self.match = match
        self.places = places
        self.today = today
        # Column key -> (index, header as written in the file).
        self.columns = {
            key: (index, clean_text(headers[index])) for index, key in match.keys.items()
        }
        # The household registration is taken to be the village for a new child only: no
        # roster column gives it, so it never changes a child already held.
        given = set(self.columns) & _CHILD_COLUMNS
        if "id_number" in given:  # the birth date and gender follow from it
            given |= {"birth_date", "gender"}
        self.given = frozenset(given)

    def rows(self, rows: Iterator[list[object]]) -> Iterator[RosterRow]:
        """Every data row, skipping blank rows and the 合计 row."""
        for offset, cells in enumerate(rows, start=self.match.row_index + 2):
            if is_blank_row(cells) or is_totals_row(cells):
                continue
            yield self.read(offset, cells)

    def read(self, number: int, cells: list[object]) -> RosterRow:
        row = RosterRow(row=number, cells=list(cells), given=self.given)

        def cell(key: str) -> object:
            column = self.columns.get(key)
            if column is None or column[0] >= len(cells):
                return None
            return cells[column[0]]

        def take(key: str, reader: Callable[[object], Any]) -> Any:
            value = cell(key)
            try:
                return reader(value)
            except CellError as error:
                row.errors.append(
                    RowError(number, self._header(key), clean_text(value), error.message)
                )
                return None

        def coded(key: str) -> Any:
            def reader(value: object) -> str:
                if key in VALUE_FIELDS and vocabulary.word_key(value) in UNKNOWN_WORDS:
                    return ""  # unknown: the child is 待补充 (children.completeness)
                code = vocabulary.code_for(key, value)
                if code is None:
                    raise CellError(vocabulary.unknown_message(key, clean_text(value)))
                return code

            return take(key, reader)

        def secret(key: str, reader: Callable[[object], Any]) -> Any:
            value = cell(key)
            if is_masked(value, address=key == "address"):
                text = clean_text(value)
                row.masked.append(RowError(number, self._header(key), text, masked_message()))
                return ""
            return take(key, reader)

        child = row.child
        child["name"] = take("name", _required_text)
        child["id_number"] = secret("id_number", read_id_number) or ""
        child["birth_date"] = take("birth_date", read_date)
        child["gender"] = coded("gender")
        child["ethnicity"] = clean_text(cell("ethnicity")) or "汉族"
        self._check_id_number(row, child)
        village = take(
            "village",
            lambda value: self.places.village(clean_text(cell("township")), _required_text(value)),
        )
        child["village"] = child["hukou_area"] = village
        rural = take("hukou_rural", lambda value: read_yes_no(value, "hukou_rural"))
        child["hukou_rural"] = True if rural is None else rural
        child["address"] = secret("address", clean_text)
        child["health"] = coded("health")
        child["schooling"] = coded("schooling")
        school_name = clean_text(cell("school"))
        if school_name and village is not None:
            child["school"] = take("school", lambda _v: self.places.school(school_name, village))
        child["grade"] = clean_text(cell("grade"))
        child["class_name"] = clean_text(cell("class_name"))
        child["boarding"] = bool(take("boarding", lambda value: read_yes_no(value, "boarding")))
        child["guardianship_type"] = coded("guardianship_type")
        if "guardian_relationship" in self.columns:
            # Without the column, unknown: the rules ask it only of a file that states it.
            child["guardian_relationship"] = coded("guardian_relationship")
        child["assessment"] = coded("assessment")
        child["risk_level"] = coded("risk_level") or RiskLevel.LOW
        for slot in FamilySlot.values:
            if f"{slot}_name" in self.columns:
                person = self._person(row, slot, take, secret)
                if person is None and self._work_unknown(cell(f"{slot}_work_place")):
                    continue  # nothing known of this parent: the row says nothing of them
                row.family[slot] = person
        self._check_required(row, child)
        return row

    def _person(
        self, row: RosterRow, slot: str, take: _Take, secret: _Take
    ) -> dict[str, Any] | None:
        name = clean_text(take(f"{slot}_name", lambda v: v))
        person: dict[str, Any] = {"name": name}
        number = secret(f"{slot}_id_number", read_id_number) or ""
        if number:
            try:
                person["id_number"] = parse_id_number(number, today=self.today).number
            except ValidationError as error:
                header = self.columns[f"{slot}_id_number"][1]
                row.errors.append(RowError(row.row, header, number, error.messages[0]))
        phone = secret(f"{slot}_phone", read_phone)
        if phone:
            person["phone"] = phone
        if slot in PARENT_SLOTS and f"{slot}_work_place" in self.columns:
            place = clean_text(take(f"{slot}_work_place", lambda v: v))
            # Blank is "not away", as rosters write it; 待补充 (or 不详) is unknown, which
            # leaves the child 待补充 until someone says (children.completeness).
            if not self._work_unknown(place):
                away = vocabulary.away_for_work(place)
                person["away_for_work"] = bool(place) if away is None else away
                person["work_province"], person["work_city"] = (
                    split_work_place(place) if away is None else ("", "")
                )
        return person if name else None

    @staticmethod
    def _work_unknown(value: object) -> bool:
        return vocabulary.word_key(value) in UNKNOWN_WORDS

    def _check_id_number(self, row: RosterRow, child: dict[str, Any]) -> None:
        number = child["id_number"]
        if not number:
            return
        header = self.columns["id_number"][1]
        try:
            parsed = parse_id_number(number, today=self.today)
        except ValidationError as error:
            row.errors.append(RowError(row.row, header, number, error.messages[0]))
            return
        child["id_number"] = parsed.number
        for mismatch in check_consistency(
            parsed, birth_date=child["birth_date"], gender=child["gender"] or None
        ):
            row.errors.append(RowError(row.row, header, number, mismatch.messages[0]))
        child["birth_date"] = child["birth_date"] or parsed.birth_date
        child["gender"] = child["gender"] or parsed.gender

    def _check_required(self, row: RosterRow, child: dict[str, Any]) -> None:
        """Only what identifies the child is required (children.completeness); the other
        official fields may be missing, and the child is then registered as 待补充."""
        missing = identity_faults(child)
        if not missing:
            return
        id_number_faulty = any(e.column == self._header("id_number") for e in row.errors)
        for key, message in missing:
            if any(e.column == self._header(key) for e in row.errors):
                continue  # already explained
            if key in ("birth_date", "gender") and id_number_faulty:
                continue  # would have come from the ID number: its fault says it all
            row.errors.append(RowError(row.row, self._header(key), "", message))

    def _header(self, key: str) -> str:
        return self.columns[key][1] if key in self.columns else BY_KEY[key].label

    def rule_fault(self, row: RosterRow, violation: Violation) -> RowError:
        """A broken rule of the child's file (children.rules) as a fault of the row, with
        the rule's own message: in the first column of this file that the rule reads (its
        field's, or the ID number's for a birth date read from it), with the cell as
        typed."""
        for name in violation.inputs:
            for key in _RULE_SOURCES.get(name, (name,)):
                column = self.columns.get(key)
                if column is None:
                    continue
                text = clean_text(row.cells[column[0]] if column[0] < len(row.cells) else None)
                if name in _READ_FROM_ID_NUMBER and not text:
                    continue  # a blank cell: the value was read from the ID number
                return RowError(row.row, column[1], text, violation.message)
        # No column of this file gives it (the rule read what the child's file holds).
        keys = [k for n in violation.inputs for k in _RULE_SOURCES.get(n, (n,)) if k in BY_KEY]
        return RowError(row.row, BY_KEY[keys[0]].label, "", violation.message)


def masked_message() -> str:
    return _(
        "此值已脱敏（带 *），说明这是一份脱敏导出的花名册：脱敏的值只能用于更新已登记的儿童"
        "（视为不变），不能登记新儿童。请填写完整的号码，或由可查看身份证号码的人员在"
        "“儿童名册 → 导出花名册 → 导出完整信息”中填写理由，导出完整的花名册后再导入。"
    )


# The columns that give what a rule reads (children.rules): a field of the child is its
# own column, and a birth date or gender left blank is read from the ID number; a family
# slot is told by the work place (whether the parent is away) and the name.
_RULE_SOURCES = {
    "birth_date": ("birth_date", "id_number"),
    "gender": ("gender", "id_number"),
    "father": ("father_work_place", "father_name"),
    "mother": ("mother_work_place", "mother_name"),
    "guardian": ("guardian_name",),
}
_READ_FROM_ID_NUMBER = frozenset({"birth_date", "gender"})

# Columns that are fields of the child under the same name.
_CHILD_COLUMNS = frozenset(BY_KEY) & frozenset(CHILD_FIELDS)


def _required_text(value: object) -> str:
    text = clean_text(value)
    if not text:
        raise CellError(_("不能为空。"))
    return text
