"""Roster rows that break a rule of the child's file (children.rules): faulty rows with
the form's message, their row, the file's column and the value as typed, in the check and
in the write; the other rows of the file import as before."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_child, make_id_number
from guanai.children import rules
from guanai.children.models import Child
from guanai.children.tests.test_views import form_data
from guanai.roster.importing import import_plan, import_roster

HEADER = (
    "序号,姓名,性别,出生日期,身份证号码,乡镇,村,就学状况,就读学校,父亲姓名,父亲务工地点,"
    "母亲姓名,母亲务工地点,委托监护人姓名,与儿童关系,监护类型"
)


def line(n: int, name: str, **cells: str) -> str:
    row = {
        "序号": str(n),
        "姓名": name,
        "性别": "",
        "出生日期": "",
        "身份证号码": make_id_number(birth=date(2014, 5, 1), sequence=100 + 2 * n + 1),
        "乡镇": "东河镇",
        "村": "长滩村",
        "就学状况": "小学",
        "就读学校": "东河小学",
        "父亲姓名": f"{name[0]}父",
        "父亲务工地点": "广东深圳",
        "母亲姓名": "李母",
        "母亲务工地点": "浙江杭州",
        "委托监护人姓名": f"{name[0]}奶奶",
        "与儿童关系": "奶奶",
        "监护类型": "隔代监护",  # seeds: 隔代监护 74 %
    } | cells
    assert list(row) == HEADER.split(",")
    return ",".join(row.values())


def roster(*lines: str, header: str = HEADER) -> bytes:
    return "\r\n".join(["旺苍县东河镇留守儿童花名册", header, *lines]).encode("gbk")


def future() -> str:
    return (timezone.localdate() + timedelta(days=40)).isoformat()


def twenty_years_ago() -> str:
    return date(timezone.localdate().year - 20, 8, 8).isoformat()


def the_forms_message(client, places, field: str, **fields: str) -> list[str]:
    response = client.post(reverse("children:child_new"), form_data(places, **fields))
    return response.context["form"].errors[field]


@pytest.fixture
def the_file() -> bytes:
    """Three rows breaking a rule and three that keep them, in the seeds' own words."""
    return roster(
        line(1, "孙一", 身份证号码="", 出生日期=future(), 性别="男"),
        line(2, "孙二", 身份证号码="", 出生日期=twenty_years_ago(), 性别="女"),
        line(3, "孙三", 监护类型="父母一方监护"),
        line(4, "孙四"),
        line(5, "孙五", 委托监护人姓名="王叔叔", 与儿童关系="叔叔", 监护类型="寄养监护"),
        line(6, "孙六", 委托监护人姓名="", 与儿童关系="", 监护类型="无人监护"),
    )


def expected_faults(client, places) -> list[tuple[int, str, str, str]]:
    """(row, column, value, message) of the three rows, each message the form's own for
    the same values."""
    no_id = {"id_number": ""}
    return [
        (
            3,
            "出生日期",
            future(),
            *the_forms_message(
                client, places, "birth_date", **no_id, birth_date=future(), gender="male"
            ),
        ),
        (
            4,
            "出生日期",
            twenty_years_ago(),
            *the_forms_message(
                client, places, "birth_date", **no_id, birth_date=twenty_years_ago(), gender="male"
            ),
        ),
        (
            5,
            "监护类型",
            "父母一方监护",
            *the_forms_message(client, places, "guardianship_type", guardianship_type="parent"),
        ),
    ]


def faults(report) -> list[tuple[int, str, str, str]]:
    return [(e.row, e.column, e.value, e.message) for e in report.errors]


def test_rows_breaking_a_rule_are_faulty_with_the_forms_message_in_the_check(
    places, cast, client_for, the_file
):
    expected = expected_faults(client_for(cast["village_director"]), places)
    assert [message for *_cell, message in expected] == [
        str(rules.BIRTH_DATE_FUTURE),
        str(rules.BIRTH_DATE_ADULT),
        str(rules.PARENT_NOT_AT_HOME),
    ]

    plan = import_plan(user=cast["village_director"], data=the_file)

    assert faults(plan) == expected
    assert plan.counts == {"create": 3, "update": 0, "unchanged": 0, "error": 3}
    assert not Child.objects.exists()


