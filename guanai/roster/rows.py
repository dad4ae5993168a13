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

from guanai.areas.models import Area, School, township_short_name
from guanai.children.completeness import UNKNOWN_WORDS, VALUE_FIELDS, identity_faults
from guanai.children.idnumber import check_consistency, parse_id_number
from guanai.children.models import (
    Assessment,
    Gender,
    GuardianshipType,
    Health,
    Relationship,
    RiskLevel,
    Schooling,
)
from guanai.roster.columns import BY_KEY, HeaderMatch
from guanai.roster.values import (
    CellError,
    clean_text,
    is_blank_row,
    is_totals_row,
    read_date,
    read_id_number,
    read_phone,
    read_yes_no,
)

PROVINCES = [
    "北京",
    "天津",
    "河北",
    "山西",
    "内蒙古",
    "辽宁",
    "吉林",
    "黑龙江",
    "上海",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "广西",
    "海南",
    "重庆",
    "四川",
    "贵州",
    "云南",
    "西藏",
    "陕西",
    "甘肃",
    "青海",
    "宁夏",
    "新疆",
    "台湾",
    "香港",
    "澳门",
]


def _choices(enum: Any, aliases: dict[str, str] | None = None) -> dict[str, str]:
    """Label (Chinese), code and aliases, all mapping to the code."""
    table = {str(label): value for value, label in enum.choices}
    table.update({value: value for value in enum.values})
    table.update(aliases or {})
    return table


CODED: dict[str, dict[str, str]] = {
    "gender": _choices(
        Gender, {"男性": "male", "女性": "female", "男孩": "male", "女孩": "female"}
    ),
    "health": _choices(
        Health,
        {"良好": "healthy", "正常": "healthy", "重病": "seriously_ill", "大病": "seriously_ill"},
    ),
    "schooling": _choices(
        Schooling,
        {
            "学前": "not_in_kindergarten",
            "在园": "kindergarten",
            "学前班": "kindergarten",
            "小学在读": "primary",
            "初中在读": "junior",
            "高中在读": "senior",
            "职高": "vocational",
            "中专": "vocational",
            "失学": "dropped_out",
        },
    ),
    "guardianship_type": _choices(
        GuardianshipType,
        {
            "隔代监护": "grandparent",
            "祖父母监护": "grandparent",
            "祖辈": "grandparent",
            "亲友监护": "relative",
            "委托监护": "relative",
            "亲属监护": "relative",
            "单亲监护": "parent",
            "父亲监护": "parent",
            "母亲监护": "parent",
            "无": "none",
        },
    ),
    "assessment": _choices(Assessment),
    "guardian_relationship": _choices(
        Relationship,
        {
            "爷爷": "grandfather",
            "奶奶": "grandmother",
            "外公": "maternal_grandfather",
            "姥爷": "maternal_grandfather",
            "外婆": "maternal_grandmother",
            "姥姥": "maternal_grandmother",
            "父": "father",
            "母": "mother",
            "叔叔": "uncle_aunt",
            "伯伯": "uncle_aunt",
            "姑姑": "uncle_aunt",
            "舅舅": "uncle_aunt",
            "姨妈": "uncle_aunt",
            "哥哥": "sibling",
            "姐姐": "sibling",
            "邻居": "neighbour",
            "朋友": "neighbour",
        },
    ),
    "risk_level": _choices(
        RiskLevel, {"低风险": "low", "中风险": "medium", "高风险": "high", "一般": "low"}
    ),
}


# The values the official form offers, listed when something else was written.
OFFICIAL: dict[str, list[str]] = {
    key: [str(label) for label in enum.labels]
    for key, enum in (
        ("gender", Gender),
        ("health", Health),
        ("schooling", Schooling),
        ("guardianship_type", GuardianshipType),
        ("assessment", Assessment),
        ("guardian_relationship", Relationship),
        ("risk_level", RiskLevel),
    )
}


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


