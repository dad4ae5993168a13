"""Values that mean the same, so that writing one over the other is no change.

A file exported and imported back, or a form saved with what it showed, must change
nothing: 广东 is 广东省, 深圳 is 深圳市, （三组） is (三组), 138-1234-5678 is 13812345678, 汉 is
汉族. The services keep the value held when the one entered means the same
(`same_value`), so nothing is written and no history entry is made, whichever way the
value came (form, roster, API).

The work place is where the 2016 form asks for it: "填写到XXX省(区、市)XXX市". People write
the province with or without 省 (and 自治区), in one cell with the city; `split_work_place`
reads such a cell into the official province name and the rest.
"""

import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Any

from django.db.models import Model

from guanai.children.idnumber import normalize_id_number

# Short name -> official name (GB/T 2260) of every province-level division.
PROVINCES: dict[str, str] = {
    "北京": "北京市",
    "天津": "天津市",
    "河北": "河北省",
    "山西": "山西省",
    "内蒙古": "内蒙古自治区",
    "辽宁": "辽宁省",
    "吉林": "吉林省",
    "黑龙江": "黑龙江省",
    "上海": "上海市",
    "江苏": "江苏省",
    "浙江": "浙江省",
    "安徽": "安徽省",
    "福建": "福建省",
    "江西": "江西省",
    "山东": "山东省",
    "河南": "河南省",
    "湖北": "湖北省",
    "湖南": "湖南省",
    "广东": "广东省",
    "广西": "广西壮族自治区",
    "海南": "海南省",
    "重庆": "重庆市",
    "四川": "四川省",
    "贵州": "贵州省",
    "云南": "云南省",
    "西藏": "西藏自治区",
    "陕西": "陕西省",
    "甘肃": "甘肃省",
    "青海": "青海省",
    "宁夏": "宁夏回族自治区",
    "新疆": "新疆维吾尔自治区",
    "台湾": "台湾省",
    "香港": "香港特别行政区",
    "澳门": "澳门特别行政区",
}
_MUNICIPALITIES = frozenset({"北京", "天津", "上海", "重庆"})
# What follows a short province name in its official or a shortened name, longest first.
_PROVINCE_SUFFIXES = (
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "特别行政区",
    "自治区",
    "省",
    "市",
)


def _province_and_rest(text: str) -> tuple[str, str] | None:
    """("广东", "深圳市") for 广东省深圳市 or 广东深圳市; None when no province starts it."""
    short = text[:2] if text[:2] in PROVINCES else text[:3]  # 内蒙古 and 黑龙江 have three
    if short not in PROVINCES:
        return None
    rest = text[len(short) :]
    for suffix in _PROVINCE_SUFFIXES:
        if rest.startswith(suffix):
            return short, rest[len(suffix) :]
    return short, rest


def split_work_place(text: str) -> tuple[str, str]:
    """ "广东省深圳市" or "广东深圳" -> ("广东省", "深圳市"/"深圳"); unknown -> ("", text).

    A municipality alone (北京) is its own city."""
    found = _province_and_rest(text)
    if found is None:
        return "", text
    short, rest = found
    if not rest and short in _MUNICIPALITIES:
        rest = PROVINCES[short]
    return PROVINCES[short], rest


def _text(value: str) -> str:
    """Half-width, spaces trimmed and collapsed."""
    if not unicodedata.is_normalized("NFKC", value):
        value = unicodedata.normalize("NFKC", value)
    return " ".join(value.split())


def _province(value: str) -> str:
    found = _province_and_rest(value)
    return found[0] if found and not found[1] else value


def _city(value: str) -> str:
    return value.removesuffix("市") if len(value) > 2 else value


def _phone(value: str) -> str:
    digits = "".join(c for c in value if c.isdigit())
    if len(digits) == 13 and digits.startswith("86"):  # +86 138…
        return digits[2:]
    return digits


def _ethnicity(value: str) -> str:
    return value.removesuffix("族") if len(value) > 1 else value


# Per field, the form two values are compared in after `_text`.
_CANONICAL: dict[str, Callable[[str], str]] = {
    "work_province": _province,
    "work_city": _city,
    "phone": _phone,
    "id_number": normalize_id_number,
    "ethnicity": _ethnicity,
}


def plain(value: Any) -> Any:
    """A value as JSON keeps it: model instances by primary key, dates as ISO text,
    collections sorted."""
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, list | tuple | set | frozenset):
        return sorted(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def same_value(field: str, held: Any, entered: Any) -> bool:
    """Whether `entered` means what `held` does for this field of a child or a family
    member (a related record and its key are the same; empty is empty)."""
    held, entered = plain(held), plain(entered)
    if held in (None, "", []) and entered in (None, "", []):
        return True
    if not (isinstance(held, str) and isinstance(entered, str)):
        return bool(held == entered)
    if held == entered:
        return True
    held, entered = _text(held), _text(entered)
    canonical = _CANONICAL.get(field)
    if canonical is not None:
        held, entered = canonical(held), canonical(entered)
    return held == entered


def same_work_place(held: tuple[str, str], entered: tuple[str, str]) -> bool:
    """Province and city compared as one place: ("广东省", "深圳市") is ("广东", "深圳"), and
    ("", "广东深圳") typed in one box is ("广东省", "深圳市")."""
    if same_value("work_province", held[0], entered[0]) and same_value(
        "work_city", held[1], entered[1]
    ):
        return True
    held_split = split_work_place(_text("".join(held)))
    entered_split = split_work_place(_text("".join(entered)))
    return same_value("work_province", held_split[0], entered_split[0]) and same_value(
        "work_city", held_split[1], entered_split[1]
    )
