"""The roster's columns: the official 2016 form's headers and the variants people write.

Each column's aliases hold the 2016 form's own header where it differs from the label
(身体情况, 是否学校寄宿, 当前务工地点, 受委托监护人电话, 与被监护人关系); the words a coded
column's cells may hold are in `vocabulary`.

`match_header` finds the header row under any title rows ("旺苍县东河镇留守儿童花名册"),
joins two-row headers ("父亲" above "姓名" is 父亲姓名), and maps each column to a field,
listing what it could not place.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from guanai.children.choices import FamilySlot


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # the official header, as the export and the template write it
    aliases: tuple[str, ...] = ()
    required: bool = False


def _parent_columns(slot: FamilySlot, word: str) -> tuple[Column, ...]:
    """A parent's columns, the same for the father and the mother: the 2016 form's headers
    start with the parent's word (父亲, 母亲), in whatever language the user reads."""
    return (
        Column(f"{slot}_name", f"{word}姓名"),
        Column(
            f"{slot}_id_number",
            f"{word}身份证号码",
            (f"{word}身份证号", f"{word}公民身份号码", f"{word}公民身份证号码"),
        ),
        Column(
            f"{slot}_work_place",
            f"{word}务工地点",
            (f"{word}外出务工地点", f"{word}务工地", f"{word}当前务工地点"),
        ),
        Column(f"{slot}_phone", f"{word}联系电话", (f"{word}电话", f"{word}手机")),
    )


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", ("儿童姓名", "学生姓名", "留守儿童姓名"), required=True),
    Column("gender", "性别"),
    Column("ethnicity", "民族"),
    Column("birth_date", "出生日期", ("出生年月", "出生年月日", "生日")),
    Column(
        "id_number",
        "公民身份号码",
        ("身份证号", "身份证号码", "公民身份证号码", "儿童身份证号码", "身份证"),
    ),
    Column("township", "乡镇", ("乡镇(街道)", "乡(镇)", "镇", "乡镇街道")),
    Column("village", "村(社区)", ("村", "村(居)", "村居", "社区", "村委会", "所在村")),
    Column("hukou_rural", "农业户籍", ("是否农业户籍", "户籍性质", "农村户籍")),
    Column("address", "现住址", ("家庭住址", "住址", "现居住地址", "详细地址", "现居住地")),
    Column("health", "健康状况", ("身体状况", "身体情况")),
    Column("schooling", "就学状况", ("就学情况", "就读状况", "学段")),
    Column("school", "就读学校", ("学校", "学校名称", "所在学校")),
    Column("grade", "年级"),
    Column("class_name", "班级"),
    Column("boarding", "是否寄宿", ("寄宿", "住校", "是否住校", "是否学校寄宿")),
    *_parent_columns(FamilySlot.FATHER, "父亲"),
    *_parent_columns(FamilySlot.MOTHER, "母亲"),
    Column(
        "guardian_name",
        "委托监护人姓名",
        ("监护人", "监护人姓名", "委托监护人", "实际监护人", "实际监护人姓名"),
    ),
    Column(
        "guardian_relationship",
        "与儿童关系",
        ("监护人与儿童关系", "与儿童关系", "关系", "与监护人关系", "与被监护人关系"),
    ),
    Column(
        "guardian_id_number",
        "委托监护人身份证号码",
        (
            "监护人身份证号码",
            "监护人身份证号",
            "委托监护人身份证号",
            "委托监护人公民身份证号码",
            "受委托监护人公民身份证号码",
        ),
    ),
    Column(
        "guardian_phone",
        "委托监护人联系电话",
        ("监护人电话", "监护人联系电话", "联系电话", "委托监护人电话", "受委托监护人电话"),
    ),
    Column("guardianship_type", "监护类型", ("监护方式",)),
    Column("assessment", "监护情况评估", ("监护评估", "监护情况")),
    Column("risk_level", "风险等级"),
    Column("note", "备注"),
)
BY_KEY = {column.key: column for column in COLUMNS}
# Columns read and dropped: the row number every roster starts with.
IGNORED = frozenset({"序号", "编号", "No", "No."})
# How far down a file the header may sit (title rows, blank rows, notes above it).
HEADER_SEARCH_ROWS = 15


def normalize_header(text: object) -> str:
    """ "儿童 姓名*" and "儿童姓名（必填）" both read 儿童姓名."""
    header = unicodedata.normalize("NFKC", str(text or ""))
    header = re.sub(r"[(（][^)）]*(必填|选填|填写|格式|如)[^)）]*[)）]", "", header)
    return re.sub(r"[\s*:：]", "", header)


_LOOKUP: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.label, *_column.aliases):
        _LOOKUP.setdefault(normalize_header(_name), _column.key)


def column_key(header: object) -> str | None:
    return _LOOKUP.get(normalize_header(header))


@dataclass
class HeaderMatch:
    row_index: int  # the last header row; data starts below it
    keys: dict[int, str]  # column index -> field key
    unknown: list[tuple[int, str]] = field(default_factory=list)  # ignored, warned about
    duplicates: list[tuple[int, str]] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        found = set(self.keys.values())
        return [c.key for c in COLUMNS if c.required and c.key not in found]


def _forward_filled(row: list[object]) -> list[str]:
    """A merged cell's value stands over the empty cells to its right."""
    filled, current = [], ""
    for cell in row:
        text = normalize_header(cell)
        current = text or current
        filled.append(current)
    return filled


def _joined(top: str, bottom: str) -> str:
    """A two-row header: "父亲" over "姓名" is 父亲姓名; a cell merged down keeps its top."""
    if not bottom or not top:
        return bottom or top
    return top + bottom if column_key(top + bottom) else bottom


def _match(headers: list[str], row_index: int, mapping: dict[str, str]) -> HeaderMatch:
    match = HeaderMatch(row_index=row_index, keys={})
    seen: set[str] = set()
    for index, header in enumerate(headers):
        if not header or header in IGNORED:
            continue
        key = mapping.get(header) or column_key(header)
        if key is None:
            match.unknown.append((index, header))
        elif key in seen:
            match.duplicates.append((index, header))
        else:
            match.keys[index] = key
            seen.add(key)
    return match


def match_header(
    rows: list[list[object]], mapping: dict[str, str] | None = None
) -> HeaderMatch | None:
    """The best header among the first rows, alone or joined with the row above it.

    `mapping` places headers the user matched to fields by hand (normalised header -> key).
    """
    mapping = {normalize_header(h): k for h, k in (mapping or {}).items() if k in BY_KEY}
    best: HeaderMatch | None = None
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        single = [normalize_header(cell) for cell in row]
        candidates = [_match(single, index, mapping)]
        if index > 0:
            above = _forward_filled(rows[index - 1])
            above += [""] * (len(single) - len(above))
            candidates.append(
                _match([_joined(t, b) for t, b in zip(above, single, strict=False)], index, mapping)
            )
        for candidate in candidates:
            if best is None or len(candidate.keys) > len(best.keys):
                best = candidate
    if best is None or "name" not in best.keys.values() or len(best.keys) < 2:
        return None
    return best


def unknown_header_message(match: HeaderMatch) -> str:
    names = "、".join(header for _index, header in match.unknown)
    return str(_("以下列无法识别，已忽略：%(names)s") % {"names": names})