def split_work_place(text: str) -> tuple[str, str]:
    """ "广东省深圳市" or "广东深圳" -> ("广东", "深圳市"/"深圳"); unknown -> ("", text)."""
    for province in PROVINCES:
        if text.startswith(province):
            rest = text[len(province) :]
            for suffix in ("省", "市", "自治区", "壮族自治区", "回族自治区", "维吾尔自治区"):
                if rest.startswith(suffix):
                    rest = rest[len(suffix) :]
                    break
            return province, rest or (
                province if province in ("北京", "天津", "上海", "重庆") else ""
            )
    return "", text


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
            county = village.code[:6]
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
        given = set(self.columns) & _CHILD_COLUMNS
        if "village" in given:
            given.add("hukou_area")
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
                text = clean_text(value).replace(" ", "")
                if not text or (key in VALUE_FIELDS and text in UNKNOWN_WORDS):
                    return ""  # unknown: the child is 待补充 (children.completeness)
                code = CODED[key].get(text)
                if code is None:
                    options = "、".join(OFFICIAL[key])
                    raise CellError(
                        _("“%(value)s”不是可选的值，可填：%(options)s")
                        % {"value": text, "options": options}
                    )
                return code

            return take(key, reader)

        child = row.child
        child["name"] = take("name", _required_text)
        child["id_number"] = take("id_number", read_id_number) or ""
        child["birth_date"] = take("birth_date", read_date)
        child["gender"] = coded("gender")
        child["ethnicity"] = clean_text(cell("ethnicity")) or "汉族"
        self._check_id_number(row, child)
        village = take(
            "village",
            lambda value: self.places.village(clean_text(cell("township")), _required_text(value)),
        )
        child["village"] = child["hukou_area"] = village
        rural = take("hukou_rural", read_yes_no)
        child["hukou_rural"] = True if rural is None else rural
        child["address"] = clean_text(cell("address"))
        child["health"] = coded("health")
        child["schooling"] = coded("schooling")
        school_name = clean_text(cell("school"))
        if school_name and village is not None:
            child["school"] = take("school", lambda _v: self.places.school(school_name, village))
        child["grade"] = clean_text(cell("grade"))
        child["class_name"] = clean_text(cell("class_name"))
        child["boarding"] = bool(take("boarding", read_yes_no))
        child["guardianship_type"] = coded("guardianship_type")
        child["guardian_relationship"] = coded("guardian_relationship")
        child["assessment"] = coded("assessment")
        child["risk_level"] = coded("risk_level") or RiskLevel.LOW
        for role in ("father", "mother", "guardian"):
            if f"{role}_name" in self.columns:
                person = self._person(row, role, take)
                if person is None and self._work_unknown(cell(f"{role}_work_place")):
                    continue  # nothing known of this parent: the row says nothing of them
                row.family[role] = person
        self._check_required(row, child)
        return row

    def _person(
        self, row: RosterRow, role: str, take: Callable[[str, Callable[[object], Any]], Any]
    ) -> dict[str, Any] | None:
        name = clean_text(take(f"{role}_name", lambda v: v))
        person: dict[str, Any] = {"name": name}
        number = take(f"{role}_id_number", read_id_number) or ""
        if number:
            try:
                person["id_number"] = parse_id_number(number, today=self.today).number
            except ValidationError as error:
                header = self.columns[f"{role}_id_number"][1]
                row.errors.append(RowError(row.row, header, number, error.messages[0]))
        phone = take(f"{role}_phone", read_phone)
        if phone:
            person["phone"] = phone
        if role in ("father", "mother") and f"{role}_work_place" in self.columns:
            place = clean_text(take(f"{role}_work_place", lambda v: v))
            # Blank is "not away", as rosters write it; 待补充 (or 不详) is unknown, which
            # leaves the child 待补充 until someone says (children.completeness).
            if not self._work_unknown(place):
                person["away_for_work"] = bool(place)
                person["work_province"], person["work_city"] = split_work_place(place)
        return person if name else None

    @staticmethod
    def _work_unknown(value: object) -> bool:
        return clean_text(value).replace(" ", "") in UNKNOWN_WORDS

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


# Columns that are fields of the child under the same name.
_CHILD_COLUMNS = frozenset(
    {
        "name",
        "gender",
        "ethnicity",
        "birth_date",
        "id_number",
        "village",
        "hukou_rural",
        "address",
        "health",
        "schooling",
        "school",
        "grade",
        "class_name",
        "boarding",
        "guardianship_type",
        "guardian_relationship",
        "assessment",
        "risk_level",
    }
)


def _required_text(value: object) -> str:
    text = clean_text(value)
    if not text:
        raise CellError(_("不能为空。"))
    return text
