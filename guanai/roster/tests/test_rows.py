"""Spreadsheet rows into children: values as typed, every fault of a row at once."""

from datetime import date

import pytest

from conftest import make_id_number
from guanai.areas.models import Area, School
from guanai.children.equivalence import split_work_place
from guanai.roster.columns import match_header
from guanai.roster.rows import Places, RowReader

TODAY = date(2026, 11, 29)
HEADER = [
    "序号", "儿童姓名", "性别", "出生日期", "身份证号码", "乡镇", "村", "就学状况", "就读学校",
    "是否寄宿", "父亲姓名", "父亲务工地点", "母亲姓名", "母亲务工地点", "监护人", "与儿童关系",
    "监护人电话", "监护类型", "监护情况评估",
]  # fmt: skip


def good_row(**overrides):
    row = {
        "序号": 1,
        "儿童姓名": "张小明",
        "性别": "男",
        "出生日期": "2015.3.5",
        "身份证号码": make_id_number(sequence=11),
        "乡镇": "东河镇",
        "村": "长滩村",
        "就学状况": "小学",
        "就读学校": "东河小学",
        "是否寄宿": "否",
        "父亲姓名": "张大山",
        "父亲务工地点": "广东省深圳市",
        "母亲姓名": "李秀英",
        "母亲务工地点": "浙江宁波",
        "监护人": "张奶奶",
        "与儿童关系": "奶奶",
        "监护人电话": 13812345678.0,
        "监护类型": "隔代监护",
        "监护情况评估": "一般",
    }
    row.update(overrides)
    return [row[h] for h in HEADER]


@pytest.fixture
def reader(places):
    villages = list(Area.objects.filter(level="village").select_related("parent"))
    rows = [["旺苍县东河镇留守儿童花名册"], HEADER]
    match = match_header(rows)
    assert match is not None
    return RowReader(match, HEADER, Places(villages, list(School.objects.all())), TODAY)


def test_a_good_row_becomes_a_child_with_a_family(reader, places):
    row = reader.read(3, good_row())
    assert row.errors == []
    child = row.child
    assert (child["name"], child["gender"], child["birth_date"]) == (
        "张小明",
        "male",
        date(2015, 3, 5),
    )
    assert child["village"] == places.village
    assert child["school"] == places.school
    assert (child["schooling"], child["guardianship_type"], child["assessment"]) == (
        "primary",
        "grandparent",
        "ordinary",
    )
    assert child["guardian_relationship"] == "grandmother"
    assert row.family["father"]["work_province"] == "广东省"
    assert row.family["father"]["work_city"] == "深圳市"
    assert row.family["father"]["away_for_work"] is True
    assert row.family["guardian"]["phone"] == "13812345678"


def test_every_fault_of_a_row_is_reported_at_once(reader):
    row = reader.read(
        7,
        good_row(
            出生日期="2015-02-30",
            身份证号码=5.10821e17,
            性别="不详",
            村="火星村",
            监护类型="自己",
        ),
    )
    columns = {e.column for e in row.errors}
    assert columns >= {"出生日期", "身份证号码", "性别", "村", "监护类型"}
    assert all(e.row == 7 for e in row.errors)
    by_column = {e.column: e for e in row.errors}
    assert "丢失" in by_column["身份证号码"].message
    assert "火星村" in by_column["村"].message
    assert "隔代监护" not in by_column["监护类型"].value
    assert "祖辈监护" in by_column["监护类型"].message  # the allowed values are listed


def test_an_id_number_that_contradicts_the_birth_date_is_a_fault(reader):
    row = reader.read(3, good_row(出生日期="2015-03-06"))
    assert [e.column for e in row.errors] == ["身份证号码"]
    assert "不一致" in row.errors[0].message


def test_birth_date_and_gender_come_from_the_id_number_when_left_blank(reader):
    row = reader.read(3, good_row(出生日期="", 性别=""))
    assert row.errors == []
    assert (row.child["birth_date"], row.child["gender"]) == (date(2015, 3, 5), "male")


def test_a_village_outside_the_importers_places_is_a_fault(places, reader):
    # The reader's places hold every village of the cast; one built from fewer refuses.
    narrow = RowReader(reader.match, HEADER, Places([places.village], [places.school]), TODAY)
    row = narrow.read(3, good_row(村="石桥村"))
    assert [e.column for e in row.errors] == ["村"]


def test_blank_rows_and_the_totals_row_are_skipped_with_the_right_row_numbers(reader):
    rows = [
        good_row(),
        [None] * len(HEADER),
        ["合计", "", "", "", "", "", "", ""],
        good_row(儿童姓名="李四", 身份证号码=""),
    ]
    read = list(reader.rows(iter(rows)))
    assert [(r.row, r.child["name"]) for r in read] == [(3, "张小明"), (6, "李四")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("广东省深圳市", ("广东省", "深圳市")),
        ("广东深圳", ("广东省", "深圳")),
        ("北京", ("北京市", "北京市")),
        ("新疆维吾尔自治区乌鲁木齐", ("新疆维吾尔自治区", "乌鲁木齐")),
        ("广西南宁市", ("广西壮族自治区", "南宁市")),
        ("外地", ("", "外地")),
    ],
)
def test_work_places_are_split_into_province_and_city(text, expected):
    assert split_work_place(text) == expected