def test_the_write_leaves_them_out_with_the_same_faults_and_imports_the_rest(
    places, cast, client_for, the_file
):
    expected = expected_faults(client_for(cast["village_director"]), places)

    report = import_roster(user=cast["village_director"], data=the_file, write=True)

    assert faults(report) == expected
    assert report.counts == {"create": 3, "update": 0, "unchanged": 0, "error": 3}
    assert sorted(Child.objects.values_list("name", "guardianship_type")) == [
        ("孙五", "relative"),
        ("孙六", "none"),
        ("孙四", "grandparent"),
    ]


def test_the_seeds_guardianship_words_break_no_rule_with_or_without_a_guardian_column(places, cast):
    rows = [
        line(1, "钱一"),
        line(2, "钱二", 委托监护人姓名="钱姑姑", 与儿童关系="姑姑", 监护类型="寄养监护"),
        line(3, "钱三", 委托监护人姓名="", 与儿童关系="", 监护类型="无人监护"),
        line(4, "钱四", 监护类型="隔代"),
    ]
    assert faults(import_plan(user=cast["village_director"], data=roster(*rows))) == []
    # A township's roster without the guardian's columns says nothing of a guardian.
    without = HEADER.replace(",委托监护人姓名,与儿童关系", "")
    bare = [",".join(r.split(",")[:13] + r.split(",")[15:]) for r in rows]
    plan = import_plan(user=cast["village_director"], data=roster(*bare, header=without))
    assert (faults(plan), plan.counts["create"]) == ([], 4)


def test_a_guardianship_named_without_its_guardian_is_a_fault_of_that_row(places, cast):
    data = roster(line(1, "李一", 委托监护人姓名="", 与儿童关系=""))
    assert faults(import_plan(user=cast["village_director"], data=data)) == [
        (3, "监护类型", "隔代监护", str(rules.GUARDIAN_NEEDED))
    ]


def test_an_update_is_judged_on_the_child_held(places, cast):
    number = make_id_number(birth=date(2015, 3, 5), sequence=31)
    make_child(places.village, name="周一", id_number=number)  # both parents away
    header = "姓名,身份证号码,村,监护类型"
    changed = roster(f"周一,{number},长滩村,父母一方监护", header=header)

    plan = import_plan(user=cast["village_director"], data=changed)
    assert faults(plan) == [(3, "监护类型", "父母一方监护", str(rules.PARENT_NOT_AT_HOME))]
    import_roster(user=cast["village_director"], data=changed, write=True)
    assert Child.objects.get().guardianship_type == "grandparent"

    mother_at_home = roster(
        f"周一,{number},长滩村,父母一方监护,李母,", header=f"{header},母亲姓名,母亲务工地点"
    )
    report = import_roster(user=cast["village_director"], data=mother_at_home, write=True)
    assert (faults(report), report.counts["update"]) == ([], 1)
    assert Child.objects.get().guardianship_type == "parent"


def test_a_file_held_before_the_rules_imports_back_unchanged(places, cast):
    born = date(timezone.localdate().year - 20, 1, 2)
    number = make_id_number(birth=born, sequence=41)
    make_child(places.village, name="郑一", id_number=number, birth_date=born)
    data = roster(f"郑一,{number},长滩村,隔代监护", header="姓名,身份证号码,村,监护类型")
    plan = import_plan(user=cast["village_director"], data=data)
    assert (faults(plan), plan.counts["unchanged"]) == ([], 1)


def test_a_parent_at_home_is_not_taken_as_able_to_guard_when_the_roster_does_not_say(places, cast):
    """A roster has no column for a parent's ability to guard, and a parent at home unable
    to guard is the 2016 definition's own 无人监护: not held against the guardianship type."""
    data = roster(
        line(1, "钱一", 母亲务工地点="", 委托监护人姓名="", 与儿童关系="", 监护类型="无人监护"),
        line(2, "钱二", 母亲务工地点="在家", 委托监护人姓名="", 与儿童关系="", 监护类型="无人监护"),
    )
    plan = import_plan(user=cast["village_director"], data=data)
    assert faults(plan) == []
    assert plan.counts["create"] == 2
