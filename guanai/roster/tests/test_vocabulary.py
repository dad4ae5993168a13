"""The words people write in a roster's coded columns: the 2016 form's, the seed township's,
their common variants and Guanai's own labels, read into codes; anything else is a fault
that lists what may be written."""

import io
from datetime import date

import pytest
import xlsxwriter
from django.utils import translation

from guanai.children.models import Child
from guanai.roster.importing import import_roster
from guanai.roster.vocabulary import code_for, tables, unknown_message


@pytest.mark.parametrize(
    ("column", "written", "code"),
    [
        # The seed township's count of guardianship.
        ("guardianship_type", "隔代监护", "grandparent"),
        ("guardianship_type", "寄养监护", "relative"),
        ("guardianship_type", "无人监护", "none"),
        # With and without 监护, 爷爷奶奶, full-width and padded.
        ("guardianship_type", "隔代", "grandparent"),
        ("guardianship_type", "寄养", "relative"),
        ("guardianship_type", "委托", "relative"),
        ("guardianship_type", "爷爷奶奶", "grandparent"),
        ("guardianship_type", "外公外婆监护", "grandparent"),
        ("guardianship_type", "　隔代监护 ", "grandparent"),
        ("guardianship_type", "祖辈监护", "grandparent"),  # Guanai's label
        ("guardianship_type", "Grandparent care", "grandparent"),  # its English label
        # The 2016 form's health.
        ("health", "健康", "healthy"),
        ("health", "残疾", "disabled"),
        ("health", "患病", "seriously_ill"),
        ("health", "患重病", "seriously_ill"),
        ("health", "残疾（肢体二级）", "disabled"),
        ("health", "健康(√)", "healthy"),
        # The 2016 form's schooling and assessment.
        ("schooling", "不在学", "not_in_school"),
        ("schooling", "中职", "vocational"),
        ("schooling", "职高", "vocational"),
        ("assessment", "监护情况一般", "ordinary"),
        ("assessment", "监情况较好", "good"),  # as the form prints it
        ("assessment", "受委托监护人监护能力不足", "guardian_insufficient"),
        ("assessment", "父或母无监护能力", "parent_incapable"),
        ("assessment", "较好", "good"),
        ("guardian_relationship", "爷爷", "grandfather"),
        ("guardian_relationship", "外婆", "maternal_grandmother"),
        ("guardian_relationship", "祖母", "grandmother"),
        ("gender", "男 ", "male"),
        ("gender", "Ｆ", "female"),
        ("risk_level", "高风险", "high"),
        ("risk_level", "", ""),
    ],
)
def test_the_words_people_write_read_as_codes(column, written, code):
    assert code_for(column, written) == code


def test_every_word_of_every_table_is_a_code_of_its_column():
    assert {"gender", "health", "schooling", "guardianship_type"} <= set(tables())
    for column, table in tables().items():
        codes = {code for code, _label in Child._meta.get_field(column).choices or []}
        assert set(table.values()) <= codes, column


def test_an_unknown_word_is_refused_with_the_accepted_values():
    assert code_for("guardianship_type", "隔壁照看") is None
    message = unknown_message("guardianship_type", "隔壁照看")
    assert "祖辈监护、亲友委托监护、父母一方监护、无人监护" in message
    with translation.override("en"):
        assert "Grandparent care" in unknown_message("guardianship_type", "隔壁照看")


def test_a_word_that_could_mean_several_codes_says_what_to_write():
    assert code_for("assessment", "差") is None
    assert "受委托监护人监护能力不足" in unknown_message("assessment", "差")
    assert code_for("guardian_relationship", "祖孙") is None
    assert "外祖母" in unknown_message("guardian_relationship", "祖孙")
    # The 2016 form lists the assessment under 监护类型: the fault says where it belongs.
    assert "监护情况评估" in unknown_message("guardianship_type", "监护情况一般")


def township_roster(rows: list[list[object]]) -> bytes:
    """A roster as a township types it: two title rows, the 2016 form's headers (full-width
    brackets, a trailing space), no ID numbers, ethnicity, class, risk or parents' columns."""
    header = [
        "序号", "姓名 ", "性别", "出生日期", "乡镇（街道）", "村（社区）", "身体情况", "就学情况",
        "是否学校寄宿", "农业户籍", "委托监护人姓名", "与被监护人关系", "监护类型", "监护情况评估",
    ]  # fmt: skip
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.merge_range(0, 0, 0, len(header) - 1, "旺苍县东河镇农村留守儿童花名册")
    sheet.write(1, 0, "填报单位：东河镇人民政府（盖章）　　填报日期：2026年3月1日")
    sheet.write_row(2, 0, header)
    for index, row in enumerate(rows, start=3):
        sheet.write_row(index, 0, row)
    sheet.write_row(3 + len(rows), 0, ["合计", f"{len(rows)}人"])
    book.close()
    return out.getvalue()


def test_a_township_roster_in_the_forms_and_the_seeds_words_imports(places, cast):
    data = township_roster(
        [
            [1, "张一", "男", "２０１５－０３－０５", "东河镇", "长滩村", "健康", "小学", "否", "是",
             "张爷爷", "爷爷", "隔代监护 ", "监护情况一般"],
            [2, "张二", "女 ", "2014.6.1", "东河", "长滩村", "残疾（肢体二级）", "小学在读", "住校",
             "农业", "王姨", "姨妈", "寄养监护", "较好"],
            [3, "张三", "男", "2010年1月2日", "东河镇", "长滩村村民委员会", "患病", "辍学", "",
             "农村户籍", "", "", "无人监护", "无人监护"],
            [4, "张四", "Ｆ", "2016/9/1", "东河镇", "长滩村", "良好", "幼儿园", "走读", "√",
             "李外婆", "外婆", "隔代", "一般"],
            [5, "张五", "男", "2013-05-05", "东河镇", "长滩村", "健康", "小学", "否", "是",
             "张邻居", "邻居", "隔壁照看", "差"],
        ]
    )  # fmt: skip
    report = import_roster(user=cast["village_director"], data=data, write=True)

    assert report.counts == {"create": 4, "update": 0, "unchanged": 0, "error": 1}
    faults = {error.column: error.message for error in report.errors}
    assert set(faults) == {"监护类型", "监护情况评估"}
    assert "祖辈监护、亲友委托监护、父母一方监护、无人监护" in faults["监护类型"]
    assert "无人监护、父或母无监护能力、受委托监护人监护能力不足" in faults["监护情况评估"]
    children = {
        child.name: child for child in Child.objects.select_related("guardian").order_by("name")
    }
    assert {
        name: (c.gender, c.health, c.schooling, c.guardianship_type, c.assessment, c.boarding)
        for name, c in children.items()
    } == {
        "张一": ("male", "healthy", "primary", "grandparent", "ordinary", False),
        "张二": ("female", "disabled", "primary", "relative", "good", True),
        "张三": ("male", "seriously_ill", "dropped_out", "none", "no_guardian", False),
        "张四": ("female", "healthy", "kindergarten", "grandparent", "ordinary", False),
    }
    assert children["张一"].birth_date == date(2015, 3, 5)
    assert children["张二"].guardian_relationship == "uncle_aunt"
    assert children["张四"].guardian_relationship == "maternal_grandmother"
    assert all(child.hukou_rural for child in children.values())
